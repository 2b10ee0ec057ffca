import CPrefetch
import RollwatchCore

/// The scheduler's logic, synchronous and deterministic: it owns the fleet's instances and the deployment in
/// progress, feeds the rollout machines, carries out their actions through an `InstanceDriver`, and records the
/// events. Time is a number it is given, so the same core runs on a virtual clock (as fast as the machine goes,
/// or paced by the `Scheduler` actor) and on wall time for real drivers.
public final class SchedulerCore: DriverSink {
    /// How a deployment ended, for exit codes and screens.
    public enum Outcome: Sendable, Hashable {
        case succeeded
        /// Cancelled without rolling back (abort with stop, or overridden by another deployment).
        case cancelled(reason: String)
        /// Cancelled and rolled back; `completed` once the rollback deployment itself has succeeded.
        case rolledBack(completed: Bool)
    }

    /// What `deploy` found to do.
    public enum DeployResult: Sendable, Hashable {
        case started(planId: String)
        /// The target equals what runs: there is no deployment.
        case nothingToDo
    }

    /// One instance as the scheduler tracks it. A class: it changes on every event about the instance, and a
    /// reference changes in place where a value would be copied field by field.
    ///
    /// The fields most events read come first, in the 88 bytes after the object's header: with 100,000 instances a
    /// record is seldom in the cache when an event about it arrives, and each further cache line costs a miss.
    public final class InstanceRecord {
        public internal(set) var condition: InstanceCondition
        public internal(set) var goal: InstanceGoal = .running
        public internal(set) var healthy: Bool?
        /// Killed by its health checks: the relaunch counts as a failure for the back-off.
        var killedForHealth = false
        public internal(set) var incarnation = 1
        /// Its place in the scheduler's slots, which drivers hand back with their reports; -1 once forgotten.
        var slot = -1
        /// The version it was launched with.
        let definition: SpecVersion
        /// Its run spec's counts and machine.
        let state: SpecState
        public let id: InstanceId
        public internal(set) var stagedAt: Double
        public internal(set) var host = ""
        public internal(set) var runningSince: Double?
        public internal(set) var health: HealthTracker?
        public internal(set) var agent: String?
        /// Reported as waiting for an agent since its last launch.
        public internal(set) var unplaceableReason: String?
        /// The counter that ends its id (`web.000f` is 15), its place in its run spec's `InstanceList`.
        let number: Int
        /// Its run spec and version, read from its definition rather than kept twice: a smaller record is one
        /// cache line less to fetch per event once the fleet outgrows the caches.
        public var specId: PathId { definition.specId }
        public var version: String { definition.version }

        init(id: InstanceId, number: Int, definition: SpecVersion, state: SpecState, condition: InstanceCondition, stagedAt: Double) {
            self.id = id
            self.number = number
            self.definition = definition
            self.state = state
            self.condition = condition
            self.stagedAt = stagedAt
        }
    }

    /// The deployment in progress. A class: the scheduler changes it on every event, and a reference keeps those
    /// changes from copying the plan and its definitions.
    public final class Deployment {
        public let id: String
        public let plan: DeploymentPlan
        /// The definitions before it started, for a roll back.
        public let original: GroupDefinition
        /// 0-based index of the running step.
        public internal(set) var stepIndex: Int
        public internal(set) var paused: Bool
        /// True for the forced deployment that rolls another one back.
        public let isRollback: Bool
        /// The run specs of the running step, in the step's order; each holds its machine.
        var stepStates: [SpecState] = []
        let versions: [PathId: String]
        /// When it last made progress (a new instance healthy, an old one gone, a step started), for the deadline.
        var lastProgressAt: Double = 0
        /// Every unfinished machine of the running step waits on purpose: the deadline does not run.
        var deadlineHeld = false
        /// A progress check is queued.
        var progressCheckQueued = false

        init(id: String, plan: DeploymentPlan, original: GroupDefinition, isRollback: Bool, versions: [PathId: String]) {
            self.id = id
            self.plan = plan
            self.original = original
            self.stepIndex = 0
            self.paused = false
            self.isRollback = isRollback
            self.versions = versions
        }
    }

    public let strategy: any RolloutStrategy
    /// Seconds without progress after which a deployment fails (Kubernetes' `progressDeadlineSeconds`); nil for
    /// never, as in Marathon. Not counted while paused.
    public var progressDeadline: Double?
    /// Roll a deployment that missed its progress deadline back, as Marathon's rollback does.
    public var rollBackOnDeadline = false
    /// Why the last deployment asked for failed (its progress deadline), even when it was then rolled back.
    public private(set) var failure: String?
    public private(set) var now: Double = 0
    /// What runs now, or is being deployed: the target of the deployment in progress.
    public private(set) var root: GroupDefinition
    public private(set) var deployment: Deployment?
    /// How the last deployment ended; nil before the first one ends.
    public private(set) var outcome: Outcome?
    /// Every instance tracked, by id: made on each call, for inspection. The scheduler finds its records by the
    /// slot a driver hands back, or by number within their run spec.
    public var instances: [InstanceId: InstanceRecord] {
        var all: [InstanceId: InstanceRecord] = [:]
        for state in states.values {
            for record in state.instances.records { all[record.id] = record }
        }
        return all
    }
    /// The records by slot, the number drivers hand back with their reports (nil: a free slot), and the free ones.
    private var slots: [InstanceRecord?] = []
    private var freeSlots: [Int] = []
    /// The version each run spec runs or is being deployed to.
    public private(set) var versions: [PathId: String]

    private let driver: InstanceDriver
    private var timers = EventQueue<Timer>()
    private var events: [RolloutEvent] = []
    private var definitionsByVersion: [PathId: [String: SpecVersion]] = [:]
    /// Consecutive launch failures per run spec version (Marathon's rate limiter is keyed by version), which set
    /// the back-off of its next launches; reset when a deployment restarts the run spec.
    private var launchFailures: [PathId: [String: Int]] = [:]
    private var nextInstanceNumber: [PathId: Int] = [:]
    private var deploymentCount = 0
    private var pendingInputs: [PendingInput] = []
    private var states: [PathId: SpecState] = [:]
    /// Run specs changed since progress was last emitted.
    private var touched: [SpecState] = []
    private var rollbackInProgress = false
    /// Counts the machines made, so that a wake an earlier machine asked for (even of a run spec forgotten and
    /// added again) never reaches a later one.
    private var machineGenerations = 0

