/// What a watcher knows of the fleet and its deployment, folded from the scheduler's events: the state of every
/// instance with its recent history, the counts per run spec, and where the deployment stands. The dashboard's
/// screens render from this alone, never from the scheduler.
public struct FleetSnapshot: Sendable, Hashable {
    /// One change in an instance's life, for the instance detail.
    public struct Change: Sendable, Hashable {
        public var time: Double
        /// `TASK_RUNNING`, `healthy`, `unhealthy`, `health unknown`, `waiting`, `health check failed`…
        public var what: String
        /// Why, in a sentence, when the event said.
        public var reason: String

        public init(time: Double, what: String, reason: String) {
            self.time = time
            self.what = what
            self.reason = reason
        }
    }

    /// One instance as the events describe it.
    public struct Instance: Sendable, Hashable {
        public var ref: InstanceRef
        /// The last task status (`TASK_STAGING` … `TASK_KILLED`); nil when nothing has been said of it yet.
        public var taskStatus: String?
        /// The last aggregate health: nil until a check has answered (or for an instance without checks).
        public var healthy: Bool?
        /// Why it waits for an agent, while it does (from `instance_unplaceable_event`, until its next status).
        public var waitingReason: String?
        /// When the task status last changed.
        public var since: Double
        /// The latest changes, oldest first, at most `FleetSnapshot.historyLimit`.
        public var history: [Change]
        /// The real process behind it, with the local driver.
        public var process: InstanceProcess?
        /// The last health check answer that changed something: when, and the failure's cause (nil: it passed).
        public var lastCheck: CheckAnswer?

        /// A health check's answer as the detail shows it.
        public struct CheckAnswer: Sendable, Hashable {
            public var time: Double
            /// Why it failed; nil when it passed.
            public var failure: String?
        }

        public init(ref: InstanceRef, taskStatus: String?, healthy: Bool?, since: Double, history: [Change] = []) {
            self.ref = ref
            self.taskStatus = taskStatus
            self.healthy = healthy
            self.since = since
            self.history = history
        }

        /// True once the task has ended (killed, failed, finished, lost…); such instances stay until forgotten.
        public var isTerminal: Bool {
            guard let taskStatus else { return false }
            return Self.terminalStatuses.contains(taskStatus)
        }

        /// The task states of the conditions Marathon considers terminal.
        static let terminalStatuses = Set(InstanceCondition.allCases.filter(\.isTerminal).compactMap(\.taskStatus))

        mutating func remember(_ change: Change) {
            history.append(change)
            if history.count > FleetSnapshot.historyLimit { history.removeFirst(history.count - FleetSnapshot.historyLimit) }
        }
    }

    /// Where the deployment stands.
    public enum Phase: Sendable, Hashable {
        /// No deployment has run yet.
        case idle
        case running
        case paused
        case succeeded
        /// Cancelled or failed, with Marathon's reason.
        case failed(reason: String)
    }

    /// How many changes an instance keeps.
    public static let historyLimit = 32

    /// The instances by id; `order` gives them in the order they first appeared.
    public private(set) var instances: [InstanceId: Instance] = [:]
    /// Instance ids in the order they first appeared (adopted, then launched), for a grid that does not jump.
    public private(set) var order: [InstanceId] = []
    /// The last counts of each run spec being deployed.
    public private(set) var progress: [PathId: RolloutProgress] = [:]
    public private(set) var phase: Phase = .idle
    /// The current deployment's plan, its id and the step under way (1-based; 0 before the first).
    public private(set) var plan: DeploymentPlan?
    public private(set) var planId: String?
    public private(set) var step = 0
    /// The time of the last event folded in.
    public private(set) var time: Double = 0
    /// Run specs of the deployment under way whose strategy waits to be promoted.
    public private(set) var awaitingPromotion: Set<PathId> = []
    /// Where each run spec's stepped strategy (a canary) stands in the deployment under way.
    public private(set) var strategySteps: [PathId: StrategyStepStatus] = [:]

    public init() {}

    /// Adds or replaces an instance known before any event (the fleet running when the watcher starts).
    public mutating func record(_ instance: Instance) {
        if instances.updateValue(instance, forKey: instance.ref.instanceId) == nil { order.append(instance.ref.instanceId) }
    }

    /// Sets the deployment under way when the watcher starts (what the events of its start would have said).
    public mutating func recordDeployment(planId: String, plan: DeploymentPlan, step: Int, paused: Bool,
                                          progress: [RolloutProgress], at time: Double) {
        self.planId = planId
        self.plan = plan
        self.step = step
        phase = paused ? .paused : .running
        self.progress = Dictionary(progress.map { ($0.appId, $0) }, uniquingKeysWith: { _, last in last })
        self.time = max(self.time, time)
    }

