/// A strategy for replacing the instances of a run spec with a new version. `marathon` is the default; others
/// (Kubernetes, recreate, blue-green, canary) plug in here. (ARCHITECTURE.md calls this `UpgradeStrategy`;
/// that name belongs to Marathon's `upgradeStrategy` field, so the protocol is `RolloutStrategy`.)
public protocol RolloutStrategy: Sendable {
    /// The name used on the command line and in plans.
    var name: String { get }
    /// The strategy and its parameters in a few words, for the dashboard's header and dialogs.
    var summary: String { get }
    /// A fresh restart process for one run spec, given its instances now.
    func makeRestart(for spec: RunSpec, version: String, current: [InstanceSnapshot]) -> any RestartProcess
    /// The restart process of a rollback to the definitions from before a deployment (an abort with roll back,
    /// or a missed deadline with `--auto-rollback`): by default the same as a restart; a canary skips its steps.
    func makeRollback(for spec: RunSpec, version: String, current: [InstanceSnapshot]) -> any RestartProcess
    /// The strategy that restarts `spec`: itself, unless it chooses per run spec (`SelectedStrategy`).
    func strategy(for spec: RunSpec) -> any RolloutStrategy
}

extension RolloutStrategy {
    public func makeRollback(for spec: RunSpec, version: String, current: [InstanceSnapshot]) -> any RestartProcess {
        makeRestart(for: spec, version: version, current: current)
    }

    public func strategy(for spec: RunSpec) -> any RolloutStrategy {
        self
    }
}

/// One run spec's restart in progress under some strategy: inputs in, actions out.
public protocol RestartProcess: Sendable {
    /// The actions to take at once.
    mutating func start() -> [RolloutAction]
    /// The actions an input leads to.
    mutating func handle(_ input: RolloutInput) -> [RolloutAction]
    /// Holds back new kills and launches.
    mutating func pause()
    /// Releases what `pause()` held back.
    mutating func resume() -> [RolloutAction]
    var isFinished: Bool { get }
    /// The fewest healthy and the most alive instances the process allows, for progress bars and checks.
    var limits: (minHealthy: Int, maxCapacity: Int) { get }
    /// Old instances killed as soon as the restart started.
    var initialKills: Int { get }
    /// True while it waits for `RolloutInput.promote` to go on, and for nothing else.
    var awaitsPromotion: Bool { get }
    /// True while `RolloutInput.promote` would move it on (a blue-green switch, a canary's pause or gate).
    var canPromote: Bool { get }
    /// True while `RolloutInput.promoteFully` would skip steps that remain.
    var canPromoteFully: Bool { get }
    /// True while it waits on purpose (a pause, a gate's timer, a promotion, a scale-down delay): the progress
    /// deadline does not run then.
    var isHolding: Bool { get }
}

extension RestartProcess {
    /// Strategies that never wait for a promotion.
    public var awaitsPromotion: Bool { false }
    public var canPromote: Bool { awaitsPromotion }
    public var canPromoteFully: Bool { false }
    public var isHolding: Bool { awaitsPromotion }
}

/// Marathon's rolling restart, the default strategy.
public struct MarathonStrategy: RolloutStrategy {
    public init() {}

    public var name: String { "marathon" }

    public var summary: String { "marathon rolling restart" }

    public func makeRestart(for spec: RunSpec, version: String, current: [InstanceSnapshot]) -> any RestartProcess {
        MarathonRestart(version: version, instances: spec.instances, upgradeStrategy: spec.upgradeStrategy,
                        isResident: spec.isResident, hasHealthChecks: spec.hasHealthChecks,
                        hasReadinessChecks: spec.hasReadinessChecks, current: current)
    }
}

extension MarathonRestart: RestartProcess {
    public var limits: (minHealthy: Int, maxCapacity: Int) { (strategy.minHealthy, strategy.maxCapacity) }
    public var initialKills: Int { strategy.killImmediately }
}

/// The machine for one deployment action on one run spec: a restart under the chosen strategy, a scale, a stop
/// or a start. The scheduler feeds it the run spec's inputs and carries out its actions.
public struct RolloutMachine: Sendable {
    /// The machine behind the action.
    private enum Process: Sendable {
        case restart(any RestartProcess)
        case scale(MarathonScale)
        case stop(MarathonStop)
        case start
    }

