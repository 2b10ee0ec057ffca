/// What a deployment machine is told: Marathon's `InstanceChanged`, `InstanceHealthChanged` and
/// `ReadinessCheckResult`, for instances of the run spec it deploys.
public enum RolloutInput: Sendable, Hashable {
    /// An instance appeared or changed condition or goal.
    case instanceChanged(InstanceSnapshot)
    /// The aggregate of an instance's health checks changed: true, false, or nil (not known yet).
    case healthChanged(InstanceId, version: String, healthy: Bool?)
    /// A readiness check answered.
    case readinessChanged(InstanceId, version: String, ready: Bool)
    /// The wake the machine asked for with `RolloutAction.wake` is due.
    case woke(token: Int)
    /// Someone promoted the deployment (the dashboard's `>`): a strategy waiting for it goes on, a canary leaves
    /// its pause or gate.
    case promote
    /// Someone promoted the deployment fully (the dashboard's `P`): a canary skips its remaining steps.
    case promoteFully
}

/// What a deployment machine asks the scheduler to do. The machine never acts itself.
public enum RolloutAction: Sendable, Hashable {
    /// Queue `count` new instances of the target version (Marathon's `launchQueue.add`).
    case launch(count: Int)
    /// Set the instance's goal; a terminal goal kills it (Marathon's `setGoal(Decommissioned | Stopped)`).
    case kill(InstanceId, goal: InstanceGoal)
    /// Start polling the instance's readiness check.
    case startReadinessChecks(InstanceId)
    /// Forget the launch back-off of the run spec: a new version starts with no delay.
    case resetLaunchDelay
    /// Wake the machine after `after` seconds with `RolloutInput.woke(token)` (for waits such as Kubernetes'
    /// `minReadySeconds`; the machine itself has no clock).
    case wake(after: Double, token: Int)
    /// Announce that the machine waits for a promotion (`RolloutInput.promote`) before it goes on.
    case awaitPromotion
    /// Announce that traffic now goes to the new instances (a blue-green switch).
    case switchTraffic
    /// Announce where a stepped strategy (a canary) stands: the step it is on, and how long that step's timer runs.
    case enterStep(StrategyStepReport)
    /// The deployment action is complete.
    case finished
}

/// Where a stepped strategy stands on one run spec, as its machine reports it.
public struct StrategyStepReport: Sendable, Hashable {
    /// The step it is on, from 0.
    public var index: Int
    /// Every step's title, in order (`setWeight 10`, `pause 30s`, `gate 60s`, …).
    public var titles: [String]
    /// Seconds until the step's timer ends, from now; nil when the step has no timer running.
    public var waitSeconds: Double?
    /// What the step waits for, in a few words (`2 new healthy, 18 old left`, `a promotion (>)`).
    public var waitingFor: String
    /// `RolloutInput.promote` would end the step.
    public var promotable: Bool
    /// `RolloutInput.promoteFully` would skip the steps left.
    public var fullyPromotable: Bool

    public init(index: Int, titles: [String], waitSeconds: Double?, waitingFor: String, promotable: Bool, fullyPromotable: Bool) {
        self.index = index
        self.titles = titles
        self.waitSeconds = waitSeconds
        self.waitingFor = waitingFor
        self.promotable = promotable
        self.fullyPromotable = fullyPromotable
    }
}

/// Marathon's `ReadinessBehavior`: which new instances count as healthy and as ready. It reports the moment an
/// instance becomes both, which is what lets one more old instance go. Both marks of an instance live in one table
/// entry, so an input costs one lookup however many marks it reads and changes.
struct ReadinessTracker: Sendable, Hashable {
    /// What is known of one new instance.
    struct Marks: OptionSet, Sendable, Hashable {
        let rawValue: UInt8
        static let healthy = Marks(rawValue: 1)
        static let ready = Marks(rawValue: 2)
        static let both: Marks = [.healthy, .ready]
    }

    let version: String
    let hasHealthChecks: Bool
    let hasReadinessChecks: Bool
    /// The instances with at least one mark.
    private var marks = InstanceTable<Marks>()
    /// How many instances are healthy, ready, and both.
    private(set) var healthyCount = 0
    private(set) var readyCount = 0
    private(set) var healthyAndReadyCount = 0

