/// Marathon's `ScaleApplication` (§1.6) for one run spec: kill the sentenced and surplus instances, wait until
/// they are gone, then launch what is missing and wait until the launched instances are healthy and ready.
public struct MarathonScale: Sendable, Hashable {
    public let version: String
    /// The instance count to reach.
    public let instances: Int
    public let killSelection: KillSelection
    public let isResident: Bool
    public private(set) var isFinished = false
    public private(set) var isPaused = false
    /// Instances being killed, whose end is awaited before launching.
    public private(set) var decommissioning: Set<InstanceId> = []
    /// The instances of the run spec, in the order first seen (the kill order's last tie-break), and where each is.
    private var current: [InstanceSnapshot]
    private var positions: [InstanceId: Int]
    private let initialIds: Set<InstanceId>
    private let sentenced: [InstanceId]
    private var readiness: ReadinessTracker
    private var launched = 0
    private var launchedIds: Set<InstanceId> = []
    /// The launched instances that are healthy and ready now, kept as inputs arrive instead of recounted.
    private var healthyAndReadyLaunched: Set<InstanceId> = []
    private var startingPhase = false
    private var deferred: [RolloutAction] = []

    public init(version: String, instances: Int, killSelection: KillSelection, isResident: Bool, hasHealthChecks: Bool,
                hasReadinessChecks: Bool, sentenced: [InstanceId] = [], current: [InstanceSnapshot]) {
        self.version = version
        self.instances = instances
        self.killSelection = killSelection
        self.isResident = isResident
        self.sentenced = sentenced
        self.current = current
        self.positions = Dictionary(current.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        self.initialIds = Set(current.map(\.id))
        self.readiness = ReadinessTracker(version: version, hasHealthChecks: hasHealthChecks, hasReadinessChecks: hasReadinessChecks)
    }

    /// Chooses the instances to kill (`ScalingProposition`) and kills them, or launches at once if none.
    public mutating func start() -> [RolloutAction] {
        let active = current.filter { $0.goal == .running }
        let activeIds = Set(active.map(\.id))
        var chosen = sentenced.filter(activeIds.contains)
        let surplus = active.count - chosen.count - instances
        if surplus > 0 {
            let alreadyChosen = Set(chosen)
            let candidates = active.filter { !alreadyChosen.contains($0.id) }.sorted(by: killOrder)
            chosen += candidates.prefix(surplus).map(\.id)
        }
        decommissioning = Set(chosen)
        let goal: InstanceGoal = isResident ? .stopped : .decommissioned
        let kills = chosen.map { RolloutAction.kill($0, goal: goal) }
        return decommissioning.isEmpty ? kills + startInstances() : kills
    }

    public mutating func handle(_ input: RolloutInput) -> [RolloutAction] {
        guard !isFinished else { return [] }
        if case .instanceChanged(let instance) = input {
            if let index = positions[instance.id] {
                current[index] = instance
            } else {
                positions[instance.id] = current.count
                current.append(instance)
            }
            if instance.condition.isTerminal { healthyAndReadyLaunched.remove(instance.id) }
            if instance.condition.isTerminal && decommissioning.remove(instance.id) != nil && decommissioning.isEmpty && !startingPhase {
                return startInstances()
            }
            if startingPhase, instance.version == version, !initialIds.contains(instance.id) {
                if instance.condition.isTerminal && instance.goal.isTerminal {
                    // Marathon's TaskStartActor queues a replacement for a new instance stopped by someone else.
                    if launchedIds.remove(instance.id) != nil {
                        healthyAndReadyLaunched.remove(instance.id)
                        return queue(.launch(count: 1))
                    }
                } else {
                    launchedIds.insert(instance.id)
                }
            }
        }
        guard startingPhase else { return [] }
        let effect = readiness.observe(input)
        var actions: [RolloutAction] = effect.startReadiness.map { [.startReadinessChecks($0)] } ?? []
        if let id = effect.becameHealthyAndReady {
            if launchedIds.contains(id) { healthyAndReadyLaunched.insert(id) }
            actions += checkFinished()
        }
        return actions
    }

    public mutating func pause() {
        isPaused = true
    }

    public mutating func resume() -> [RolloutAction] {
        isPaused = false
        let actions = deferred
        deferred = []
        return actions
    }

    /// Marathon's `TaskStartActor`: launch `instances - active` and wait for them.
    private mutating func startInstances() -> [RolloutAction] {
        startingPhase = true
        let active = current.filter { $0.goal == .running }.count
        launched = max(0, instances - active)
        var actions: [RolloutAction] = []
        if launched > 0 { actions += queue(.launch(count: launched)) }
        return actions + checkFinished()
    }

    private mutating func queue(_ action: RolloutAction) -> [RolloutAction] {
        guard !isPaused else {
            deferred.append(action)
            return []
        }
        return [action]
    }

    private mutating func checkFinished() -> [RolloutAction] {
        guard !isFinished, startingPhase, healthyAndReadyLaunched.count >= launched else { return [] }
        isFinished = true
        return [.finished]
    }

    /// `ScalingProposition`'s order: unreachable, staging, starting, running, then the rest; ties by `killSelection`.
    private func killOrder(_ lhs: InstanceSnapshot, _ rhs: InstanceSnapshot) -> Bool {
        func weight(_ condition: InstanceCondition) -> Int {
            switch condition {
            case .unreachable: return 1
            case .staging: return 2
            case .starting: return 3
            case .running: return 4
            default: return 5
            }
        }
        if weight(lhs.condition) != weight(rhs.condition) { return weight(lhs.condition) < weight(rhs.condition) }
        if lhs.stagedAt != rhs.stagedAt {
            return killSelection == .youngestFirst ? lhs.stagedAt > rhs.stagedAt : lhs.stagedAt < rhs.stagedAt
        }
        return lhs.id > rhs.id
    }
}

/// Marathon's `StopApplication`: every instance of a removed run spec is decommissioned; done when all are gone.
public struct MarathonStop: Sendable, Hashable {
    public private(set) var remaining: Set<InstanceId>
    public private(set) var isFinished = false

    public init(current: [InstanceSnapshot]) {
        remaining = Set(current.filter { !$0.condition.isTerminal || $0.goal == .running }.map(\.id))
    }

    public mutating func start() -> [RolloutAction] {
        let kills = remaining.sorted().map { RolloutAction.kill($0, goal: .decommissioned) }
        if remaining.isEmpty {
            isFinished = true
            return [.finished]
        }
        return kills
    }

    public mutating func handle(_ input: RolloutInput) -> [RolloutAction] {
        guard !isFinished, case .instanceChanged(let instance) = input, instance.condition.isTerminal,
              remaining.remove(instance.id) != nil, remaining.isEmpty else { return [] }
        isFinished = true
        return [.finished]
    }
}