    public let action: DeploymentAction
    private var process: Process
    /// Whether the process is done, kept after every change: the scheduler asks on every input, and asking the
    /// process itself would copy it out of its existential box each time.
    public private(set) var isFinished: Bool

    /// A machine for `action`, given the run spec's instances now. `version` names the target definition;
    /// `isRollback` says that the action rolls a deployment back.
    public init(action: DeploymentAction, version: String, strategy: any RolloutStrategy, current: [InstanceSnapshot], isRollback: Bool = false) {
        self.action = action
        switch action {
        case .start:
            process = .start
        case .restart(let spec):
            process = .restart(isRollback ? strategy.makeRollback(for: spec, version: version, current: current)
                                           : strategy.makeRestart(for: spec, version: version, current: current))
        case .scale(let spec, let instances, let sentenced):
            process = .scale(MarathonScale(version: version, instances: instances, killSelection: spec.killSelection,
                                           isResident: spec.isResident, hasHealthChecks: spec.hasHealthChecks,
                                           hasReadinessChecks: spec.hasReadinessChecks, sentenced: sentenced, current: current))
        case .stop:
            process = .stop(MarathonStop(current: current))
        }
        isFinished = Self.isFinished(process)
    }

    private static func isFinished(_ process: Process) -> Bool {
        switch process {
        case .restart(let restart): return restart.isFinished
        case .scale(let scale): return scale.isFinished
        case .stop(let stop): return stop.isFinished
        case .start: return true
        }
    }

    /// The restart's limits, when the action is a restart.
    public var limits: (minHealthy: Int, maxCapacity: Int)? {
        if case .restart(let restart) = process { return restart.limits }
        return nil
    }

    /// True while the restart waits for a promotion.
    public var awaitsPromotion: Bool {
        if case .restart(let restart) = process { return restart.awaitsPromotion }
        return false
    }

    /// What a promotion would do now: move the restart on one step, or skip all its remaining steps.
    public var promotions: (step: Bool, fully: Bool) {
        if case .restart(let restart) = process { return (restart.canPromote, restart.canPromoteFully) }
        return (false, false)
    }

    /// True while the restart waits on purpose, so the progress deadline does not run.
    public var isHolding: Bool {
        if case .restart(let restart) = process { return restart.isHolding }
        return false
    }

    /// Old instances the restart killed at once, when the action is a restart.
    public var initialKills: Int? {
        if case .restart(let restart) = process { return restart.initialKills }
        return nil
    }

    public mutating func start() -> [RolloutAction] {
        update(restart: { $0.start() }, scale: { $0.start() }, stop: { $0.start() }, start: [.finished])
    }

    public mutating func handle(_ input: RolloutInput) -> [RolloutAction] {
        update(restart: { $0.handle(input) }, scale: { $0.handle(input) }, stop: { $0.handle(input) }, start: [])
    }

    public mutating func pause() {
        _ = update(restart: { $0.pause(); return [] }, scale: { $0.pause(); return [] }, stop: { _ in [] }, start: [])
    }

    public mutating func resume() -> [RolloutAction] {
        update(restart: { $0.resume() }, scale: { $0.resume() }, stop: { _ in [] }, start: [])
    }

    /// Mutates the process in place with the closure for its kind (`start` is the answer of a start action).
    /// The payload is taken out of `process` first, leaving `.start` there for the moment, so that the payload
    /// is the only reference to its storage and the mutation does not copy the machine's sets and queues: a
    /// copy per input would make a deployment cost grow with the square of its size.
    private mutating func update(restart: (inout any RestartProcess) -> [RolloutAction], scale: (inout MarathonScale) -> [RolloutAction],
                                 stop: (inout MarathonStop) -> [RolloutAction], start: [RolloutAction]) -> [RolloutAction] {
        switch process {
        case .restart(var payload):
            process = .start
            defer { process = .restart(payload) }
            let actions = restart(&payload)
            isFinished = payload.isFinished
            return actions
        case .scale(var payload):
            process = .start
            defer { process = .scale(payload) }
            let actions = scale(&payload)
            isFinished = payload.isFinished
            return actions
        case .stop(var payload):
            process = .start
            defer { process = .stop(payload) }
            let actions = stop(&payload)
            isFinished = payload.isFinished
            return actions
        case .start:
            return start
        }
    }
}
