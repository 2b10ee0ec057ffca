/// Kubernetes' `Recreate`: every old instance is stopped, and once they are all gone the new ones start. The
/// app is down in between; nothing runs beside the old version.
public struct RecreateStrategy: RolloutStrategy {
    public init() {}

    public var name: String { "recreate" }

    public var summary: String { "recreate: stop every old instance, then start the new ones" }

    public func makeRestart(for spec: RunSpec, version: String, current: [InstanceSnapshot]) -> any RestartProcess {
        RecreateRestart(version: version, instances: spec.instances, isResident: spec.isResident, hasHealthChecks: spec.hasHealthChecks,
                        hasReadinessChecks: spec.hasReadinessChecks, current: current)
    }
}

/// One run spec's recreate: kill the old instances, wait for every kill to be confirmed, launch the new ones, done
/// when they are all healthy and ready.
public struct RecreateRestart: RestartProcess, Sendable, Hashable {
    public let version: String
    public let instances: Int
    let isResident: Bool
    private var readiness: ReadinessTracker
    /// Old instances not yet confirmed gone.
    private var oldLeft: Set<InstanceId>
    private var initial: [InstanceSnapshot]
    private var launched = false
    /// New instances meant to run at the start, which the launch does not repeat.
    private let newAlive: Int
    /// Old instances whose kill waits for a resume.
    private var heldKills: [InstanceId] = []
    private var isPaused = false
    public private(set) var isFinished = false
    public private(set) var initialKills = 0

    public init(version: String, instances: Int, isResident: Bool, hasHealthChecks: Bool, hasReadinessChecks: Bool,
                current: [InstanceSnapshot]) {
        self.version = version
        self.instances = instances
        self.isResident = isResident
        readiness = ReadinessTracker(version: version, hasHealthChecks: hasHealthChecks, hasReadinessChecks: hasReadinessChecks)
        // Old instances still meant to run, even one that crashed and waits for its relaunch, are stopped.
        oldLeft = Set(current.filter { $0.version != version && ($0.goal == .running || !$0.condition.isTerminal) }.map(\.id))
        newAlive = current.filter { $0.version == version && $0.goal == .running }.count
        initial = current
    }

    /// Nothing old needs to stay up, and at most the wanted count runs.
    public var limits: (minHealthy: Int, maxCapacity: Int) { (0, instances) }

    private var terminalGoal: InstanceGoal { isResident ? .stopped : .decommissioned }

    public mutating func start() -> [RolloutAction] {
        var actions = readiness.reconcile(initial).map(RolloutAction.startReadinessChecks)
        let old = initial.filter { oldLeft.contains($0.id) }.sorted { ($0.stagedAt, $0.id) < ($1.stagedAt, $1.id) }
        initial = []
        if isPaused {
            heldKills = old.map(\.id)
        } else {
            actions += old.map { .kill($0.id, goal: terminalGoal) }
        }
        initialKills = old.count
        actions.append(.resetLaunchDelay)
        return actions + launchIfClear() + checkFinished()
    }

    public mutating func handle(_ input: RolloutInput) -> [RolloutAction] {
        guard !isFinished else { return [] }
        var actions: [RolloutAction] = []
        if case .instanceChanged(let instance) = input, instance.version != version {
            if instance.condition.isTerminal {
                oldLeft.remove(instance.id)
                if instance.goal == .running { actions.append(.kill(instance.id, goal: terminalGoal)) }
            }
            return actions + launchIfClear() + checkFinished()
        }
        let effect = readiness.observe(input)
        if let id = effect.startReadiness { actions.append(.startReadinessChecks(id)) }
        return actions + checkFinished()
    }

    public mutating func pause() {
        isPaused = true
    }

    public mutating func resume() -> [RolloutAction] {
        isPaused = false
        let kills = heldKills.map { RolloutAction.kill($0, goal: terminalGoal) }
        heldKills = []
        return kills + launchIfClear() + checkFinished()
    }

    /// Launches the new instances (those missing beside the new ones already meant to run) once every old one is
    /// gone, unless paused.
    private mutating func launchIfClear() -> [RolloutAction] {
        guard oldLeft.isEmpty, !launched, !isPaused else { return [] }
        launched = true
        return instances > newAlive ? [.launch(count: instances - newAlive)] : []
    }

    private mutating func checkFinished() -> [RolloutAction] {
        guard !isFinished, launched, oldLeft.isEmpty, readiness.targetCountReached(instances) else { return [] }
        isFinished = true
        return [.finished]
    }
}
