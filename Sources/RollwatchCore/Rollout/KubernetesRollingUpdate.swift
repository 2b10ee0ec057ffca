/// A count of instances, or a share of the desired count: Kubernetes' `IntOrString` for `maxSurge` and
/// `maxUnavailable`.
public enum InstanceAmount: Sendable, Hashable, CustomStringConvertible {
    case count(Int)
    case percent(Int)

    /// The amount for `replicas` instances; a percentage rounds up or down as asked (`GetScaledValueFromIntOrPercent`).
    public func resolved(for replicas: Int, roundUp: Bool) -> Int {
        switch self {
        case .count(let count): return count
        case .percent(let percent):
            let product = replicas * percent
            return roundUp ? (product + 99) / 100 : product / 100
        }
    }

    /// True for `0` and `0%`, which Kubernetes' validation treats alike.
    public var isZero: Bool {
        switch self {
        case .count(let count): return count == 0
        case .percent(let percent): return percent == 0
        }
    }

    public var description: String {
        switch self {
        case .count(let count): return String(count)
        case .percent(let percent): return "\(percent)%"
        }
    }
}

/// Kubernetes' Deployment `RollingUpdate` (reference/rollout-tools.md §5.1): new instances are added while the
/// total stays within `replicas + maxSurge`, old ones removed while the available stay at or above
/// `replicas − maxUnavailable`; an instance is available once healthy and ready for `minReadySeconds`.
public struct KubernetesStrategy: RolloutStrategy {
    /// How many instances beyond the wanted count may run during the update.
    public var maxSurge: InstanceAmount
    /// How many of the wanted count may be unavailable during the update.
    public var maxUnavailable: InstanceAmount
    /// How long a new instance must be healthy and ready before it counts as available.
    public var minReadySeconds: Double

    /// Kubernetes' defaults: 25 % and 25 %, no minimum ready time.
    public init(maxSurge: InstanceAmount = .percent(25), maxUnavailable: InstanceAmount = .percent(25), minReadySeconds: Double = 0) {
        self.maxSurge = maxSurge
        self.maxUnavailable = maxUnavailable
        self.minReadySeconds = minReadySeconds
    }

    public var name: String { "kubernetes" }

    /// `maxSurge 25% · maxUnavailable 25%`, and the minimum ready time when there is one.
    public var summary: String {
        "kubernetes maxSurge \(maxSurge) · maxUnavailable \(maxUnavailable)" + (minReadySeconds > 0 ? " · minReadySeconds \(Int(minReadySeconds))" : "")
    }

    /// The surge and unavailability for `replicas`: surge rounds up, unavailable down, and when both come to 0
    /// unavailable becomes 1 (Kubernetes' `ResolveFenceposts`).
    public func resolved(for replicas: Int) -> (maxSurge: Int, maxUnavailable: Int) {
        let surge = maxSurge.resolved(for: replicas, roundUp: true)
        var unavailable = maxUnavailable.resolved(for: replicas, roundUp: false)
        if surge == 0 && unavailable == 0 { unavailable = 1 }
        return (surge, min(unavailable, replicas))
    }

    public func makeRestart(for spec: RunSpec, version: String, current: [InstanceSnapshot]) -> any RestartProcess {
        var (surge, unavailable) = resolved(for: spec.instances)
        // A resident instance keeps its reservation while stopped: there is no room to surge into (Marathon
        // rejects over-capacity for resident apps), so one is replaced at a time at least.
        if spec.isResident {
            surge = 0
            unavailable = max(1, min(unavailable, spec.instances))
        }
        return KubernetesRollingUpdate(version: version, replicas: spec.instances, maxSurge: surge, maxUnavailable: unavailable,
                                       minReadySeconds: minReadySeconds, isResident: spec.isResident, hasHealthChecks: spec.hasHealthChecks,
                                       hasReadinessChecks: spec.hasReadinessChecks, current: current)
    }
}

/// One run spec's Kubernetes rolling update, reconciled after every input as the Deployment controller does
/// (`reconcileNewReplicaSet`, `reconcileOldReplicaSets`): scale up the new version within the surge, clean up
/// unhealthy old instances, then scale down old ones as far as availability allows. Instances being killed
/// count toward the total until they are gone, so the total never exceeds `replicas + maxSurge`.
public struct KubernetesRollingUpdate: RestartProcess, Sendable, Hashable {
    /// What the process knows of one instance.
    struct Tracked: Sendable, Hashable {
        var snapshot: InstanceSnapshot
        /// The aggregate of its health checks (nil: unknown); instances without checks are healthy when running.
        var healthy: Bool?
        var ready: Bool
        /// Healthy and ready for `minReadySeconds`.
        var available: Bool
        /// The wake that makes it available, while one is pending.
        var availabilityToken: Int?
    }