    /// Something due at a time on the scheduler's clock (a driver's own timers wait as numbers: its tokens).
    private enum Timer {
        /// A driver's report about one launch of an instance, with the slot the launch was made with.
        case report(InstanceId, slot: Int, incarnation: Int, DriverReport)
        /// A terminal instance whose goal is still running comes back.
        case relaunch(InstanceId, slot: Int, incarnation: Int)
        /// A new instance whose version is backing off is handed to the driver.
        case deferredLaunch(InstanceId, slot: Int, incarnation: Int)
        /// A wake a run spec's machine asked for; `generation` tells its machine from a later one.
        case machineWake(PathId, token: Int, generation: Int)
        /// Time to see whether the deployment has made progress within its deadline.
        case progressCheck(deploymentId: String)
    }

    /// A scheduler for the definitions in `root`, each at the version given in `versions`, acting through `driver`.
    public init(root: GroupDefinition, versions: [PathId: String], driver: InstanceDriver, strategy: any RolloutStrategy) {
        self.root = root
        self.versions = versions
        self.driver = driver
        self.strategy = strategy
        for spec in root.transitiveRunSpecs {
            let version = versions[spec.id] ?? ""
            definitionsByVersion[spec.id, default: [:]][version] = SpecVersion(spec: spec, version: version)
            let state = state(for: spec.id)
            state.targetInstances = spec.instances
            state.version = version
        }
        driver.attach(self)
    }

    /// A run spec's list holds its records and each record its run spec's state: the lists are emptied here, or
    /// the records still tracked would keep each other alive after the scheduler is gone.
    deinit {
        for state in states.values { state.instances = InstanceList() }
    }

    // MARK: Fleet set-up

    /// Adds instances that already run when the scheduler starts (a steady fleet or a scenario's), without events.
    /// `definition` is the run spec they were launched from, at `version`. Returns how many found room.
    @discardableResult
    public func adopt(count: Int, of definition: RunSpec, version: String, condition: InstanceCondition,
                      healthy: Bool?) -> Int {
        let versioned = SpecVersion(spec: definition, version: version)
        definitionsByVersion[definition.id, default: [:]][version] = versioned
        var adopted = 0
        for _ in 0..<count {
            let (id, number) = makeInstanceId(for: definition.id)
            let slot = reserveSlot()
            let request = LaunchRequest(instanceId: id, incarnation: 1, definition: versioned, slot: slot)
            guard let placement = driver.adopt(request, condition: condition, healthy: healthy, now: now) else {
                freeSlots.append(slot)
                continue
            }
            let timings = versioned.healthTimings
            let record = InstanceRecord(id: id, number: number, definition: versioned, state: state(for: definition.id), condition: condition,
                                        stagedAt: now)
            record.slot = slot
            record.agent = placement.agent
            record.host = placement.host
            if condition == .running {
                record.runningSince = now
                if !timings.isEmpty {
                    var tracker = HealthTracker(checks: timings, runningSince: now - Self.steadyAge)
                    if healthy != nil {
                        for index in timings.indices {
                            _ = tracker.record(healthy == true ? .healthy : .unhealthy(cause: "unhealthy at start"), check: index, at: now)
                        }
                    }
                    record.health = tracker
                    record.healthy = tracker.healthy
                    driver.startHealthChecks(id, slot: slot, tracker: tracker, now: now)
                }
            }
            insert(record)
            adopted += 1
        }
        return adopted
    }

    /// How long adopted instances are taken to have run: past any grace period, so their failures count at once.
    static let steadyAge: Double = 86_400

    // MARK: Commands