    /// Folds in one event.
    public mutating func apply(_ event: RolloutEvent) {
        time = max(time, event.time)
        switch event.kind {
        case .deploymentInfo(let planId, let plan, let step):
            let isNewDeployment = self.planId != planId
            self.planId = planId
            self.plan = plan
            self.step = step
            // A new step's run specs start their own strategies' steps.
            strategySteps = [:]
            if isNewDeployment {
                progress = [:]
                phase = .running
                awaitingPromotion = []
            }
        case .deploymentStepSuccess(let planId, _, _):
            if planId == self.planId { strategySteps = [:] }
        case .deploymentSuccess(let planId, _):
            if planId == self.planId {
                phase = .succeeded
                awaitingPromotion = []
                strategySteps = [:]
            }
        case .deploymentFailed(let planId, _, let reason):
            if planId == self.planId {
                phase = .failed(reason: reason)
                awaitingPromotion = []
                strategySteps = [:]
            }
        case .deploymentPaused(let planId):
            if planId == self.planId { phase = .paused }
        case .deploymentResumed(let planId):
            if planId == self.planId { phase = .running }
        case .statusUpdate(let ref, let taskStatus, let message):
            update(ref, at: event.time) { instance in
                if instance.taskStatus != taskStatus { instance.since = event.time }
                instance.taskStatus = taskStatus
                instance.waitingReason = nil
                if taskStatus == "TASK_STAGING" { instance.healthy = nil }
                instance.remember(Change(time: event.time, what: taskStatus, reason: message))
            }
        case .instanceUnplaceable(let ref, let reason):
            update(ref, at: event.time) { instance in
                instance.waitingReason = reason
                instance.remember(Change(time: event.time, what: "waiting", reason: reason))
            }
        case .instanceHealthChanged(let ref, let healthy):
            update(ref, at: event.time) { instance in
                if healthy == true { instance.lastCheck = Instance.CheckAnswer(time: event.time, failure: nil) }
                instance.healthy = healthy
                let what = healthy.map { $0 ? "healthy" : "unhealthy" } ?? "health unknown"
                instance.remember(Change(time: event.time, what: what, reason: ""))
            }
        case .failedHealthCheck(let ref, let cause):
            update(ref, at: event.time) { instance in
                instance.lastCheck = Instance.CheckAnswer(time: event.time, failure: cause)
                instance.remember(Change(time: event.time, what: "health check failed", reason: cause))
            }
        case .instanceProcess(let ref, let process):
            update(ref, at: event.time) { $0.process = process }
        case .unhealthyInstanceKill(let ref, let reason):
            update(ref, at: event.time) { $0.remember(Change(time: event.time, what: "killed as unhealthy", reason: reason)) }
        case .rolloutProgress(let counts):
            progress[counts.appId] = counts
        case .awaitingPromotion(let planId, let appId):
            if planId == self.planId { awaitingPromotion.insert(appId) }
        case .trafficSwitched(_, let appId):
            awaitingPromotion.remove(appId)
        case .strategyStep(let planId, let appId, let status):
            guard planId == self.planId else { break }
            // A canary's pause without a time announces its wait with `awaitingPromotion` after this event.
            awaitingPromotion.remove(appId)
            strategySteps[appId] = status
        }
    }

    /// Drops instances that ended more than `age` seconds before `now` (by default the last event), so the grid
    /// shows what runs.
    public mutating func forgetTerminal(olderThan age: Double, now: Double? = nil) {
        let now = max(now ?? time, time)
        let gone = order.filter { id in
            guard let instance = instances[id] else { return true }
            return instance.isTerminal && now - instance.since > age
        }
        guard !gone.isEmpty else { return }
        let goneSet = Set(gone)
        for id in gone { instances[id] = nil }
        order.removeAll { goneSet.contains($0) }
    }

    /// The instances in order of first appearance.
    public var orderedInstances: [Instance] { order.compactMap { instances[$0] } }

    private mutating func update(_ ref: InstanceRef, at time: Double, _ change: (inout Instance) -> Void) {
        var instance = instances[ref.instanceId] ?? Instance(ref: ref, taskStatus: nil, healthy: nil, since: time)
        if instances[ref.instanceId] == nil { order.append(ref.instanceId) }
        if !ref.host.isEmpty { instance.ref.host = ref.host }
        change(&instance)
        instances[ref.instanceId] = instance
    }
}