    public let version: String
    public let replicas: Int
    public let maxSurge: Int
    public let maxUnavailable: Int
    public let minReadySeconds: Double
    let isResident: Bool
    let hasHealthChecks: Bool
    let hasReadinessChecks: Bool
    private var tracked: [InstanceId: Tracked] = [:]
    /// Launches asked for whose instances have not been seen yet.
    private var pendingLaunches = 0
    private var nextToken = 0
    private var tokens: [Int: InstanceId] = [:]
    public private(set) var isFinished = false
    private var isPaused = false
    private var initial: [InstanceSnapshot]
    public private(set) var initialKills = 0

    public init(version: String, replicas: Int, maxSurge: Int, maxUnavailable: Int, minReadySeconds: Double, isResident: Bool,
                hasHealthChecks: Bool, hasReadinessChecks: Bool, current: [InstanceSnapshot]) {
        self.version = version
        self.replicas = replicas
        self.maxSurge = maxSurge
        self.maxUnavailable = maxUnavailable
        self.minReadySeconds = max(0, minReadySeconds)
        self.isResident = isResident
        self.hasHealthChecks = hasHealthChecks
        self.hasReadinessChecks = hasReadinessChecks
        initial = current
    }

    public var limits: (minHealthy: Int, maxCapacity: Int) { (max(0, replicas - maxUnavailable), replicas + maxSurge) }

    public mutating func start() -> [RolloutAction] {
        var actions: [RolloutAction] = [.resetLaunchDelay]
        for instance in initial {
            let isNew = instance.version == version
            // Instances healthy (and, when new, ready) at the start have been up long enough to count as available.
            let healthy = instance.consideredHealthy
            let ready = !isNew || !hasReadinessChecks
            tracked[instance.id] = Tracked(snapshot: instance, healthy: healthy, ready: ready,
                                           available: instance.goal == .running && instance.condition == .running && healthy && ready)
            if isNew, hasReadinessChecks, instance.condition == .running { actions.append(.startReadinessChecks(instance.id)) }
            // An old instance that crashed and waits for its relaunch is stopped for good, as Marathon's restart does.
            if !isNew, instance.goal == .running, instance.condition.isTerminal { actions += kill(instance.id) }
        }
        initial = []
        let reconciled = reconcile()
        initialKills = reconciled.reduce(0) { if case .kill = $1 { $0 + 1 } else { $0 } }
        return actions + reconciled
    }

    public mutating func handle(_ input: RolloutInput) -> [RolloutAction] {
        guard !isFinished else { return [] }
        var actions: [RolloutAction] = []
        let touched: InstanceId?
        switch input {
        case .instanceChanged(let snapshot):
            touched = snapshot.id
            let isNew = snapshot.version == version
            if var known = tracked[snapshot.id] {
                let wasRunning = known.snapshot.condition == .running
                known.snapshot = snapshot
                if snapshot.condition != .running {
                    // A crash or a relaunch: the next incarnation proves its health and readiness again.
                    known.healthy = nil
                    known.ready = !hasReadinessChecks
                    known.available = false
                    known.availabilityToken = nil
                }
                tracked[snapshot.id] = known
                if isNew, hasReadinessChecks, !wasRunning, snapshot.condition == .running { actions.append(.startReadinessChecks(snapshot.id)) }
            } else {
                if isNew && pendingLaunches > 0 { pendingLaunches -= 1 }
                tracked[snapshot.id] = Tracked(snapshot: snapshot, healthy: nil, ready: !hasReadinessChecks, available: false)
            }
            if snapshot.condition.isTerminal && snapshot.goal.isTerminal {
                tracked[snapshot.id] = nil
            } else if snapshot.condition.isTerminal && !isNew && snapshot.goal == .running {
                // An old instance died on its own: it is not restarted.
                let goal = terminalGoal
                tracked[snapshot.id]?.snapshot.goal = goal
                actions.append(.kill(snapshot.id, goal: goal))
            }
        case .healthChanged(let id, _, let healthy):
            touched = id
            tracked[id]?.healthy = healthy
        case .readinessChanged(let id, _, let ready):
            touched = id
            tracked[id]?.ready = ready
        case .woke(let token):
            touched = nil
            if let id = tokens.removeValue(forKey: token), tracked[id]?.availabilityToken == token {
                tracked[id]?.availabilityToken = nil
                if isHealthyAndReady(id) { tracked[id]?.available = true }
            }
        }
        if let touched { actions += updateAvailability(of: touched) }
        return actions + reconcile()
    }

    public mutating func pause() {
        isPaused = true
    }

    public mutating func resume() -> [RolloutAction] {
        isPaused = false
        return reconcile()
    }

    private var terminalGoal: InstanceGoal { isResident ? .stopped : .decommissioned }

