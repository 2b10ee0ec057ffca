/// One step of a canary (Argo Rollouts' `steps`, reference/rollout-tools.md §5.2).
public enum CanaryStep: Sendable, Hashable, CustomStringConvertible {
    /// Run this share of the instances (0–100 %) on the new version and the rest on the old one.
    case setWeight(Int)
    /// Wait this many seconds, or (nil) until promoted.
    case pause(seconds: Double?)
    /// Wait until every new instance has been healthy and ready for this many seconds without a break.
    case gate(seconds: Double)

    /// `setWeight 10`, `pause 30s`, `pause`, `gate 60s`: the step as the spec writes it.
    public var description: String {
        switch self {
        case .setWeight(let weight): return "setWeight \(weight)"
        case .pause(let seconds?): return "pause \(DurationText.text(seconds))"
        case .pause(nil): return "pause"
        case .gate(let seconds): return "gate \(DurationText.text(seconds))"
        }
    }

    /// The instances a weight puts on the new version: Argo's basic canary rounds to the nearest whole
    /// instance, ties up (10 replicas at 41 % → 4, at 25 % → 3), and a weight from 1 to 99 on 2 or more
    /// instances keeps at least one on each side (20 at 1 % → 1, 10 at 96 % → 9).
    public static func newInstances(weight: Int, of replicas: Int) -> Int {
        let nearest = (weight * replicas + 50) / 100
        guard (1...99).contains(weight), replicas >= 2 else { return nearest }
        return min(max(nearest, 1), replicas - 1)
    }
}

/// Argo Rollouts' canary without traffic routing: the weight is the share of instances on the new version.
/// Each `setWeight` moves the fleet to that share within `maxSurge` and `maxUnavailable` (as a Kubernetes
/// rolling update would), `pause` waits for a time or a promotion, and `gate` waits until every new instance
/// has stayed healthy for a time. After the last step the fleet goes to 100 %. A rollback skips the steps.
public struct CanaryStrategy: RolloutStrategy {
    /// The steps, ending with `setWeight 100` (added when the spec leaves it out).
    public let steps: [CanaryStep]
    /// How many instances beyond the wanted count may run while the weight moves.
    public var maxSurge: InstanceAmount
    /// How many of the wanted count may be unavailable while the weight moves.
    public var maxUnavailable: InstanceAmount

    /// The spec `canary` alone: 10 %, 30 s, 50 %, 30 s, 100 %.
    public static let defaultSteps: [CanaryStep] = [.setWeight(10), .pause(seconds: 30), .setWeight(50), .pause(seconds: 30), .setWeight(100)]

    /// A canary with these steps. `maxUnavailable` is 0 by default, so no capacity is lost to moving the weight
    /// (Argo's documentation shows 25 %; a canary is about caution). Weights are kept from 0 to 100 and never
    /// lower than the one before (the spec parser rejects anything else); steps after `setWeight 100` are dropped.
    public init(steps: [CanaryStep] = CanaryStrategy.defaultSteps, maxSurge: InstanceAmount = .percent(25), maxUnavailable: InstanceAmount = .count(0)) {
        var highest = 0
        var resolved = steps.map { step -> CanaryStep in
            guard case .setWeight(let weight) = step else { return step }
            highest = max(highest, min(100, weight))
            return .setWeight(highest)
        }
        if let full = resolved.firstIndex(of: .setWeight(100)) {
            resolved.removeSubrange((full + 1)...)
        } else {
            resolved.append(.setWeight(100))
        }
        self.steps = resolved
        self.maxSurge = maxSurge
        self.maxUnavailable = maxUnavailable
    }

    public var name: String { "canary" }

    /// `canary setWeight 10 → pause 30s → setWeight 50 → pause 30s → setWeight 100 · maxSurge 25% · maxUnavailable 0`.
    public var summary: String {
        "canary " + steps.map(\.description).joined(separator: " → ") + " · maxSurge \(maxSurge) · maxUnavailable \(maxUnavailable)"
    }

    /// The rolling update that moves the weight: Kubernetes' arithmetic, with its fencepost and its rule for
    /// resident apps.
    private var rollingUpdate: KubernetesStrategy {
        KubernetesStrategy(maxSurge: maxSurge, maxUnavailable: maxUnavailable)
    }

    public func makeRestart(for spec: RunSpec, version: String, current: [InstanceSnapshot]) -> any RestartProcess {
        CanaryRestart(steps: steps, update: rollingUpdate.makeRollingUpdate(for: spec, version: version, current: current))
    }

    /// Argo's abort: the stable version goes back to full at once, without the steps.
    public func makeRollback(for spec: RunSpec, version: String, current: [InstanceSnapshot]) -> any RestartProcess {
        rollingUpdate.makeRestart(for: spec, version: version, current: current)
    }
}

/// One run spec's canary in progress: a rolling update whose target moves with the steps, and the steps'
/// timers and promotions around it.
public struct CanaryRestart: RestartProcess, Sendable {
    public let steps: [CanaryStep]
    /// The rolling update that moves the weight.
    private var update: KubernetesRollingUpdate
    /// The step it is on; `steps.count` once every step is done.
    public private(set) var stepIndex = 0
    /// The token of the current step's timer while it runs. Canary tokens are negative, so that the rolling
    /// update's own wakes (positive) pass through.
    private var timerToken: Int?
    private var lastToken = 0
    /// The current step's timer ran out.
    private var timerFired = false
    private var isPaused = false
    private var isStarted = false
    public private(set) var isFinished = false
    public private(set) var initialKills = 0

    init(steps: [CanaryStep], update: KubernetesRollingUpdate) {
        self.steps = steps
        self.update = update
    }

