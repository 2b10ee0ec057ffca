import RollwatchCore

/// How fast simulated time runs against the injected clock.
public enum SchedulerSpeed: Sendable, Hashable {
    /// Simulated seconds per clock second (1 for real drivers, up to 1000 for time-lapse).
    case factor(Double)
    /// As fast as the machine goes.
    case max
}

/// What the scheduler can be told while it runs.
public enum SchedulerCommand: Sendable {
    /// Deploy new definitions (a forced deployment over any in progress); `restartAll` restarts unchanged ones too.
    case deploy(GroupDefinition, versions: [PathId: String], restartAll: Bool)
    case pause
    case resume
    /// Cancel the deployment; roll back to the definitions before it, or leave the fleet as it is.
    case abort(rollBack: Bool)
    /// Change one run spec's instance count (a scale-only deployment); a nil version keeps the one it runs.
    case scale(PathId, instances: Int, version: String?)
    /// Restart every run spec as it is, at a new version (Marathon's `POST /v2/apps/{id}/restart`); a nil version
    /// gets a fresh stamp from the scheduler's clock, unlike any it knows.
    case restart(version: String?)
    case setSpeed(SchedulerSpeed)
    /// Let a strategy that waits for a promotion go on; a canary leaves its pause or gate.
    case promote
    /// Let a canary skip its remaining steps and go to 100 %.
    case promoteFully
}

/// What the scheduler publishes after each change: the events since the last update and the time they reached.
public struct SchedulerUpdate: Sendable {
    public var events: [RolloutEvent]
    /// Seconds since the run began, on the scheduler's (possibly virtual) clock.
    public var time: Double
    public var speed: SchedulerSpeed
    public var deploymentRunning: Bool
    /// How the last deployment ended, once one has (a roll back counts as rolled back from its start).
    public var outcome: SchedulerCore.Outcome?
}