    /// Deploys `target`: plans the change from what runs, cancels a deployment in progress (Marathon's forced
    /// deployment), and starts the first step. `newVersions` names the versions of changed run specs; a run spec
    /// whose definition equals one it ran before gets that version back (a roll back). With `restartAll` every run
    /// spec is restarted even if unchanged.
    @discardableResult
    public func deploy(_ target: GroupDefinition, newVersions: [PathId: String] = [:], restartAll: Bool = false) -> DeployResult {
        let plan = DeploymentPlan(from: root, to: target, restartAll: restartAll)
        guard !plan.steps.isEmpty else { return .nothingToDo }
        if let running = deployment {
            finishDeployment(running, event: .deploymentFailed(planId: running.id, plan: running.plan, reason: "The upgrade has been cancelled"),
                             outcome: .cancelled(reason: "The upgrade has been cancelled"))
        }
        let original = root
        var deploymentVersions: [PathId: String] = [:]
        let stamp = uniqueVersionStamp()
        for action in plan.steps.flatMap(\.actions) {
            let spec = action.runSpec
            switch action {
            case .restart, .start:
                deploymentVersions[spec.id] = newVersions[spec.id] ?? knownVersion(of: spec, unless: restartAll) ?? stamp
            case .scale:
                deploymentVersions[spec.id] = versions[spec.id] ?? newVersions[spec.id] ?? stamp
            case .stop:
                deploymentVersions[spec.id] = versions[spec.id] ?? stamp
            }
        }
        let targetSpecs = Dictionary(target.transitiveRunSpecs.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for (id, version) in deploymentVersions.sorted(by: { $0.key < $1.key }) {
            versions[id] = version
            if let spec = targetSpecs[id], definitionsByVersion[id]?[version]?.spec != spec {
                definitionsByVersion[id, default: [:]][version] = SpecVersion(spec: spec, version: version)
            }
            recount(id)
            state(for: id).lastProgress = nil
            state(for: id).progressMark = nil
            state(for: id).strategyStepIndex = nil
        }
        root = target
        for (id, spec) in targetSpecs { state(for: id).targetInstances = spec.instances }
        deploymentCount += 1
        let planId = hex4(deploymentCount) + "-" + String(Int(now * 1000))
        deployment = Deployment(id: "deployment-\(planId)", plan: plan, original: original, isRollback: rollbackInProgress,
                                versions: deploymentVersions)
        if !rollbackInProgress { failure = nil }
        rollbackInProgress = false
        outcome = nil
        if let progressDeadline, let running = deployment {
            running.progressCheckQueued = true
            timers.push(.progressCheck(deploymentId: running.id), at: now + progressDeadline)
        }
        startStep(0)
        drain()
        return .started(planId: deployment?.id ?? "deployment-\(planId)")
    }

    /// Holds back new kills and launches; those already asked for finish.
    public func pause() {
        guard let running = deployment, !running.paused else { return }
        running.paused = true
        for state in running.stepStates { state.pauseMachine() }
        emit(.deploymentPaused(planId: running.id))
        running.stepStates.forEach(touch)
        emitProgress()
    }

    /// Releases what `pause()` held back.
    public func resume() {
        guard let running = deployment, running.paused else { return }
        running.paused = false
        // The deadline is not counted while paused: it starts again from the resume.
        running.lastProgressAt = now
        var released: [(SpecState, [RolloutAction])] = []
        for state in running.stepStates {
            released.append((state, state.resumeMachine()))
        }
        emit(.deploymentResumed(planId: running.id))
        for (state, actions) in released { perform(actions, for: state.id) }
        running.stepStates.forEach(touch)
        drain()
        checkStepFinished()
    }

    /// Promotes the deployment in progress: a strategy that waits for it (blue-green without auto-promotion)
    /// goes on, a canary leaves its pause or gate; `fully`, a canary skips its remaining steps. When some run
    /// specs wait for nothing but a promotion, only they are promoted: another's gate or timed pause is not cut short.
    public func promote(fully: Bool = false) {
        guard let running = deployment else { return }
        let machines = running.stepStates.filter { $0.hasMachine && !$0.isMachineFinished }
        let waiting = machines.filter(\.isAwaitingPromotion)
        for state in waiting.isEmpty ? machines : waiting { feed(state, fully ? .promoteFully : .promote) }
        drain()
    }

    /// What a promotion would do now for some run spec of the running step: move it on, or skip its remaining steps.
    public var promotions: (step: Bool, fully: Bool) {
        guard let running = deployment else { return (false, false) }
        var result = (step: false, fully: false)
        for state in running.stepStates {
            let promotions = state.machinePromotions
            result.step = result.step || promotions.step
            result.fully = result.fully || promotions.fully
        }
        return result
    }

    /// The run specs of the running step whose strategy waits to be promoted.
    public var awaitingPromotion: [PathId] {
        deployment?.stepStates.filter(\.isAwaitingPromotion).map(\.id) ?? []
    }

    /// Cancels the deployment in progress. With `rollBack`, deploys the definitions from before it (Marathon's
    /// `DELETE /v2/deployments/{id}`); without, leaves the fleet as it is (`?force=true`).
    public func abort(rollBack: Bool) {
        guard let running = deployment else { return }
        let reason = "The upgrade has been cancelled"
        finishDeployment(running, event: .deploymentFailed(planId: running.id, plan: running.plan, reason: reason),
                         outcome: rollBack ? .rolledBack(completed: false) : .cancelled(reason: reason))
        guard rollBack else { return }
        rollbackInProgress = true
        if case .nothingToDo = deploy(running.original) {
            rollbackInProgress = false
            outcome = .rolledBack(completed: true)
        }
    }

    // MARK: Time

    /// The time of the next thing that will happen, if anything will.
    public var nextEventTime: Double? { timers.nextTime }

    /// Processes everything due up to `time`, then sets the clock to `time` (when it is later than now).
    public func advance(to time: Double) {
        while let (due, timer) = timers.pop(dueBy: time) {
            now = max(now, due)
            switch timer {
            case .item(let timer): handle(timer)
            case .number(let token):
                prepareUpcomingWakes()
                driver.wake(token: token, now: now)
            }
            drain()
        }
        if time.isFinite { now = max(now, time) }
    }

    /// The events recorded since the last call, oldest first.
    public func takeEvents() -> [RolloutEvent] {
        // Handed over whole: emptying a buffer the caller now shares while keeping its capacity would allocate
        // a new one of the largest size ever reached, on every call.
        let taken = events
        events = []
        return taken
    }

    // MARK: DriverSink

    /// Takes in what the driver has seen happen on its own (real processes, real probes) and carries it out as of
    /// `time` (the clock's reading now; the core's clock moves there).
    public func pollDriver(at time: Double) {
        advance(to: max(now, time))
        driver.poll(now: now)
        advance(to: now)
    }

    /// Stops every instance the driver runs (the local driver's processes), before the program ends.
    public func shutDownDriver() {
        driver.shutdown()
    }

    public func report(_ report: DriverReport, instance: InstanceId, incarnation: Int, slot: Int, at time: Double) {
        timers.push(.report(instance, slot: slot, incarnation: incarnation, report), at: max(time, now))
    }

    /// Software pipelining of the driver's wakes, which at 100,000 instances mostly find their state outside the
    /// caches: while one wake is handled, the driver starts fetching the launch of the wake after next, and the
    /// scheduler the record of the next one (whose launch was fetched the step before). Hints only: nothing is
    /// decided on them.
    private func prepareUpcomingWakes() {
        if let afterNext = timers.upcomingNumber(offset: 1) { driver.prefetch(token: afterNext) }
        if let next = timers.upcomingNumber(offset: 0), let slot = driver.slot(ofUpcoming: next) { prefetchRecord(slot: slot) }
    }

    /// Starts fetching the record in `slot` into the cache without waiting for it. The record's address is read
    /// as a number, so that it is not retained (which would wait for its line).
    private func prefetchRecord(slot: Int) {
        guard slot >= 0, slot < slots.count else { return }
        let address = slots.withUnsafeBytes { $0.load(fromByteOffset: slot * MemoryLayout<InstanceRecord?>.stride, as: UInt.self) }
        if let pointer = UnsafeRawPointer(bitPattern: address) { rollwatch_prefetch(pointer) }
    }

    public func wake(token: Int, at time: Double) {
        timers.push(number: token, at: max(time, now))
    }

    // MARK: Counting

    /// The counts for one run spec: old and new instances relative to the version being deployed to.
    public func progress(of specId: PathId) -> RolloutProgress {
        guard let state = states[specId] else {
            return RolloutProgress(appId: specId, target: 0, minHealthy: 0, maxCapacity: 0, old: .init(alive: 0, healthy: 0),
                                   new: .init(alive: 0, healthy: 0), paused: deployment?.paused ?? false)
        }
        return progress(of: state)
    }

    private func progress(of state: SpecState) -> RolloutProgress {
        let limits = state.limits ?? (state.targetInstances, state.targetInstances)
        return RolloutProgress(appId: state.id, target: state.targetInstances, minHealthy: limits.minHealthy,
                               maxCapacity: limits.maxCapacity, old: state.old, new: state.new, paused: deployment?.paused ?? false)
    }

    /// Instances waiting for an agent that can take them, by id, each with the reason it was given.
    public var unplaceableInstances: [(record: InstanceRecord, reason: String)] {
        states.values.flatMap(\.instances.records).compactMap { record in
            guard record.condition == .scheduled, let reason = record.unplaceableReason else { return nil }
            return (record, reason)
        }.sorted { $0.record.id < $1.record.id }
    }

    /// The numbers of a restart in the running step: minimum healthy, maximum capacity, and old instances killed
    /// at once; nil when the run spec is not being restarted.
    public func restartLimits(of specId: PathId) -> (minHealthy: Int, maxCapacity: Int, killImmediately: Int)? {
        guard let state = states[specId], let limits = state.limits, let kills = state.machineInitialKills else { return nil }
        return (limits.minHealthy, limits.maxCapacity, kills)
    }

    // MARK: Steps

    private func startStep(_ index: Int) {
        guard let running = deployment else { return }
        running.stepIndex = index
        running.lastProgressAt = now
        clearMachines(running)
        emit(.deploymentInfo(planId: running.id, plan: running.plan, step: index + 1))
        let step = running.plan.steps[index]
        var started: [(PathId, [RolloutAction])] = []
        for action in step.actions {
            let id = action.runSpec.id
            let state = state(for: id)
            var machine = RolloutMachine(action: action, version: running.versions[id] ?? "", strategy: strategy,
                                         current: snapshots(of: id), isRollback: running.isRollback)
            // A step that starts while the deployment is paused starts paused.
            if running.paused { machine.pause() }
            let actions = machine.start()
            machineGenerations += 1
            state.setMachine(machine, generation: machineGenerations)
            state.limits = machine.limits
            running.stepStates.append(state)
            started.append((id, actions))
            touch(state)
        }
        for (id, actions) in started {
            perform(actions, for: id, atStart: true)
        }
        checkStepFinished()
        updateDeadlineHold()
    }

    private func checkStepFinished() {
        guard let running = deployment, running.stepStates.allSatisfy({ $0.isMachineFinished }) else { return }
        emitProgress()
        emit(.deploymentStepSuccess(planId: running.id, plan: running.plan, step: running.stepIndex + 1))
        for action in running.plan.steps[running.stepIndex].actions {
            if case .stop(let spec) = action { forget(spec.id) }
        }
        if running.stepIndex + 1 < running.plan.steps.count {
            startStep(running.stepIndex + 1)
        } else {
            let wasRollback = running.isRollback
            finishDeployment(running, event: .deploymentSuccess(planId: running.id, plan: running.plan),
                             outcome: wasRollback ? .rolledBack(completed: true) : .succeeded)
        }
    }

    /// Fails the deployment when it has made no progress for its deadline (and rolls it back when asked),
    /// else looks again when the deadline would next run out. While the deadline is held, no check is queued:
    /// the end of the hold queues one (so a deployment that waits for a promotion leaves nothing to happen).
    private func checkProgress(_ deploymentId: String) {
        guard let running = deployment, running.id == deploymentId, let deadline = progressDeadline else { return }
        running.progressCheckQueued = false
        guard !running.deadlineHeld else { return }
        let due = running.lastProgressAt + deadline
        guard !running.paused, now >= due - 1e-9 else {
            running.progressCheckQueued = true
            timers.push(.progressCheck(deploymentId: deploymentId), at: running.paused ? now + deadline : due)
            return
        }
        let seconds = EventEncoder.fixed(deadline, digits: 0)
        let reason = "no progress for \(seconds) s (progress deadline): " + running.stepStates.map { state in
            "\(state.id) has \(state.new.healthy) of \(state.targetInstances) new instances healthy"
        }.joined(separator: "; ")
        failure = reason
        finishDeployment(running, event: .deploymentFailed(planId: running.id, plan: running.plan, reason: reason),
                         outcome: .cancelled(reason: reason))
        guard rollBackOnDeadline else { return }
        rollbackInProgress = true
        if case .nothingToDo = deploy(running.original) {
            rollbackInProgress = false
            outcome = .rolledBack(completed: true)
        }
    }

    private func finishDeployment(_ finished: Deployment, event: RolloutEvent.Kind, outcome: Outcome) {
        finished.stepStates.forEach(touch)
        emitProgress()
        emit(event)
        clearMachines(finished)
        deployment = nil
        self.outcome = outcome
    }

    /// Takes the machines of a deployment's step away from their run specs.
    private func clearMachines(_ deployment: Deployment) {
        for state in deployment.stepStates {
            state.setMachine(nil)
            state.limits = nil
        }
        deployment.stepStates = []
    }

    /// Drops a removed run spec's records once its stop is done.
    private func forget(_ specId: PathId) {
        for record in states[specId]?.instances.records ?? [] {
            remove(record)
        }
        states[specId] = nil
        versions[specId] = nil
    }

    // MARK: Actions

    private func perform(_ actions: [RolloutAction], for specId: PathId, atStart: Bool = false) {
        for action in actions {
            switch action {
            case .launch(let count):
                for _ in 0..<count { launchNew(specId) }
            case .kill(let id, let goal):
                guard let record = record(id, of: specId) else { continue }
                kill(record, goal: goal, reason: killReason(specId, atStart: atStart))
            case .startReadinessChecks(let id):
                guard let record = record(id, of: specId), case .app(let app) = record.definition.spec,
                      let check = app.readinessChecks.first else { continue }
                driver.startReadinessChecks(id, slot: record.slot, check: check, now: now)
            case .resetLaunchDelay:
                launchFailures[specId] = [:]
            case .awaitPromotion:
                if let running = deployment { emit(.awaitingPromotion(planId: running.id, appId: specId)) }
            case .switchTraffic:
                if let running = deployment { emit(.trafficSwitched(planId: running.id, appId: specId)) }
            case .enterStep(let report):
                guard let running = deployment, let state = states[specId] else { continue }
                // A strategy step that starts is progress, for the deadline (its timer starting over is not).
                if state.strategyStepIndex != report.index { running.lastProgressAt = now }
                state.strategyStepIndex = report.index
                let status = StrategyStepStatus(index: report.index, titles: report.titles, until: report.waitSeconds.map { now + max(0, $0) },
                                                waitingFor: report.waitingFor, promotable: report.promotable,
                                                fullyPromotable: report.fullyPromotable)
                emit(.strategyStep(planId: running.id, appId: specId, status))
            case .wake(let after, let token):
                guard let state = states[specId] else { continue }
                timers.push(.machineWake(specId, token: token, generation: state.machineGeneration), at: now + max(0, after))
            case .finished:
                break
            }
        }
    }

    /// A sentence saying why the deployment kills an old instance now.
    private func killReason(_ specId: PathId, atStart: Bool) -> String {
        // Read through the state, never bound to a local: a copy of the machine costs a copy of all it holds.
        guard let state = states[specId], let action = state.machineAction else { return "killed by the deployment" }
        switch action {
        case .restart:
            let counts = progress(of: state)
            let healthy = counts.old.healthy + counts.new.healthy
            let minimum = state.limits?.minHealthy ?? 0
            return atStart ? "killed at the start of the upgrade: \(healthy) healthy, \(minimum) required"
                           : "replaced by a healthy new instance: \(healthy) healthy, \(minimum) required"
        case .scale(_, let instances, _): return "killed to scale to \(instances) instances"
        case .stop: return "stopped: the definition no longer has this app"
        case .start: return "killed by the deployment"
        }
    }

    private func launchNew(_ specId: PathId) {
        guard let version = versions[specId], let definition = definitionsByVersion[specId]?[version] else { return }
        let (id, number) = makeInstanceId(for: specId)
        let record = InstanceRecord(id: id, number: number, definition: definition, state: state(for: specId), condition: .scheduled,
                                    stagedAt: now)
        insert(record)
        emit(.statusUpdate(ref(record), taskStatus: "TASK_STAGING", message: "launched: a new instance of version \(version)"))
        touch(state(for: specId))
        let delay = launchDelay(definition)
        if delay > 0 {
            // The version has failed before: its launches wait out the back-off, as Marathon's launch queue does.
            timers.push(.deferredLaunch(id, slot: record.slot, incarnation: 1), at: now + delay)
        } else {
            driver.launch(LaunchRequest(instanceId: id, incarnation: 1, definition: definition, slot: record.slot), now: now)
        }
        feed(state(for: specId), .instanceChanged(snapshot(record)))
    }

    private func kill(_ record: InstanceRecord, goal: InstanceGoal, reason: String) {
        let id = record.id
        touch(record.state)
        if record.condition.isTerminal {
            change(record) { $0.goal = goal }
            // Already gone: the driver only forgets it (and a decommissioned resident instance's reservation).
            driver.kill(id, slot: record.slot, keepReservation: goal != .decommissioned, now: now)
            feed(record.state, .instanceChanged(snapshot(record)))
            expungeIfDone(record)
            return
        }
        if record.condition == .killing {
            change(record) { $0.goal = goal }
            feed(record.state, .instanceChanged(snapshot(record)))
            return
        }
        if record.condition == .scheduled {
            emit(.statusUpdate(ref(record), taskStatus: "TASK_KILLING", message: reason))
            change(record) {
                $0.goal = goal
                $0.condition = .killed
            }
            driver.kill(id, slot: record.slot, keepReservation: false, now: now)
            emit(.statusUpdate(ref(record), taskStatus: "TASK_KILLED", message: "killed before it was placed"))
            feed(record.state, .instanceChanged(snapshot(record)))
            expungeIfDone(record)
            return
        }
        change(record) {
            $0.goal = goal
            $0.condition = .killing
        }
        emit(.statusUpdate(ref(record), taskStatus: "TASK_KILLING", message: reason))
        // Only a decommissioned instance gives its reservation up: a stopped resident instance keeps it, and one
        // killed by its health checks (goal still running) comes back in place.
        driver.kill(id, slot: record.slot, keepReservation: goal != .decommissioned, now: now)
        feed(record.state, .instanceChanged(snapshot(record)))
    }

    // MARK: Timers

    private func handle(_ timer: Timer) {
        switch timer {
        case .relaunch(let id, let slot, let incarnation):
            guard let record = record(id, slot: slot) else { return }
            relaunch(record, incarnation: incarnation)
        case .deferredLaunch(let id, let slot, let incarnation):
            guard let record = record(id, slot: slot), record.incarnation == incarnation, record.condition == .scheduled,
                  record.goal == .running else { return }
            driver.launch(LaunchRequest(instanceId: id, incarnation: incarnation, definition: record.definition, slot: record.slot), now: now)
        case .report(let id, let slot, let incarnation, let report):
            guard let record = record(id, slot: slot), record.incarnation == incarnation else { return }
            handle(report, for: record)
        case .machineWake(let specId, let token, let generation):
            guard let state = states[specId], state.hasMachine, state.machineGeneration == generation else { return }
            feed(state, .woke(token: token))
        case .progressCheck(let deploymentId):
            checkProgress(deploymentId)
        }
    }

    private func handle(_ report: DriverReport, for record: InstanceRecord) {
        let id = record.id
        switch report {
        case .placed(let agent, let host):
            change(record) {
                $0.agent = agent
                $0.host = host
                $0.unplaceableReason = nil
                if $0.condition == .scheduled { $0.condition = .staging }
            }
        case .unplaceable(let reason):
            guard record.unplaceableReason != reason else { return }
            record.unplaceableReason = reason
            emit(.instanceUnplaceable(ref(record), reason: reason))
        case .condition(let condition, let message):
            // A report queued before a kill was decided may still arrive: once killing, only the end counts.
            guard condition != record.condition, !record.condition.isTerminal,
                  record.condition != .killing || condition.isTerminal else { return }
            changeCondition(record, to: condition, message: message)
        case .probe(let check, let result):
            guard record.condition == .running, record.goal == .running, var tracker = record.health else { return }
            record.health = nil
            let effects = tracker.record(result, check: check, at: now)
            record.health = tracker
            apply(effects, to: record)
        case .readiness(let ready):
            guard record.condition == .running else { return }
            feed(record.state, .readinessChanged(id, version: record.version, ready: ready))
        case .process(let process):
            emit(.instanceProcess(ref(record), process))
        }
    }

    /// Applies a driver's new condition: a running instance gets its health tracker, a terminal one loses its
    /// health (announced when it had one) and is relaunched or forgotten depending on its goal.
    private func changeCondition(_ record: InstanceRecord, to condition: InstanceCondition, message: String) {
        touch(record.state)
        let hadHealth = record.healthy != nil
        change(record) {
            $0.condition = condition
            if condition == .running {
                $0.runningSince = now
                if !$0.definition.healthTimings.isEmpty {
                    $0.health = HealthTracker(checks: $0.definition.healthTimings, runningSince: now)
                    $0.healthy = nil
                }
            }
            if condition.isTerminal {
                $0.health = nil
                $0.healthy = nil
                $0.runningSince = nil
            }
        }
        if condition == .running, let tracker = record.health {
            driver.startHealthChecks(record.id, slot: record.slot, tracker: tracker, now: now)
        }
        if let status = condition.taskStatus {
            emit(.statusUpdate(ref(record), taskStatus: status, message: message))
        }
        if condition.isTerminal && hadHealth {
            emit(.instanceHealthChanged(ref(record), healthy: nil))
        }
        feed(record.state, .instanceChanged(snapshot(record)))
        if condition.isTerminal {
            if record.goal == .running {
                scheduleRelaunch(record, failed: condition != .killed || record.killedForHealth)
            } else {
                expungeIfDone(record)
            }
        }
    }

    private func apply(_ effects: [HealthEffect], to record: InstanceRecord) {
        for effect in effects {
            switch effect {
            case .failedCheck(_, let cause):
                emit(.failedHealthCheck(ref(record), cause: cause))
            case .aliveChanged:
                break
            case .healthChanged(let healthy):
                change(record) { $0.healthy = healthy }
                touch(record.state)
                emit(.instanceHealthChanged(ref(record), healthy: healthy))
                feed(record.state, .healthChanged(record.id, version: record.version, healthy: healthy))
            case .kill(let reason):
                record.killedForHealth = true
                emit(.unhealthyInstanceKill(ref(record), reason: reason))
                let limit = record.health?.checks.first?.maxConsecutiveFailures ?? 0
                kill(record, goal: .running, reason: "failed \(limit) health checks in a row: \(reason)")
            }
        }
    }

    /// Marathon's launch queue: a terminal instance whose goal is still running comes back after its version's
    /// back-off, which grows with each failure and is reset when a new version is deployed.
    private func scheduleRelaunch(_ record: InstanceRecord, failed: Bool) {
        if failed { launchFailures[record.specId, default: [:]][record.version, default: 0] += 1 }
        timers.push(.relaunch(record.id, slot: record.slot, incarnation: record.incarnation), at: now + launchDelay(record.definition))
    }

    /// The back-off before the next launch of a version: none until it has failed.
    private func launchDelay(_ definition: SpecVersion) -> Double {
        definition.spec.backoff.delay(afterFailures: launchFailures[definition.spec.id]?[definition.version] ?? 0)
    }

    private func relaunch(_ record: InstanceRecord, incarnation: Int) {
        guard record.incarnation == incarnation, record.goal == .running, record.condition.isTerminal else { return }
        // An instance comes back with the definition of the version it was launched with.
        change(record) {
            $0.incarnation += 1
            $0.condition = .scheduled
            $0.agent = nil
            $0.host = ""
            $0.stagedAt = now
            $0.killedForHealth = false
            $0.unplaceableReason = nil
        }
        touch(record.state)
        emit(.statusUpdate(ref(record), taskStatus: "TASK_STAGING", message: "relaunched after it stopped"))
        driver.launch(LaunchRequest(instanceId: record.id, incarnation: record.incarnation, definition: record.definition, slot: record.slot),
                      now: now)
        feed(record.state, .instanceChanged(snapshot(record)))
    }

    private func expungeIfDone(_ record: InstanceRecord) {
        guard record.condition.isTerminal, record.goal.isTerminal else { return }
        remove(record)
    }

    // MARK: Machines

    private func feed(_ state: SpecState, _ input: RolloutInput) {
        pendingInputs.append(PendingInput(state: state, input: input))
    }

    /// Hands queued inputs to the machine of their run spec, one at a time, and carries out what they answer.
    private func drain() {
        var index = 0
        while index < pendingInputs.count {
            let state = pendingInputs[index].state
            let input = pendingInputs[index].input
            index += 1
            // Fed in place (never bound to a local), so that the machine is not copied per input.
            guard state.hasMachine, !state.isMachineFinished else { continue }
            let actions = state.feedMachine(input)
            perform(actions, for: state.id)
            if state.isMachineFinished { checkStepFinished() }
        }
        pendingInputs.removeAll(keepingCapacity: true)
        emitProgress()
        updateDeadlineHold()
    }

    /// Holds the progress deadline while every unfinished machine of the running step waits on purpose (a
    /// canary's pause or gate timer, a promotion, blue-green's scale-down delay); when the hold ends, the
    /// deadline starts again from now.
    private func updateDeadlineHold() {
        guard let deadline = progressDeadline, let running = deployment else { return }
        var held = false
        for state in running.stepStates where state.hasMachine && !state.isMachineFinished {
            held = state.isMachineHolding
            if !held { break }
        }
        guard held != running.deadlineHeld else { return }
        running.deadlineHeld = held
        guard !held else { return }
        running.lastProgressAt = now
        if !running.progressCheckQueued {
            running.progressCheckQueued = true
            timers.push(.progressCheck(deploymentId: running.id), at: now + deadline)
        }
    }

    /// Marks a run spec as changed, for the next `rollout_progress`.
    private func touch(_ state: SpecState) {
        guard !state.touched else { return }
        state.touched = true
        touched.append(state)
    }

    private func emitProgress() {
        guard !touched.isEmpty else { return }
        let changed = touched.count == 1 ? touched : touched.sorted { $0.id < $1.id }
        touched.removeAll(keepingCapacity: true)
        for state in changed {
            state.touched = false
            guard deployment != nil, state.hasMachine else { continue }
            let progress = progress(of: state)
            if state.lastProgress != progress {
                // Progress, for the deadline: more new instances healthy, or fewer old ones alive, than ever before
                // in this deployment (a new instance that crashes and comes back healthy again is no progress).
                if let mark = state.progressMark {
                    if progress.new.healthy > mark.newHealthy || progress.old.alive < mark.oldAlive { deployment?.lastProgressAt = now }
                    state.progressMark = (max(mark.newHealthy, progress.new.healthy), min(mark.oldAlive, progress.old.alive))
                } else {
                    state.progressMark = (progress.new.healthy, progress.old.alive)
                }
                state.lastProgress = progress
                emit(.rolloutProgress(progress))
            }
        }
    }

    // MARK: Records

    /// The state of a run spec, made on first use.
    private func state(for id: PathId) -> SpecState {
        if let known = states[id] { return known }
        let state = SpecState(id: id, version: versions[id] ?? "")
        states[id] = state
        return state
    }

    /// Adds a new record: in a slot, in its run spec's list, and in the counts.
    private func insert(_ record: InstanceRecord) {
        if record.slot < 0 { record.slot = reserveSlot() }
        slots[record.slot] = record
        record.state.instances.insert(record)
        count(record, sign: 1)
    }

    /// A free slot, for a record about to be inserted.
    private func reserveSlot() -> Int {
        if let free = freeSlots.popLast() { return free }
        slots.append(nil)
        return slots.count - 1
    }

    /// Forgets a record: its place in its run spec's list and its slot.
    private func remove(_ record: InstanceRecord) {
        record.state.instances.remove(record)
        guard slots.indices.contains(record.slot), slots[record.slot] === record else { return }
        slots[record.slot] = nil
        freeSlots.append(record.slot)
        record.slot = -1
    }

    /// The record a driver's report or a timer is about: by its slot when the slot still holds it, else by id.
    private func record(_ id: InstanceId, slot: Int) -> InstanceRecord? {
        if slots.indices.contains(slot), let record = slots[slot], record.id == id { return record }
        for state in states.values {
            if let record = record(id, in: state) { return record }
        }
        return nil
    }

    /// The record of one of a run spec's instances, by the number that ends its id.
    private func record(_ id: InstanceId, of specId: PathId) -> InstanceRecord? {
        states[specId].flatMap { record(id, in: $0) }
    }

    private func record(_ id: InstanceId, in state: SpecState) -> InstanceRecord? {
        guard let number = instanceNumber(id, prefix: state.instanceIdPrefix), let record = state.instances.record(number: number),
              record.id == id else { return nil }
        return record
    }

    /// Changes a record, keeping the old / new counts in step with it.
    private func change(_ record: InstanceRecord, _ body: (InstanceRecord) -> Void) {
        count(record, sign: -1)
        body(record)
        count(record, sign: 1)
    }

    private func count(_ record: InstanceRecord, sign: Int) {
        guard !record.condition.isTerminal else { return }
        let healthy = record.goal == .running && isHealthy(record) ? sign : 0
        let state = record.state
        if record.version == state.version {
            state.new.alive += sign
            state.new.healthy += healthy
        } else {
            state.old.alive += sign
            state.old.healthy += healthy
        }
    }

    /// Counts a run spec's instances afresh: its version just changed, so what is old and new changed too.
    private func recount(_ specId: PathId) {
        let state = state(for: specId)
        state.version = versions[specId] ?? ""
        state.old = RolloutProgress.Counts(alive: 0, healthy: 0)
        state.new = RolloutProgress.Counts(alive: 0, healthy: 0)
        for record in state.instances.records {
            count(record, sign: 1)
        }
    }

    // MARK: Helpers

    private func emit(_ kind: RolloutEvent.Kind) {
        events.append(RolloutEvent(time: now, kind: kind))
    }

    /// The fleet as a watcher starts from: every instance tracked now, in launch order, with its task status,
    /// health and waiting reason, and the deployment under way with its step, pause and counts; events taken after
    /// this call bring it up to date with `FleetSnapshot.apply`.
    public func fleetSnapshot() -> FleetSnapshot {
        var fleet = FleetSnapshot()
        let records = states.values.flatMap(\.instances.records).sorted { ($0.stagedAt, $0.id.description) < ($1.stagedAt, $1.id.description) }
        for record in records {
            var instance = FleetSnapshot.Instance(ref: ref(record), taskStatus: record.condition.taskStatus ?? "TASK_STAGING",
                                                  healthy: record.healthy, since: record.runningSince ?? record.stagedAt)
            instance.waitingReason = record.unplaceableReason
            fleet.record(instance)
        }
        if let running = deployment {
            let counts = running.stepStates.map { progress(of: $0) }
            fleet.recordDeployment(planId: running.id, plan: running.plan, step: running.stepIndex + 1, paused: running.paused,
                                   progress: counts, at: now)
        }
        return fleet
    }

    private func ref(_ record: InstanceRecord) -> InstanceRef {
        InstanceRef(appId: record.specId, instanceId: record.id, version: record.version, host: record.host)
    }

    private func snapshot(_ record: InstanceRecord) -> InstanceSnapshot {
        InstanceSnapshot(id: record.id, version: record.version, condition: record.condition, goal: record.goal,
                         consideredHealthy: isHealthy(record), stagedAt: record.stagedAt)
    }

    private func snapshots(of specId: PathId) -> [InstanceSnapshot] {
        (states[specId]?.instances.records ?? []).map(snapshot)
    }

    /// Marathon's `consideredHealthy`, judged by the instance's own version: healthy by its checks, or running
    /// when that version has none.
    private func isHealthy(_ record: InstanceRecord) -> Bool {
        guard record.condition == .running else { return false }
        return record.definition.hasHealthChecks ? record.healthy == true : true
    }

    /// A version stamp for now, unlike any version the scheduler knows (a later millisecond if need be).
    private func uniqueVersionStamp() -> String {
        let known = Set(definitionsByVersion.values.flatMap(\.keys))
        var time = now
        var stamp = Self.versionStamp(time)
        while known.contains(stamp) {
            time += 0.001
            stamp = Self.versionStamp(time)
        }
        return stamp
    }

    /// The version of a definition the scheduler already knows (a roll back to it), unless a new one is wanted.
    private func knownVersion(of spec: RunSpec, unless forceNew: Bool) -> String? {
        guard !forceNew else { return nil }
        return (definitionsByVersion[spec.id] ?? [:]).filter { $0.value.spec == spec }.map(\.key).sorted().first
    }

    /// `web.000f`: the app's name (segments joined by `_`, as Marathon's task ids do) and a hexadecimal counter.
    /// Short on purpose: ids fit a cell of the instance grid, and up to 15 bytes Swift keeps a string inline.
    private func makeInstanceId(for specId: PathId) -> (id: InstanceId, number: Int) {
        let number = (nextInstanceNumber[specId] ?? 0) + 1
        nextInstanceNumber[specId] = number
        return (InstanceId(instanceIdText(prefix: state(for: specId).instanceIdPrefix, number: number)), number)
    }


    /// A Marathon-style version: the ISO 8601 time of the change, on the run's clock (epoch 2026-01-01).
    public static func versionStamp(_ time: Double) -> String {
        EventEncoder.iso8601(SchedulerCore.epoch + time)
    }

    /// `t = 0` of a simulated run: 2026-01-01T00:00:00Z, so that timestamps are the same on every run.
    public static let epoch: Double = 1_767_225_600
}

/// What the scheduler keeps per run spec and touches on every event: the old / new counts (up to date on every
/// change, so that progress costs the same however large the fleet), the running step's machine and limits, and
/// the last progress emitted. Records point at it, so an event about an instance needs no lookup by id.
final class SpecState {
    let id: PathId
    /// The version that counts as new: the one the run spec runs or is being deployed to.
    var version: String
    var old = RolloutProgress.Counts(alive: 0, healthy: 0)
    var new = RolloutProgress.Counts(alive: 0, healthy: 0)
    var targetInstances = 0
    /// Its instances' records, oldest launch first.
    var instances = InstanceList()
    /// The running step's machine for this run spec. Set through `setMachine` only, which keeps `hasMachine`.
    private(set) var machine: RolloutMachine?
    /// Whether `machine` is set, asked on every event without touching the machine itself.
    private(set) var hasMachine = false
    /// The number of its machine among all the scheduler made (0 without one): a wake for another is dropped.
    private(set) var machineGeneration = 0
    /// What its instance ids start with: the app's name (segments joined by `_`, as Marathon's task ids do) and a dot.
    let instanceIdPrefix: String
    var limits: (minHealthy: Int, maxCapacity: Int)?
    var lastProgress: RolloutProgress?
    /// The most new instances healthy and the fewest old ones alive so far in the deployment, for the deadline.
    var progressMark: (newHealthy: Int, oldAlive: Int)?
    /// The step its stepped strategy last reported, in the deployment under way.
    var strategyStepIndex: Int?
    var touched = false

