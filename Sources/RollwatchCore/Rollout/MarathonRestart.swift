/// Marathon's rolling restart of one run spec (`TaskReplaceActor`, reference/marathon-semantics.md §1.2–§1.5),
/// as a state machine: inputs in, actions out, no clock and no I/O.
///
/// New instances are launched only at the start and when the kill of an old one is confirmed; one old instance
/// is killed for each new instance that becomes healthy and ready; unhealthy old instances go first; the
/// restart completes when exactly N new instances are healthy and ready and no old instance is left.
/// Pausing (a rollwatch addition) holds kills and launches back until `resume()`.
public struct MarathonRestart: Sendable, Hashable {
    /// The version being rolled out.
    public let version: String
    /// The target instance count N.
    public let instances: Int
    /// The numbers Marathon computed at the start.
    public let strategy: RestartStrategy
    /// Resident instances are stopped (keeping their reservations) rather than decommissioned.
    public let isResident: Bool

    /// Old instances whose goal is still running (Marathon's `oldActiveInstanceIds`).
    public private(set) var oldActive: InstanceSet
    /// New instances launched so far, counting those that existed at the start (`instancesStarted`).
    public private(set) var started: Int
    public private(set) var isFinished = false
    public private(set) var isPaused = false
    private var killQueue: [InstanceId]
    private var killQueueHead = 0
    private var readiness: ReadinessTracker
    private var initialInstances: [InstanceSnapshot]
    private var deferredKills = 0
    private var deferredLaunch = false

    /// Prepares the restart from the run spec's instances now (any version, any state).
    public init(version: String, instances: Int, upgradeStrategy: UpgradeStrategy, isResident: Bool,
                hasHealthChecks: Bool, hasReadinessChecks: Bool, current: [InstanceSnapshot]) {
        self.version = version
        self.instances = instances
        self.isResident = isResident
        let healthyCount = current.filter { $0.goal == .running && $0.consideredHealthy }.count
        self.strategy = RestartStrategy(instances: instances, strategy: upgradeStrategy, isResident: isResident,
                                        healthyCount: healthyCount, currentCount: current.count)
        let old = current.filter { $0.version != version }
        let oldActiveInstances = old.filter { $0.goal == .running }
        self.oldActive = InstanceSet(oldActiveInstances.map(\.id))
        // Unhealthy first. Among equals Marathon's comparator leaves the input order reversed (§1.2).
        self.killQueue = oldActiveInstances.filter { !$0.consideredHealthy }.reversed().map(\.id)
            + oldActiveInstances.filter(\.consideredHealthy).reversed().map(\.id)
        self.started = current.count - old.count
        self.readiness = ReadinessTracker(version: version, hasHealthChecks: hasHealthChecks, hasReadinessChecks: hasReadinessChecks)
        self.initialInstances = current
    }

    /// New instances that are healthy and ready now.
    public var healthyAndReady: Int { readiness.healthyAndReadyCount }

    /// Marathon's `initializing`: reconcile new instances, kill the first batch, launch, reset the back-off.
    public mutating func start() -> [RolloutAction] {
        var actions = readiness.reconcile(initialInstances).map(RolloutAction.startReadinessChecks)
        initialInstances = []
        for _ in 0..<strategy.killImmediately { actions += killNext() }
        actions += launch()
        actions.append(.resetLaunchDelay)
        actions += checkFinished()
        return actions
    }

    /// Marathon's `replaceBehavior` and `readinessBehavior` for one input.
    public mutating func handle(_ input: RolloutInput) -> [RolloutAction] {
        guard !isFinished else { return [] }
        var actions: [RolloutAction] = []
        if case .instanceChanged(let instance) = input, instance.version != version {
            if instance.condition.isTerminal && instance.goal == .running {
                // An old instance died on its own: decommission it; the confirmation frees its capacity.
                oldActive.remove(instance.id)
                actions.append(.kill(instance.id, goal: terminalGoal))
            } else if (instance.condition.isTerminal || instance.condition == .scheduled) && instance.goal.isTerminal {
                // Our kill (or a decommission) is confirmed.
                oldActive.remove(instance.id)
                actions += launch()
                actions += checkFinished()
            }
            return actions
        }
        if case .instanceChanged(let instance) = input, instance.condition.isTerminal, instance.goal.isTerminal {
            // A new instance stopped by someone else: it no longer counts as started.
            started -= 1
        }
        let effect = readiness.observe(input)
        if let id = effect.startReadiness { actions.append(.startReadinessChecks(id)) }
        if effect.becameHealthyAndReady != nil {
            actions += killNext()
            actions += checkFinished()
        }
        return actions
    }

    /// Holds back further kills and launches; those already asked for go on.
    public mutating func pause() {
        isPaused = true
    }

    /// Carries out the kills and launches held back while paused.
    public mutating func resume() -> [RolloutAction] {
        guard isPaused else { return [] }
        isPaused = false
        var actions: [RolloutAction] = []
        let kills = deferredKills
        deferredKills = 0
        for _ in 0..<kills { actions += killNext() }
        if deferredLaunch || kills > 0 {
            deferredLaunch = false
            actions += launch()
        }
        return actions + checkFinished()
    }

    private var terminalGoal: InstanceGoal { isResident ? .stopped : .decommissioned }

    /// Marathon's `killNextOldInstance`: the next in the queue, if it is still meant to run. An id whose instance
    /// already died is spent all the same, as in Marathon.
    private mutating func killNext() -> [RolloutAction] {
        guard !isPaused else {
            deferredKills += 1
            return []
        }
        guard killQueueHead < killQueue.count else { return [] }
        let id = killQueue[killQueueHead]
        killQueueHead += 1
        return oldActive.contains(id) ? [.kill(id, goal: terminalGoal)] : []
    }

    /// Marathon's `launchInstances`: as many as capacity allows, up to N.
    private mutating func launch() -> [RolloutAction] {
        guard !isPaused else {
            deferredLaunch = true
            return []
        }
        let leftCapacity = max(0, strategy.maxCapacity - oldActive.count - started)
        let notStartedYet = max(0, instances - started)
        let toStart = min(notStartedYet, leftCapacity)
        guard toStart > 0 else { return [] }
        started += toStart
        return [.launch(count: toStart)]
    }

    private mutating func checkFinished() -> [RolloutAction] {
        guard !isFinished, readiness.targetCountReached(instances), oldActive.isEmpty else { return [] }
        isFinished = true
        return [.finished]
    }
}
