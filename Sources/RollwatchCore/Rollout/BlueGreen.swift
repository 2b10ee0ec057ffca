/// Argo Rollouts' blue-green: a full set of new instances starts beside the old one; when every new instance is
/// healthy and ready, traffic switches to it (at once, or when promoted); the old set stops after
/// `scaleDownDelaySeconds`.
public struct BlueGreenStrategy: RolloutStrategy {
    /// How long the old set keeps running after the switch (Argo's default: 30 s).
    public var scaleDownDelaySeconds: Double
    /// Switch as soon as the new set is ready; when false, wait to be promoted (the dashboard's `>`).
    public var autoPromotionEnabled: Bool

    public init(scaleDownDelaySeconds: Double = 30, autoPromotionEnabled: Bool = true) {
        self.scaleDownDelaySeconds = scaleDownDelaySeconds
        self.autoPromotionEnabled = autoPromotionEnabled
    }

    public var name: String { "blue-green" }

    public var summary: String {
        "blue-green · old set stops \(Int(scaleDownDelaySeconds)) s after the switch" + (autoPromotionEnabled ? "" : " · switch on promotion")
    }

    public func makeRestart(for spec: RunSpec, version: String, current: [InstanceSnapshot]) -> any RestartProcess {
        BlueGreenRestart(version: version, instances: spec.instances, scaleDownDelaySeconds: scaleDownDelaySeconds,
                         autoPromotionEnabled: autoPromotionEnabled, isResident: spec.isResident, hasHealthChecks: spec.hasHealthChecks,
                         hasReadinessChecks: spec.hasReadinessChecks, current: current)
    }
}

/// One run spec's blue-green deployment: launch the new set, wait until it is all healthy and ready, switch
/// (or wait for a promotion), wait the scale-down delay, stop the old set, done when it is gone.
public struct BlueGreenRestart: RestartProcess, Sendable, Hashable {
    /// Where the deployment stands.
    enum Stage: Sendable, Hashable {
        case startingNewSet, awaitingPromotion, switched, stoppingOldSet
    }

    public let version: String
    public let instances: Int
    public let scaleDownDelaySeconds: Double
    public let autoPromotionEnabled: Bool
    let isResident: Bool
    private var readiness: ReadinessTracker
    private var stage = Stage.startingNewSet
    /// Old instances meant to run, in the order they started; and those not yet gone.
    private var oldActive: [InstanceId]
    private var oldLeft: Set<InstanceId>
    /// Old instances that died on their own, left out when the old set is stopped: a set beside the list, so
    /// that a crashing old set costs one step per crash rather than a search of the list.
    private var oldDied: Set<InstanceId> = []
    /// New instances meant to run at the start, which the launch does not repeat.
    private let newAtStart: Int
    private var initial: [InstanceSnapshot]
    private var launched = false
    private var isPaused = false
    /// The scale-down's wake, once asked for.
    private static let scaleDownToken = 1
    public private(set) var isFinished = false
    public let initialKills = 0

    public init(version: String, instances: Int, scaleDownDelaySeconds: Double, autoPromotionEnabled: Bool, isResident: Bool,
                hasHealthChecks: Bool, hasReadinessChecks: Bool, current: [InstanceSnapshot]) {
        self.version = version
        self.instances = instances
        self.scaleDownDelaySeconds = max(0, scaleDownDelaySeconds)
        self.autoPromotionEnabled = autoPromotionEnabled
        self.isResident = isResident
        readiness = ReadinessTracker(version: version, hasHealthChecks: hasHealthChecks, hasReadinessChecks: hasReadinessChecks)
        let old = current.filter { $0.version != version && ($0.goal == .running || !$0.condition.isTerminal) }
            .sorted { ($0.stagedAt, $0.id) < ($1.stagedAt, $1.id) }
        oldActive = old.filter { $0.goal == .running }.map(\.id)
        oldLeft = Set(old.map(\.id))
        newAtStart = current.filter { $0.version == version && $0.goal == .running }.count
        initial = current
    }

    /// The old set keeps serving until the switch, and both sets run side by side.
    public var limits: (minHealthy: Int, maxCapacity: Int) { (instances, 2 * instances) }

    /// True while it waits for `RolloutInput.promote`.
    public var awaitsPromotion: Bool { stage == .awaitingPromotion }

    /// A full promotion is the same switch.
    public var canPromoteFully: Bool { stage == .awaitingPromotion }

    /// Waiting for a promotion, or for the scale-down delay after the switch.
    public var isHolding: Bool { stage == .awaitingPromotion || stage == .switched }

    private var terminalGoal: InstanceGoal { isResident ? .stopped : .decommissioned }

    public mutating func start() -> [RolloutAction] {
        var actions = readiness.reconcile(initial).map(RolloutAction.startReadinessChecks)
        initial = []
        actions.append(.resetLaunchDelay)
        return actions + launchNewSet() + advance()
    }

    public mutating func handle(_ input: RolloutInput) -> [RolloutAction] {
        guard !isFinished else { return [] }
        var actions: [RolloutAction] = []
        switch input {
        case .instanceChanged(let instance) where instance.version != version:
            if instance.condition.isTerminal {
                if instance.goal.isTerminal { oldLeft.remove(instance.id) }
                if instance.goal == .running {
                    // An old instance that died is not restarted: the new set replaces it.
                    oldDied.insert(instance.id)
                    actions.append(.kill(instance.id, goal: terminalGoal))
                }
            }
        case .promote, .promoteFully:
            if stage == .awaitingPromotion { actions += switchTraffic() }
        case .woke(Self.scaleDownToken):
            if stage == .switched { stage = .stoppingOldSet }
        default:
            if let id = readiness.observe(input).startReadiness { actions.append(.startReadinessChecks(id)) }
        }
        return actions + advance()
    }

    public mutating func pause() {
        isPaused = true
    }

    public mutating func resume() -> [RolloutAction] {
        isPaused = false
        return launchNewSet() + advance()
    }

    /// Launches the new set (beside the new instances already meant to run), once, unless paused.
    private mutating func launchNewSet() -> [RolloutAction] {
        guard !launched, !isPaused else { return [] }
        launched = true
        return instances > newAtStart ? [.launch(count: instances - newAtStart)] : []
    }

    /// Switches traffic to the new set and starts the scale-down delay.
    private mutating func switchTraffic() -> [RolloutAction] {
        stage = .switched
        if scaleDownDelaySeconds == 0 {
            stage = .stoppingOldSet
            return [.switchTraffic]
        }
        return [.switchTraffic, .wake(after: scaleDownDelaySeconds, token: Self.scaleDownToken)]
    }

    /// Moves on as far as the state allows: switch (or ask for promotion) once the new set is ready, stop the old
    /// set once the delay is over, finish once it is gone.
    private mutating func advance() -> [RolloutAction] {
        guard !isFinished, !isPaused else { return [] }
        var actions: [RolloutAction] = []
        if stage == .startingNewSet, launched, readiness.targetCountReached(instances) {
            if autoPromotionEnabled {
                actions += switchTraffic()
            } else {
                stage = .awaitingPromotion
                actions.append(.awaitPromotion)
            }
        }
        if stage == .stoppingOldSet {
            actions += oldActive.filter { !oldDied.contains($0) }.map { .kill($0, goal: terminalGoal) }
            oldActive = []
            oldDied = []
            if oldLeft.isEmpty {
                isFinished = true
                actions.append(.finished)
            }
        }
        return actions
    }
}