    private func isHealthyAndReady(_ id: InstanceId) -> Bool {
        guard let instance = tracked[id], instance.snapshot.condition == .running, instance.snapshot.goal == .running else { return false }
        let healthy = hasHealthChecks ? instance.healthy == true : true
        return healthy && instance.ready
    }

    /// An input's instance: a new one that became healthy and ready starts its minimum ready time (or is
    /// available at once, as an old healthy one is); one that stopped being healthy and ready is not available.
    private mutating func updateAvailability(of id: InstanceId) -> [RolloutAction] {
        guard let instance = tracked[id] else { return [] }
        let good = instance.snapshot.version == version ? isHealthyAndReady(id)
            : instance.snapshot.goal == .running && instance.snapshot.condition == .running && (instance.healthy ?? instance.snapshot.consideredHealthy)
        guard good else {
            tracked[id]?.available = false
            tracked[id]?.availabilityToken = nil
            return []
        }
        guard !instance.available, instance.availabilityToken == nil else { return [] }
        if minReadySeconds == 0 || instance.snapshot.version != version {
            tracked[id]?.available = true
            return []
        }
        nextToken += 1
        tokens[nextToken] = id
        tracked[id]?.availabilityToken = nextToken
        return [.wake(after: minReadySeconds, token: nextToken)]
    }

    /// The Deployment controller's step: scale the new version up within the surge, then the old one down as
    /// far as availability allows, unhealthy old instances first; done when every wanted instance is new and
    /// available and no old one is left.
    private mutating func reconcile() -> [RolloutAction] {
        guard !isFinished else { return [] }
        var actions: [RolloutAction] = []
        let all = tracked.values.sorted { ($0.snapshot.stagedAt, $0.snapshot.id) < ($1.snapshot.stagedAt, $1.snapshot.id) }
        // A new instance whose goal is still running is counted even while it waits for its relaunch after a crash.
        let alive = all.filter { $0.snapshot.goal == .running && ($0.snapshot.version == version || !$0.snapshot.condition.isTerminal) }
        let killing = all.filter { $0.snapshot.goal != .running && !$0.snapshot.condition.isTerminal }
        var newAlive = alive.filter { $0.snapshot.version == version }
        var oldAlive = alive.filter { $0.snapshot.version != version }
        let newCount = newAlive.count + pendingLaunches
        if !isPaused {
            // Scale up: NewRSNewReplicas.
            let total = newCount + oldAlive.count + killing.count
            let scaleUp = min(replicas + maxSurge - total, replicas - newCount)
            if scaleUp > 0 {
                pendingLaunches += scaleUp
                actions.append(.launch(count: scaleUp))
            }
            // New instances beyond the wanted count (a fleet that started with too many): the unavailable go first.
            if newAlive.count > replicas {
                let unavailableFirst = newAlive.filter { !$0.available }.reversed() + newAlive.filter(\.available).reversed()
                let extra = unavailableFirst.prefix(newAlive.count - replicas)
                for instance in extra { actions += kill(instance.snapshot.id) }
                newAlive.removeAll { instance in extra.contains { $0.snapshot.id == instance.snapshot.id } }
            }
            // Scale down: reconcileOldReplicaSets.
            let minAvailable = replicas - maxUnavailable
            let newAvailable = newAlive.filter(\.available).count
            var maxScaledDown = newCount + oldAlive.count - minAvailable - (newCount - newAvailable)
            if maxScaledDown > 0 {
                for instance in oldAlive where !instance.available && maxScaledDown > 0 {
                    actions += kill(instance.snapshot.id)
                    maxScaledDown -= 1
                }
                oldAlive.removeAll { tracked[$0.snapshot.id]?.snapshot.goal != .running }
                var scaleDown = newAvailable + oldAlive.filter(\.available).count - minAvailable
                // The newest old instances go first, as a ReplicaSet's scale-down picks them.
                for instance in oldAlive.reversed() where scaleDown > 0 {
                    actions += kill(instance.snapshot.id)
                    scaleDown -= 1
                }
            }
        }
        let oldLeft = tracked.values.contains { $0.snapshot.version != version && !$0.snapshot.condition.isTerminal }
        let newAvailable = tracked.values.filter { $0.snapshot.version == version && $0.available && $0.snapshot.goal == .running }.count
        if !oldLeft && pendingLaunches == 0 && newAvailable >= replicas && actions.isEmpty {
            isFinished = true
            actions.append(.finished)
        }
        return actions
    }

    /// Kills an instance still meant to run (once: an instance already on its way out is left alone).
    private mutating func kill(_ id: InstanceId) -> [RolloutAction] {
        guard tracked[id]?.snapshot.goal == .running else { return [] }
        let goal = terminalGoal
        tracked[id]?.snapshot.goal = goal
        tracked[id]?.available = false
        return [.kill(id, goal: goal)]
    }
}
