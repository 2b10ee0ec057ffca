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
        makeRollingUpdate(for: spec, version: version, current: current)
    }

    /// The rolling update for one run spec, its surge and unavailability resolved for its instance count.
    func makeRollingUpdate(for spec: RunSpec, version: String, current: [InstanceSnapshot]) -> KubernetesRollingUpdate {
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
/// count toward the total until they are gone, so the total never exceeds `replicas + maxSurge`. The counts are
/// kept as instances change, so an input costs the same however large the fleet.
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

    /// The counts the controller's arithmetic needs, kept up to date instance by instance.
    struct Counts: Sendable, Hashable {
        /// New instances meant to run (a crashed one waiting for its relaunch included).
        var newAlive = 0
        var newAvailable = 0
        /// Old instances meant to run and not ended.
        var oldAlive = 0
        var oldAvailable = 0
        /// Instances on their way out (goal no longer running, not yet ended).
        var killing = 0
        /// Old instances not yet ended, whatever their goal: the update is done when none is left.
        var oldLeft = 0
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
    private var counts = Counts()
    /// Old instances meant to run but not available: the cleanup's candidates.
    private var oldUnavailable: Set<InstanceId> = []
    /// The old instances at the start, oldest first, and how far from the end the scale-down has gone (the newest
    /// go first, as a ReplicaSet's scale-down picks them).
    private var oldOrder: [InstanceId] = []
    private var oldPosition: [InstanceId: Int] = [:]
    private var oldCursor = 0
    /// Launches asked for whose instances have not been seen yet.
    private var pendingLaunches = 0
    private var nextToken = 0
    private var tokens: [Int: InstanceId] = [:]
    public private(set) var isFinished = false
    private var isPaused = false
    private var initial: [InstanceSnapshot]
    public private(set) var initialKills = 0
    /// How many new instances are wanted for now: `replicas`, or fewer while a canary holds a weight. The old
    /// version is scaled down only to `replicas − newTarget`.
    public private(set) var newTarget: Int
    private var isStarted = false

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
        newTarget = replicas
        initial = current
    }

    /// Wants `count` new instances (at most `replicas`) and as many fewer old ones; the actions that follow.
    /// A canary moves the target step by step; before `start()` it only sets where the update begins.
    public mutating func retarget(_ count: Int) -> [RolloutAction] {
        newTarget = max(0, min(replicas, count))
        return isStarted ? reconcile() : []
    }

    /// True once the target is met: `newTarget` new instances available, no launch outstanding, and no more old
    /// instances meant to run than `replicas − newTarget`.
    public var reachedTarget: Bool {
        pendingLaunches == 0 && counts.newAvailable >= newTarget && counts.oldAlive <= replicas - newTarget
    }

    /// True when every new instance meant to run is available (healthy and ready) and none is still to come.
    public var allNewAvailable: Bool {
        pendingLaunches == 0 && counts.newAlive == counts.newAvailable
    }

    /// New instances meant to run, and how many of them are available.
    public var newCounts: (alive: Int, available: Int) { (counts.newAlive, counts.newAvailable) }

    public var limits: (minHealthy: Int, maxCapacity: Int) { (max(0, replicas - maxUnavailable), replicas + maxSurge) }

    public mutating func start() -> [RolloutAction] {
        isStarted = true
        var actions: [RolloutAction] = [.resetLaunchDelay]
        let ordered = initial.sorted { ($0.stagedAt, $0.id) < ($1.stagedAt, $1.id) }
        initial = []
        for instance in ordered {
            let isNew = instance.version == version
            // Instances healthy (and, when new, ready) at the start have been up long enough to count as available.
            let healthy = instance.consideredHealthy
            let ready = !isNew || !hasReadinessChecks
            set(instance.id, Tracked(snapshot: instance, healthy: healthy, ready: ready,
                                     available: instance.goal == .running && instance.condition == .running && healthy && ready))
            if !isNew {
                oldPosition[instance.id] = oldOrder.count
                oldOrder.append(instance.id)
            }
            if isNew, hasReadinessChecks, instance.condition == .running { actions.append(.startReadinessChecks(instance.id)) }
            // An old instance that crashed and waits for its relaunch is stopped for good, as Marathon's restart does.
            if !isNew, instance.goal == .running, instance.condition.isTerminal { actions += kill(instance.id) }
        }
        oldCursor = oldOrder.count
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
                set(snapshot.id, known)
                if isNew, hasReadinessChecks, !wasRunning, snapshot.condition == .running { actions.append(.startReadinessChecks(snapshot.id)) }
            } else {
                if isNew && pendingLaunches > 0 { pendingLaunches -= 1 }
                set(snapshot.id, Tracked(snapshot: snapshot, healthy: nil, ready: !hasReadinessChecks, available: false))
            }
            if snapshot.condition.isTerminal && snapshot.goal.isTerminal {
                set(snapshot.id, nil)
            } else if snapshot.condition.isTerminal && !isNew && snapshot.goal == .running {
                // An old instance died on its own: it is not restarted.
                actions += kill(snapshot.id)
            }
        case .healthChanged(let id, _, let healthy):
            touched = id
            update(id) { $0.healthy = healthy }
        case .readinessChanged(let id, _, let ready):
            touched = id
            update(id) { $0.ready = ready }
        case .promote, .promoteFully:
            touched = nil
        case .woke(let token):
            touched = nil
            if let id = tokens.removeValue(forKey: token), tracked[id]?.availabilityToken == token {
                let good = isHealthyAndReady(id)
                update(id) {
                    $0.availabilityToken = nil
                    if good { $0.available = true }
                }
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
            update(id) {
                $0.available = false
                $0.availabilityToken = nil
            }
            return []
        }
        guard !instance.available, instance.availabilityToken == nil else { return [] }
        if minReadySeconds == 0 || instance.snapshot.version != version {
            update(id) { $0.available = true }
            return []
        }
        nextToken += 1
        tokens[nextToken] = id
        let token = nextToken
        update(id) { $0.availabilityToken = token }
        return [.wake(after: minReadySeconds, token: token)]
    }

    /// The Deployment controller's step: scale the new version up within the surge, then the old one down as
    /// far as availability allows, unhealthy old instances first; done when every wanted instance is new and
    /// available and no old one is left.
    private mutating func reconcile() -> [RolloutAction] {
        guard !isFinished else { return [] }
        var actions: [RolloutAction] = []
        if !isPaused {
            // Scale up: NewRSNewReplicas.
            let newCount = counts.newAlive + pendingLaunches
            let total = newCount + counts.oldAlive + counts.killing
            // A canary holding its weight replaces an old instance that died with a new one, so that the fleet
            // keeps `replicas` instances (the old version is never scaled back up).
            let wantedNew = max(newTarget, replicas - counts.oldAlive)
            let scaleUp = min(replicas + maxSurge - total, wantedNew - newCount)
            if scaleUp > 0 {
                pendingLaunches += scaleUp
                actions.append(.launch(count: scaleUp))
            }
            // New instances beyond the wanted count (a fleet that started with too many; rare): the unavailable
            // and the newest go first.
            if counts.newAlive > replicas { actions += killExtraNew() }
            // Scale down: reconcileOldReplicaSets.
            let minAvailable = replicas - maxUnavailable
            let newTotal = counts.newAlive + pendingLaunches
            var maxScaledDown = newTotal + counts.oldAlive - minAvailable - (newTotal - counts.newAvailable)
            // The old version keeps `replicas − newTarget` instances while a canary holds its weight.
            var oldAboveTarget = counts.oldAlive - (replicas - newTarget)
            if maxScaledDown > 0 && oldAboveTarget > 0 {
                let position = oldPosition
                for id in oldUnavailable.sorted(by: { (position[$0] ?? 0, $0) < (position[$1] ?? 0, $1) })
                where maxScaledDown > 0 && oldAboveTarget > 0 {
                    actions += kill(id)
                    maxScaledDown -= 1
                    oldAboveTarget -= 1
                }
                var scaleDown = counts.newAvailable + counts.oldAvailable - minAvailable
                var index = oldCursor
                while scaleDown > 0 && oldAboveTarget > 0 && index > 0 {
                    index -= 1
                    let id = oldOrder[index]
                    guard let instance = tracked[id], instance.snapshot.goal == .running, !instance.snapshot.condition.isTerminal else {
                        // Gone or on its way out: the scale-down never needs to look at it again.
                        if index == oldCursor - 1 { oldCursor = index }
                        continue
                    }
                    guard instance.available else { continue }
                    actions += kill(id)
                    scaleDown -= 1
                    oldAboveTarget -= 1
                    if index == oldCursor - 1 { oldCursor = index }
                }
            }
        }
        if counts.oldLeft == 0 && pendingLaunches == 0 && counts.newAvailable >= replicas && actions.isEmpty {
            isFinished = true
            actions.append(.finished)
        }
        return actions
    }

    /// Kills the new instances beyond the wanted count: the unavailable first, the newest first.
    private mutating func killExtraNew() -> [RolloutAction] {
        let alive = tracked.values.filter { $0.snapshot.version == version && $0.snapshot.goal == .running }
            .sorted { ($0.available ? 1 : 0, -$0.snapshot.stagedAt, $0.snapshot.id) < ($1.available ? 1 : 0, -$1.snapshot.stagedAt, $1.snapshot.id) }
        var actions: [RolloutAction] = []
        for instance in alive.prefix(counts.newAlive - replicas) { actions += kill(instance.snapshot.id) }
        return actions
    }

    /// Kills an instance still meant to run (once: an instance already on its way out is left alone).
    private mutating func kill(_ id: InstanceId) -> [RolloutAction] {
        guard tracked[id]?.snapshot.goal == .running else { return [] }
        let goal = terminalGoal
        update(id) {
            $0.snapshot.goal = goal
            $0.available = false
            $0.availabilityToken = nil
        }
        return [.kill(id, goal: goal)]
    }

    // MARK: Counts

    /// Changes an instance's record, keeping the counts in step.
    private mutating func update(_ id: InstanceId, _ body: (inout Tracked) -> Void) {
        guard var instance = tracked[id] else { return }
        body(&instance)
        set(id, instance)
    }

    /// Replaces (or, with nil, forgets) an instance's record, taking the old one out of the counts and the new one in.
    private mutating func set(_ id: InstanceId, _ instance: Tracked?) {
        if let before = tracked[id] { count(before, sign: -1) }
        tracked[id] = instance
        if let instance { count(instance, sign: 1) }
    }

    private mutating func count(_ instance: Tracked, sign: Int) {
        let snapshot = instance.snapshot
        let ended = snapshot.condition.isTerminal
        let meantToRun = snapshot.goal == .running
        if snapshot.version == version {
            if meantToRun {
                counts.newAlive += sign
                if instance.available { counts.newAvailable += sign }
            }
        } else {
            if !ended { counts.oldLeft += sign }
            if meantToRun && !ended {
                counts.oldAlive += sign
                if instance.available {
                    counts.oldAvailable += sign
                } else if sign > 0 {
                    oldUnavailable.insert(snapshot.id)
                } else {
                    oldUnavailable.remove(snapshot.id)
                }
            }
        }
        if !meantToRun && !ended { counts.killing += sign }
    }
}