    init(id: PathId, version: String) {
        self.id = id
        self.version = version
        instanceIdPrefix = id.segments.joined(separator: "_") + "."
    }

    func setMachine(_ newMachine: RolloutMachine?, generation: Int = 0) {
        machine = newMachine
        hasMachine = newMachine != nil
        machineGeneration = generation
    }

    /// Feeds the machine in place (never copied out: a copy costs a copy of all it holds).
    func feedMachine(_ input: RolloutInput) -> [RolloutAction] {
        machine?.handle(input) ?? []
    }

    /// True when there is no machine or it is done.
    var isMachineFinished: Bool { machine?.isFinished ?? true }
    /// True while its machine waits for a promotion.
    var isAwaitingPromotion: Bool { machine?.awaitsPromotion ?? false }
    /// True while its machine waits on purpose (the progress deadline does not run).
    var isMachineHolding: Bool { machine?.isHolding ?? false }
    /// What a promotion would do for its machine now.
    var machinePromotions: (step: Bool, fully: Bool) { machine?.promotions ?? (false, false) }
    var machineAction: DeploymentAction? { machine?.action }
    var machineInitialKills: Int? { machine?.initialKills ?? nil }

    func pauseMachine() {
        machine?.pause()
    }

    func resumeMachine() -> [RolloutAction] {
        machine?.resume() ?? []
    }
}

/// An input waiting for its run spec's machine. A struct, not a tuple: an array of tuples is copied and destroyed
/// through the generic tuple witnesses, which the engine benchmark showed on every event.
struct PendingInput {
    let state: SpecState
    let input: RolloutInput
}

/// A run spec's instance records by number (the counter that ends their ids, so in launch order), in pages of
/// 1,024 numbers: finding, adding and removing a record touch one cell, with no hashing, and a page whose
/// records are all gone is given back, so memory follows the records tracked rather than every launch made.
struct InstanceList {
    private static var pageSize: Int { 1_024 }
    private var pages: [[SchedulerCore.InstanceRecord?]?] = []
    /// Records in each page.
    private var pageCounts: [Int] = []