/// The scheduler as a live service: an actor that owns a `SchedulerCore`, runs its timeline against an injected
/// clock (virtual time at a speed factor for the simulator, wall time for real drivers), takes commands while it
/// runs, and publishes updates on an `AsyncStream`.
public actor Scheduler<C: Clock> where C.Duration == Duration {
    private let core: SchedulerCore
    private let clock: C
    private var speed: SchedulerSpeed
    /// The clock instant and simulated time at which the current speed took effect.
    private var anchor: (instant: C.Instant, time: Double)
    private let continuation: AsyncStream<SchedulerUpdate>.Continuation
    /// Updates, one per batch of changes; finished by `finish()`.
    public nonisolated let updates: AsyncStream<SchedulerUpdate>
    /// The loop's sleep, while it sleeps: a command cancels it, so that the loop looks at the clock again at once.
    private var nap: Task<Bool, Never>?
    /// After `shutDownDriver()`: the scheduler does nothing more.
    private var stopped = false
    /// The longest the loop sleeps with nothing due; commands wake it sooner.
    public static var idleNap: Duration { .seconds(60) }

    /// A scheduler for `root` running at `versions`, acting through the driver `makeDriver` builds (the driver
    /// is created inside the actor and never leaves it).
    public init(root: GroupDefinition, versions: [PathId: String], strategy: any RolloutStrategy, clock: C, speed: SchedulerSpeed,
                makeDriver: @Sendable () -> any InstanceDriver, setUp: @Sendable (SchedulerCore) -> Void = { _ in }) {
        let core = SchedulerCore(root: root, versions: versions, driver: makeDriver(), strategy: strategy)
        setUp(core)
        self.core = core
        self.clock = clock
        self.speed = Self.valid(speed)
        self.anchor = (clock.now, 0)
        (updates, continuation) = AsyncStream.makeStream(of: SchedulerUpdate.self, bufferingPolicy: .unbounded)
    }

    /// A scheduler around a core that is already set up (definitions read, fleet adopted), which it takes over.
    public init(core: sending SchedulerCore, clock: C, speed: SchedulerSpeed) {
        self.core = core
        self.clock = clock
        self.speed = Self.valid(speed)
        self.anchor = (clock.now, core.now)
        (updates, continuation) = AsyncStream.makeStream(of: SchedulerUpdate.self, bufferingPolicy: .unbounded)
    }

    /// The fleet as it is now, for a watcher that starts folding `updates` from here.
    public func fleetSnapshot() -> FleetSnapshot {
        core.fleetSnapshot()
    }

    /// The definitions that run now (the target of the last deployment once it started).
    public var root: GroupDefinition { core.root }

    /// Carries out a command at once.
    public func send(_ command: SchedulerCommand) {
        guard !stopped else { return }
        catchUp()
        switch command {
        case .deploy(let target, let versions, let restartAll):
            core.deploy(target, newVersions: versions, restartAll: restartAll)
        case .pause:
            core.pause()
        case .resume:
            core.resume()
        case .abort(let rollBack):
            core.abort(rollBack: rollBack)
        case .scale(let id, let instances, let version):
            core.deploy(core.root.scaling(id, to: instances), newVersions: version.map { [id: $0] } ?? [:])
        case .restart(let version):
            let versions = version.map { version in
                Dictionary(core.root.transitiveRunSpecs.map { ($0.id, version) }, uniquingKeysWith: { first, _ in first })
            }
            core.deploy(core.root, newVersions: versions ?? [:], restartAll: true)
        case .setSpeed(let newSpeed):
            anchor = (clock.now, core.now)
            speed = Self.valid(newSpeed)
        case .promote:
            core.promote()
        case .promoteFully:
            core.promote(fully: true)
        }
        publish()
        nap?.cancel()
    }

    /// Runs the timeline until `until` returns true for the core (checked after every change) or the task is
    /// cancelled. At `max` speed it advances event to event without sleeping; otherwise it sleeps on the clock until
    /// the next event is due. With nothing due it sleeps until a command comes: an idle scheduler costs nothing.
    public func run(until done: @Sendable (SchedulerCore) -> Bool = { _ in false }) async {
        publish()
        while !Task.isCancelled && !done(core) && !stopped {
            switch speed {
            case .max:
                guard let next = core.nextEventTime else {
                    _ = await sleep(until: clock.now.advanced(by: Self.idleNap))
                    continue
                }
                core.advance(to: next)
                anchor = (clock.now, core.now)
                publish()
                await Task.yield()
            case .factor(let factor):
                guard let next = core.nextEventTime else {
                    // Time goes on while nothing is due: the core's clock follows after each long nap.
                    if await sleep(until: clock.now.advanced(by: Self.idleNap)) {
                        core.advance(to: simulatedNow(factor: factor))
                        publish()
                    }
                    continue
                }
                if next > simulatedNow(factor: factor) {
                    let wake = anchor.instant.advanced(by: .seconds((next - anchor.time) / factor))
                    // Woken early by a command (which may have paused, changed the speed or deployed): look again.
                    guard await sleep(until: wake) else { continue }
                }
                // The clock has reached `next`; rounding in the conversion back must not leave it just short.
                core.advance(to: max(simulatedNow(factor: factor), next))
                publish()
            }
        }
        publish()
    }

    /// Sleeps until `deadline` on the clock; false when a command (or cancellation) cut the sleep short.
    private func sleep(until deadline: C.Instant) async -> Bool {
        let clock = self.clock
        let sleeper = Task { () -> Bool in
            do {
                try await clock.sleep(until: deadline, tolerance: nil)
                return true
            } catch {
                return false
            }
        }
        nap = sleeper
        let slept = await withTaskCancellationHandler { await sleeper.value } onCancel: { sleeper.cancel() }
        nap = nil
        return slept
    }

    /// Takes in what the driver saw happen on its own (real processes ending, probes answering): the local
    /// driver asks for this through its nudge.
    public func pollDriver() {
        guard !stopped else { return }
        catchUp()
        core.pollDriver(at: core.now)
        publish()
        nap?.cancel()
    }

    /// Stops every instance the driver runs, before the program ends; the scheduler does nothing more after it
    /// (no command, poll or timer can start an instance again).
    public func shutDownDriver() {
        stopped = true
        nap?.cancel()
        core.shutDownDriver()
    }

    /// Ends `updates`: no more will come.
    public func finish() {
        continuation.finish()
    }

    /// The deployment's outcome so far, and whether one runs.
    public var status: (running: Bool, outcome: SchedulerCore.Outcome?, time: Double) {
        (core.deployment != nil, core.outcome, core.now)
    }

    /// Moves the core to the simulated time the clock has reached.
    private func catchUp() {
        guard case .factor(let factor) = speed else { return }
        core.advance(to: simulatedNow(factor: factor))
    }

    private func simulatedNow(factor: Double) -> Double {
        anchor.time + anchor.instant.duration(to: clock.now).inSeconds * factor
    }

    private func publish() {
        let events = core.takeEvents()
        continuation.yield(SchedulerUpdate(events: events, time: core.now, speed: speed, deploymentRunning: core.deployment != nil,
                                           outcome: core.outcome))
    }

    /// A speed the loop can divide by: factors are kept between 0.01 and 10,000.
    private static func valid(_ speed: SchedulerSpeed) -> SchedulerSpeed {
        guard case .factor(let factor) = speed else { return speed }
        return .factor(min(max(factor.isFinite ? factor : 1, 0.01), 10_000))
    }
}