    /// A tracker for the instances of `version`, whose run spec has (or has not) health and readiness checks.
    init(version: String, hasHealthChecks: Bool, hasReadinessChecks: Bool) {
        self.version = version
        self.hasHealthChecks = hasHealthChecks
        self.hasReadinessChecks = hasReadinessChecks
    }

    /// Counts instances of the version that were already running when the action started
    /// (`reconcileHealthAndReadinessCheck`). Returns the instances whose readiness checks must start.
    mutating func reconcile(_ instances: [InstanceSnapshot]) -> [InstanceId] {
        var readinessToStart: [InstanceId] = []
        for instance in instances where instance.version == version && !instance.condition.isTerminal {
            var added: Marks = []
            if !hasHealthChecks || instance.consideredHealthy { added.insert(.healthy) }
            if hasReadinessChecks {
                readinessToStart.append(instance.id)
            } else {
                added.insert(.ready)
            }
            mark(instance.id, adding: added)
        }
        return readinessToStart
    }

    /// The effect of one input on a new instance: whether it just became healthy and ready, and whether its
    /// readiness checks must start now.
    mutating func observe(_ input: RolloutInput) -> (becameHealthyAndReady: InstanceId?, startReadiness: InstanceId?) {
        switch input {
        case .instanceChanged(let instance):
            guard instance.version == version else { return (nil, nil) }
            if instance.condition.isTerminal {
                unmark(instance.id)
                return (nil, nil)
            }
            guard instance.condition == .running, !hasHealthChecks || hasReadinessChecks else { return (nil, nil) }
            var added: Marks = []
            if !hasHealthChecks { added.insert(.healthy) }
            if !hasReadinessChecks && !hasHealthChecks { added.insert(.ready) }
            let (before, after) = mark(instance.id, adding: added)
            let startReadiness = hasReadinessChecks && !before.contains(.ready) ? instance.id : nil
            return (!before.contains(.both) && after.contains(.both) ? instance.id : nil, startReadiness)
        case .healthChanged(let instanceId, let instanceVersion, let isHealthy):
            guard instanceVersion == version, hasHealthChecks, isHealthy == true else { return (nil, nil) }
            let (before, after) = mark(instanceId, adding: hasReadinessChecks ? .healthy : .both, unless: .healthy)
            return (!before.contains(.both) && after.contains(.both) ? instanceId : nil, nil)
        case .readinessChanged(let instanceId, let instanceVersion, let isReady):
            guard instanceVersion == version, isReady else { return (nil, nil) }
            let (before, after) = mark(instanceId, adding: .ready)
            return (!before.contains(.both) && after.contains(.both) ? instanceId : nil, nil)
        case .woke, .promote, .promoteFully:
            return (nil, nil)
        }
    }

    /// Adds marks to an instance (none when it already has one of `blocking`) in one lookup, keeping the counts;
    /// returns its marks before and after.
    @discardableResult
    private mutating func mark(_ id: InstanceId, adding added: Marks, unless blocking: Marks = []) -> (before: Marks, after: Marks) {
        guard !added.isEmpty else {
            let known = marks[id] ?? []
            return (known, known)
        }
        var before: Marks = []
        var after: Marks = []
        func update(_ entry: inout Marks) {
            before = entry
            if entry.isDisjoint(with: blocking) { entry.formUnion(added) }
            after = entry
        }
        marks.modify(id, default: [], update)
        count(before, -1)
        count(after, 1)
        return (before, after)
    }

    /// Forgets an instance's marks (it ended).
    private mutating func unmark(_ id: InstanceId) {
        if let removed = marks.removeValue(forKey: id) { count(removed, -1) }
    }

    private mutating func count(_ entry: Marks, _ sign: Int) {
        if entry.contains(.healthy) { healthyCount += sign }
        if entry.contains(.ready) { readyCount += sign }
        if entry.contains(.both) { healthyAndReadyCount += sign }
    }

    /// Marathon's `targetCountReached`: exactly `count` instances healthy and ready.
    func targetCountReached(_ count: Int) -> Bool {
        healthyCount == count && readyCount == count
    }
}