    /// The records, oldest launch first.
    var records: [SchedulerCore.InstanceRecord] {
        var all: [SchedulerCore.InstanceRecord] = []
        all.reserveCapacity(pageCounts.reduce(0, +))
        for page in pages {
            guard let page else { continue }
            for case let record? in page { all.append(record) }
        }
        return all
    }

    func record(number: Int) -> SchedulerCore.InstanceRecord? {
        let (page, cell) = number.quotientAndRemainder(dividingBy: Self.pageSize)
        guard number >= 0, page < pages.count else { return nil }
        return pages[page]?[cell]
    }

    mutating func insert(_ record: SchedulerCore.InstanceRecord) {
        let (page, cell) = record.number.quotientAndRemainder(dividingBy: Self.pageSize)
        guard record.number >= 0 else { return }
        if page >= pages.count {
            pages.append(contentsOf: repeatElement(nil, count: page - pages.count + 1))
            pageCounts.append(contentsOf: repeatElement(0, count: page - pageCounts.count + 1))
        }
        if pages[page] == nil { pages[page] = Array(repeating: nil, count: Self.pageSize) }
        if pages[page]?[cell] == nil { pageCounts[page] += 1 }
        pages[page]?[cell] = record
    }

    mutating func remove(_ record: SchedulerCore.InstanceRecord) {
        let (page, cell) = record.number.quotientAndRemainder(dividingBy: Self.pageSize)
        guard record.number >= 0, page < pages.count, pages[page]?[cell] === record else { return }
        pages[page]?[cell] = nil
        pageCounts[page] -= 1
        if pageCounts[page] == 0 { pages[page] = nil }
    }
}

/// The number that ends an instance id made with `prefix` (`web.000f` gives 15), or nil for another kind of id.
func instanceNumber(_ id: InstanceId, prefix: String) -> Int? {
    var text = id.value
    var prefix = prefix
    return text.withUTF8 { bytes in
        prefix.withUTF8 { prefixBytes in
            bytes.starts(with: prefixBytes) ? InstanceId.counter(bytes[prefixBytes.count...]) : nil
        }
    }
}

/// At least four lowercase hexadecimal digits: `00a3`.
func hex4(_ value: Int) -> String {
    let text = String(value, radix: 16)
    return String(repeating: "0", count: max(0, 4 - text.count)) + text
}

/// `prefix` and `number` as at least four lowercase hexadecimal digits (`web.` and 15 give `web.000f`), written
/// in one go: made for every launch, and interpolation cost a twentieth of the engine's time.
func instanceIdText(prefix: String, number: Int) -> String {
    var digitCount = 4
    while number >> (4 * digitCount) > 0 { digitCount += 1 }
    var prefix = prefix
    return prefix.withUTF8 { prefixBytes in
        String(unsafeUninitializedCapacity: prefixBytes.count + digitCount) { buffer in
            let digits: StaticString = "0123456789abcdef"
            _ = buffer.initialize(fromContentsOf: prefixBytes)
            var remaining = number
            for position in stride(from: prefixBytes.count + digitCount - 1, through: prefixBytes.count, by: -1) {
                buffer[position] = digits.utf8Start[remaining & 15]
                remaining >>= 4
            }
            return prefixBytes.count + digitCount
        }
    }
}