    public var limits: (minHealthy: Int, maxCapacity: Int) { update.limits }

    private var currentStep: CanaryStep? { steps.indices.contains(stepIndex) ? steps[stepIndex] : nil }

    /// Waiting in a pause without a time.
    public var awaitsPromotion: Bool { !isFinished && currentStep == .pause(seconds: nil) }

    /// `>` ends a pause or a gate.
    public var canPromote: Bool {
        guard !isFinished, let step = currentStep else { return false }
        if case .setWeight = step { return false }
        return true
    }

    /// `P` skips to 100 % while a step before the last remains.
    public var canPromoteFully: Bool { !isFinished && stepIndex < steps.count - 1 }

    /// A pause, or a gate whose timer runs.
    public var isHolding: Bool {
        guard !isFinished, let step = currentStep else { return false }
        switch step {
        case .pause: return true
        case .gate: return timerToken != nil
        case .setWeight: return false
        }
    }

    public mutating func start() -> [RolloutAction] {
        isStarted = true
        _ = update.retarget(0)
        let reconciled = Self.withoutFinished(update.start())
        let first = enter(0) + advance()
        // As for Kubernetes: the old instances the first weight kills at once (not those already dead).
        initialKills = update.initialKills + first.reduce(0) { if case .kill = $1 { $0 + 1 } else { $0 } }
        return reconciled + first
    }

    public mutating func handle(_ input: RolloutInput) -> [RolloutAction] {
        guard !isFinished else { return [] }
        var actions: [RolloutAction] = []
        switch input {
        case .woke(let token) where token < 0:
            if token == timerToken {
                timerToken = nil
                timerFired = true
            }
        case .promote:
            if canPromote { actions += enter(stepIndex + 1) }
        case .promoteFully:
            if canPromoteFully { actions += enter(steps.count - 1) }
        default:
            actions += Self.withoutFinished(update.handle(input))
        }
        actions += watchGate()
        return actions + advance()
    }

    public mutating func pause() {
        isPaused = true
        update.pause()
    }

    public mutating func resume() -> [RolloutAction] {
        isPaused = false
        return Self.withoutFinished(update.resume()) + watchGate() + advance()
    }

    /// The rolling update's actions, less its `finished`: the canary finishes when its own steps are done. Static:
    /// an instance method called as `withoutFinished(update.handle(…))` would copy `self` (and so every
    /// dictionary of the update) before the update mutates, making each input cost the whole fleet.
    private static func withoutFinished(_ actions: [RolloutAction]) -> [RolloutAction] {
        actions.filter { $0 != .finished }
    }

    /// Moves to step `index`: reports it, then moves the weight or starts the timer.
    private mutating func enter(_ index: Int) -> [RolloutAction] {
        stepIndex = index
        timerToken = nil
        timerFired = false
        guard let step = currentStep else { return [] }
        switch step {
        case .setWeight(let weight):
            let count = CanaryStep.newInstances(weight: weight, of: update.replicas)
            let report = self.report(waitingFor: "\(count) new healthy, \(update.replicas - count) old left")
            return [.enterStep(report)] + Self.withoutFinished(update.retarget(count))
        case .pause(let seconds?):
            return [.enterStep(report(waitSeconds: seconds, waitingFor: "the timer (> skips it)"))] + startTimer(seconds)
        case .pause(nil):
            return [.enterStep(report(waitingFor: "a promotion (>)")), .awaitPromotion]
        case .gate:
            return [.enterStep(report(waitingFor: "every new instance healthy"))] + watchGate()
        }
    }

    private mutating func startTimer(_ seconds: Double) -> [RolloutAction] {
        lastToken -= 1
        timerToken = lastToken
        return [.wake(after: seconds, token: lastToken)]
    }

    /// During a gate: starts its timer when every new instance is healthy and ready, and starts it over
    /// (reporting why) when one stops being so, even after the timer ran out while the deployment was paused.
    private mutating func watchGate() -> [RolloutAction] {
        guard isStarted, case .gate(let seconds)? = currentStep else { return [] }
        let counts = update.newCounts
        let allHealthy = update.allNewAvailable && counts.alive >= update.newTarget
        if allHealthy && timerToken == nil && !timerFired {
            let report = self.report(waitSeconds: seconds, waitingFor: "all \(counts.alive) new instances to stay healthy")
            return [.enterStep(report)] + startTimer(seconds)
        }
        if !allHealthy && (timerToken != nil || timerFired) {
            timerToken = nil
            timerFired = false
            let waiting = "every new instance healthy (\(counts.available) of \(max(counts.alive, update.newTarget)) are; the gate starts over)"
            return [.enterStep(report(waitingFor: waiting))]
        }
        return []
    }

    /// Leaves every step that is done, unless paused; finishes once past the last and the update is complete.
    private mutating func advance() -> [RolloutAction] {
        guard !isPaused, !isFinished else { return [] }
        var actions: [RolloutAction] = []
        while let step = currentStep, isDone(step) {
            actions += enter(stepIndex + 1)
        }
        if currentStep == nil && update.isFinished {
            isFinished = true
            actions.append(.finished)
        }
        return actions
    }

    private func isDone(_ step: CanaryStep) -> Bool {
        switch step {
        case .setWeight: return update.reachedTarget
        case .pause, .gate: return timerFired
        }
    }

    private func report(waitSeconds: Double? = nil, waitingFor: String) -> StrategyStepReport {
        StrategyStepReport(index: stepIndex, titles: steps.map(\.description), waitSeconds: waitSeconds, waitingFor: waitingFor,
                           promotable: canPromote, fullyPromotable: canPromoteFully)
    }
}
