import RollwatchCore
import RollwatchScheduler
import RollwatchSim
import Synchronization
import Testing

/// A clock that never waits: sleeping moves it forward at once, so paced runs take no wall time in tests.
final class ManualClock: Clock, Sendable {
    struct Instant: InstantProtocol {
        var offset: Duration
        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private let current = Mutex(Duration.zero)

    var now: Instant { Instant(offset: current.withLock { $0 }) }
    var minimumResolution: Duration { .zero }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        try Task.checkCancellation()
        current.withLock { $0 = max($0, deadline.offset) }
        await Task.yield()
    }
}

/// The Scheduler actor: pacing against the injected clock, commands while it runs, published updates.
@Suite struct SchedulerActorTests {
    static let v1 = app(#"{"id": "/web", "cmd": "sleep 3", "instances": 6, "healthChecks": [{"intervalSeconds": 2}], "upgradeStrategy": {"minimumHealthCapacity": 0.5, "maximumOverCapacity": 0.5}}"#)
    static let v2 = app(#"{"id": "/web", "cmd": "sleep 4", "instances": 6, "healthChecks": [{"intervalSeconds": 2}], "upgradeStrategy": {"minimumHealthCapacity": 0.5, "maximumOverCapacity": 0.5}}"#)

    static func scheduler(clock: ManualClock, speed: SchedulerSpeed) -> Scheduler<ManualClock> {
        Scheduler(root: GroupDefinition(id: .root, apps: [v1]), versions: [PathId("/web"): "v1"], strategy: MarathonStrategy(),
                  clock: clock, speed: speed,
                  makeDriver: { SimCluster(agents: SimAgent.toFit([.app(v1), .app(v2)]), seed: 3) },
                  setUp: { $0.adopt(count: 6, of: .app(v1), version: "v1", condition: .running, healthy: true) })
    }

    static func collect(_ scheduler: Scheduler<ManualClock>) async -> [RolloutEvent] {
        var events: [RolloutEvent] = []
        for await update in scheduler.updates { events += update.events }
        return events
    }

    @Test func pacedRunTakesSimulatedTimeOverTheSpeedFactor() async {
        let clock = ManualClock()
        let scheduler = Self.scheduler(clock: clock, speed: .factor(10))
        await scheduler.send(.deploy(GroupDefinition(id: .root, apps: [Self.v2]), versions: [PathId("/web"): "v2"], restartAll: false))
        async let events = Self.collect(scheduler)
        await scheduler.run(until: { $0.deployment == nil })
        await scheduler.finish()
        let status = await scheduler.status
        #expect(status.outcome == .succeeded)
        let wall = clock.now.offset.inSeconds
        #expect(abs(wall - status.time / 10) < 0.2, "wall \(wall) s for \(status.time) simulated s at 10×")
        #expect(await events.last?.eventType == "deployment_success")
    }

    @Test func maxSpeedTakesNoClockTime() async {
        let clock = ManualClock()
        let scheduler = Self.scheduler(clock: clock, speed: .max)
        await scheduler.send(.deploy(GroupDefinition(id: .root, apps: [Self.v2]), versions: [PathId("/web"): "v2"], restartAll: false))
        await scheduler.run(until: { $0.deployment == nil })
        #expect(await scheduler.status.outcome == .succeeded)
        #expect(clock.now.offset == .zero)
    }

    @Test func scaleAndRestartCommandsDeploy() async {
        let clock = ManualClock()
        let scheduler = Self.scheduler(clock: clock, speed: .max)
        await scheduler.send(.scale(PathId("/web"), instances: 9, version: "v1"))
        await scheduler.run(until: { $0.deployment == nil })
        #expect(await scheduler.status.outcome == .succeeded)
        await scheduler.send(.restart(version: "v3"))
        async let events = Self.collect(scheduler)
        await scheduler.run(until: { $0.deployment == nil })
        await scheduler.finish()
        #expect(await scheduler.status.outcome == .succeeded)
        let running = await events.filter {
            if case .statusUpdate(let ref, "TASK_RUNNING", _) = $0.kind { return ref.version == "v3" } else { return false }
        }
        #expect(running.count == 9, "a restart replaces all nine instances with the new version")
    }

    @Test func pauseHoldsTheDeploymentWhileTimeGoesOn() async {
        let clock = ManualClock()
        let scheduler = Self.scheduler(clock: clock, speed: .factor(100))
        await scheduler.send(.deploy(GroupDefinition(id: .root, apps: [Self.v2]), versions: [PathId("/web"): "v2"], restartAll: false))
        await scheduler.run(until: { $0.now >= 2 })
        await scheduler.send(.pause)
        let pausedAt = await scheduler.status.time
        async let whilePaused = Self.collect(scheduler)
        await scheduler.run(until: { $0.now >= 120 })
        await scheduler.finish()
        #expect(await scheduler.status.running)
        let decisions = await whilePaused.filter {
            guard $0.time > pausedAt, case .statusUpdate(_, let status, _) = $0.kind else { return false }
            return status == "TASK_KILLING" || status == "TASK_STAGING"
        }
        #expect(decisions.isEmpty, "no kill or launch is decided while paused")
        await scheduler.send(.setSpeed(.max))
        await scheduler.send(.resume)
        await scheduler.run(until: { $0.deployment == nil })
        let status = await scheduler.status
        #expect(status.outcome == .succeeded)
        #expect(status.time > 120)
    }
}
