/// Who an instance event is about: Marathon's instance fields.
public struct InstanceRef: Sendable, Hashable {
    public var appId: PathId
    public var instanceId: InstanceId
    public var version: String
    /// The agent's hostname; empty until the instance is placed.
    public var host: String

    public init(appId: PathId, instanceId: InstanceId, version: String, host: String) {
        self.appId = appId
        self.instanceId = instanceId
        self.version = version
        self.host = host
    }
}

/// The counts a watcher needs after every change, for one run spec being deployed (`rollout_progress`).
public struct RolloutProgress: Sendable, Hashable {
    /// Alive and healthy instances of one side (old or new).
    public struct Counts: Sendable, Hashable {
        /// Launched and not yet confirmed terminal (a killing instance is alive).
        public var alive: Int
        /// Alive, not being killed, and healthy (or running, for a run spec without health checks).
        public var healthy: Int

        public init(alive: Int, healthy: Int) {
            self.alive = alive
            self.healthy = healthy
        }
    }

    public var appId: PathId
    public var target: Int
    public var minHealthy: Int
    public var maxCapacity: Int
    public var old: Counts
    public var new: Counts
    public var paused: Bool

    public init(appId: PathId, target: Int, minHealthy: Int, maxCapacity: Int, old: Counts, new: Counts, paused: Bool) {
        self.appId = appId
        self.target = target
        self.minHealthy = minHealthy
        self.maxCapacity = maxCapacity
        self.old = old
        self.new = new
        self.paused = paused
    }
}

/// The real process behind an instance (the local driver): what a person needs to look at it.
public struct InstanceProcess: Sendable, Hashable {
    public var pid: Int32
    public var ports: [Int]
    /// The instance's working folder, with its `stdout` and `stderr`.
    public var sandbox: String

    public init(pid: Int32, ports: [Int], sandbox: String) {
        self.pid = pid
        self.ports = ports
        self.sandbox = sandbox
    }
}

/// Where a stepped strategy (a canary) stands on one run spec (`deployment_strategy_step`).
public struct StrategyStepStatus: Sendable, Hashable {
    /// The step it is on, from 0.
    public var index: Int
    /// Every step's title, in order (`setWeight 10`, `pause 30s`, `gate 60s`, …).
    public var titles: [String]
    /// When the step's timer ends (seconds since the run began); nil when no timer runs.
    public var until: Double?
    /// What the step waits for, in a few words.
    public var waitingFor: String
    /// A promotion (`>`) would end the step.
    public var promotable: Bool
    /// A full promotion (`P`) would skip the steps left.
    public var fullyPromotable: Bool

    public init(index: Int, titles: [String], until: Double?, waitingFor: String, promotable: Bool = false, fullyPromotable: Bool = false) {
        self.index = index
        self.titles = titles
        self.until = until
        self.waitingFor = waitingFor
        self.promotable = promotable
        self.fullyPromotable = fullyPromotable
    }

    /// The current step's title (`setWeight 10`), or empty past the last.
    public var title: String { titles.indices.contains(index) ? titles[index] : "" }
}

/// One event of the scheduler, in Marathon's event-bus vocabulary (ARCHITECTURE.md §3, §5.2): what the journal
/// records, the dashboard folds and `rollwatch run` prints.
public struct RolloutEvent: Sendable, Hashable {
    /// What happened.
    public enum Kind: Sendable, Hashable {
        /// A deployment step starts (`deployment_info`); `step` is 1-based.
        case deploymentInfo(planId: String, plan: DeploymentPlan, step: Int)
        /// A step finished (`deployment_step_success`).
        case deploymentStepSuccess(planId: String, plan: DeploymentPlan, step: Int)
        /// The whole deployment finished (`deployment_success`).
        case deploymentSuccess(planId: String, plan: DeploymentPlan)
        /// The deployment was cancelled, overridden or failed (`deployment_failed`).
        case deploymentFailed(planId: String, plan: DeploymentPlan, reason: String)
        /// New kills and launches are held back (`deployment_paused`, rollwatch's own).
        case deploymentPaused(planId: String)
        /// Kills and launches go on again (`deployment_resumed`, rollwatch's own).
        case deploymentResumed(planId: String)
        /// A task changed state (`status_update_event`); `message` says why, in a sentence.
        case statusUpdate(InstanceRef, taskStatus: String, message: String)
        /// An instance is waiting for an agent with room for it (`instance_unplaceable_event`, rollwatch's own).
        case instanceUnplaceable(InstanceRef, reason: String)
        /// The aggregate health of an instance changed (`instance_health_changed_event`).
        case instanceHealthChanged(InstanceRef, healthy: Bool?)
        /// A health check failure was counted (`failed_health_check_event`).
        case failedHealthCheck(InstanceRef, cause: String)
        /// An instance is killed for failing its health checks (`unhealthy_instance_kill_event`).
        case unhealthyInstanceKill(InstanceRef, reason: String)
        /// Counts after a change (`rollout_progress`).
        case rolloutProgress(RolloutProgress)
        /// A run spec's strategy waits to be promoted (`deployment_awaiting_promotion`, rollwatch's own).
        case awaitingPromotion(planId: String, appId: PathId)
        /// Traffic goes to a run spec's new instances now (`deployment_traffic_switched`, rollwatch's own).
        case trafficSwitched(planId: String, appId: PathId)
        /// A run spec's stepped strategy entered a step, or its step's timer started or started over
        /// (`deployment_strategy_step`, rollwatch's own).
        case strategyStep(planId: String, appId: PathId, StrategyStepStatus)
        /// A real process runs an instance now (`instance_process_event`, rollwatch's own; the local driver).
        case instanceProcess(InstanceRef, InstanceProcess)
    }

    /// Seconds since the run began.
    public var time: Double
    public var kind: Kind

    public init(time: Double, kind: Kind) {
        self.time = time
        self.kind = kind
    }

    /// Marathon's `eventType` (or rollwatch's own name for events Marathon does not have).
    public var eventType: String {
        switch kind {
        case .deploymentInfo: return "deployment_info"
        case .deploymentStepSuccess: return "deployment_step_success"
        case .deploymentSuccess: return "deployment_success"
        case .deploymentFailed: return "deployment_failed"
        case .deploymentPaused: return "deployment_paused"
        case .deploymentResumed: return "deployment_resumed"
        case .statusUpdate: return "status_update_event"
        case .instanceUnplaceable: return "instance_unplaceable_event"
        case .instanceHealthChanged: return "instance_health_changed_event"
        case .failedHealthCheck: return "failed_health_check_event"
        case .unhealthyInstanceKill: return "unhealthy_instance_kill_event"
        case .rolloutProgress: return "rollout_progress"
        case .awaitingPromotion: return "deployment_awaiting_promotion"
        case .trafficSwitched: return "deployment_traffic_switched"
        case .strategyStep: return "deployment_strategy_step"
        case .instanceProcess: return "instance_process_event"
        }
    }
}
