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
/// instance becomes both, which is what lets one more old instance go.
struct ReadinessTracker: Sendable, Hashable {
    let version: String
    let hasHealthChecks: Bool
    let hasReadinessChecks: Bool
    private(set) var healthy: Set<InstanceId> = []
    private(set) var ready: Set<InstanceId> = []

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
            if !hasHealthChecks || instance.consideredHealthy { healthy.insert(instance.id) }
            if hasReadinessChecks {
                readinessToStart.append(instance.id)
            } else {
                ready.insert(instance.id)
            }
        }
        return readinessToStart
    }

    /// The effect of one input on a new instance: whether it just became healthy and ready, and whether its
    /// readiness checks must start now.
    mutating func observe(_ input: RolloutInput) -> (becameHealthyAndReady: InstanceId?, startReadiness: InstanceId?) {
        let before: Bool
        let id: InstanceId
        var startReadiness: InstanceId?
        switch input {
        case .instanceChanged(let instance):
            guard instance.version == version else { return (nil, nil) }
            id = instance.id
            before = isHealthyAndReady(id)
            if instance.condition.isTerminal {
                healthy.remove(id)
                ready.remove(id)
                return (nil, nil)
            }
            guard instance.condition == .running else { return (nil, nil) }
            if !hasHealthChecks { healthy.insert(id) }
            if hasReadinessChecks {
                if !ready.contains(id) { startReadiness = id }
            } else if !hasHealthChecks {
                ready.insert(id)
            }
        case .healthChanged(let instanceId, let instanceVersion, let isHealthy):
            guard instanceVersion == version, hasHealthChecks, isHealthy == true, !healthy.contains(instanceId) else { return (nil, nil) }
            id = instanceId
            before = isHealthyAndReady(id)
            healthy.insert(id)
            if !hasReadinessChecks { ready.insert(id) }
        case .readinessChanged(let instanceId, let instanceVersion, let isReady):
            guard instanceVersion == version, isReady else { return (nil, nil) }
            id = instanceId
            before = isHealthyAndReady(id)
            ready.insert(id)
        case .woke, .promote, .promoteFully:
            return (nil, nil)
        }
        return (!before && isHealthyAndReady(id) ? id : nil, startReadiness)
    }

    func isHealthyAndReady(_ id: InstanceId) -> Bool {
        healthy.contains(id) && ready.contains(id)
    }

    /// Marathon's `targetCountReached`: exactly `count` instances healthy and ready.
    func targetCountReached(_ count: Int) -> Bool {
        healthy.count == count && ready.count == count
    }
}
