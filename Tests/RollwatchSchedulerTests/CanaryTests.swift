import RollwatchCore
import RollwatchScheduler
import RollwatchSim
import Testing

/// The canary strategy: its spec, Argo's weight rounding, and whole simulated canaries step by step (weights,
/// timed pauses, pauses until promoted, health gates, full promotion, roll back, the progress deadline).
@Suite struct CanaryTests {
    static let v1 = StrategyTests.v1
    static let v2 = StrategyTests.v2

    @Test(arguments: [
        ("canary", "setWeight 10 → pause 30s → setWeight 50 → pause 30s → setWeight 100"),
        ("canary:steps=10,50,100;pause=30s", "setWeight 10 → pause 30s → setWeight 50 → pause 30s → setWeight 100"),
        ("canary:steps=10%,50%", "setWeight 10 → setWeight 50 → setWeight 100"),
        ("canary:steps=20,pause,gate:1m,60", "setWeight 20 → pause → gate 1m → setWeight 60 → setWeight 100"),
        ("canary:gate=90s", "setWeight 10 → gate 90s → setWeight 50 → gate 90s → setWeight 100"),
        ("canary:steps=25,75;pause=promote;gate=45", "setWeight 25 → gate 45s → pause → setWeight 75 → gate 45s → pause → setWeight 100"),
        ("canary:steps=10,pause 2h,100", "setWeight 10 → pause 2h → setWeight 100"),
        ("canary:steps=10;pause=1.5m", "setWeight 10 → pause 90s → setWeight 100"),
    ])
    func specsListTheirSteps(spec: String, steps: String) throws {
        let strategy = try #require(try StrategyRegistry.parse(spec) as? CanaryStrategy)
        #expect(strategy.steps.map(\.description).joined(separator: " → ") == steps)
    }

    @Test(arguments: [
        ("canary:steps=50,10", "weights only go up"),
        ("canary:steps=10,100,pause", "comes after setWeight 100"),
        ("canary:steps=10,soon", "is none of a weight"),
        ("canary:steps=101", "not between 0 and 100"),
        ("canary:pause=0", "not a duration"),
        ("canary:gate=x", "not a duration"),
        ("canary:steps=10,pause,50;pause=30s", "leave them out"),
        ("canary:maxSurge=0;maxUnavailable=0", "may not be 0 when `maxSurge` is 0"),
        ("canary:weights=10", "unknown parameter weights"),
        ("canary:10,50", "is not key=value"),
        ("canary:steps=10,,50", "an empty parameter"),
        ("canary:steps=10,50,", "an empty parameter"),
    ])
    func badSpecsSayWhatIsWrongAndShowTheSyntax(spec: String, message: String) {
        do {
            _ = try StrategyRegistry.parse(spec)
            Issue.record("\(spec) was accepted")
        } catch {
            #expect(error.description.contains(message), "\(spec): \(error)")
            #expect(error.description.contains("canary[:steps="), "\(spec): \(error)")
        }
    }

    @Test(arguments: [(10, 10, 1), (41, 10, 4), (25, 10, 3), (50, 5, 3), (1, 20, 1), (96, 10, 9), (100, 7, 7), (0, 7, 0), (40, 1, 0), (60, 1, 1)])
    func weightsRoundToTheNearestInstanceTiesUp(weight: Int, replicas: Int, canary: Int) {
        #expect(CanaryStep.newInstances(weight: weight, of: replicas) == canary)
    }

    /// The strategy step events of a simulation.
    static func steps(_ simulation: Simulation) -> [(time: Double, status: StrategyStepStatus)] {
        simulation.events.compactMap { event in
            if case .strategyStep(_, _, let status) = event.kind { return (event.time, status) } else { return nil }
        }
    }

    /// The counts in force when the event at `time` happened (the last progress at or before it).
    static func progress(_ simulation: Simulation, at time: Double) -> RolloutProgress? {
        simulation.events.last { $0.time <= time + 1e-9 && { if case .rolloutProgress = $0.kind { true } else { false } }($0) }
            .flatMap { if case .rolloutProgress(let progress) = $0.kind { progress } else { nil } }
    }

    @Test func eachWeightIsReachedHealthyBeforeThePauseAndEachPauseLastsItsTime() throws {
        let simulation = StrategyTests.deploy(try StrategyRegistry.parse("canary:steps=10,50,100;pause=30s"), minHealthy: 10, maxCapacity: 13)
        let entered = Self.steps(simulation).filter { $0.status.until == nil || $0.status.title.hasPrefix("pause") }
        #expect(entered.map(\.status.title) == ["setWeight 10", "pause 30s", "setWeight 50", "pause 30s", "setWeight 100"])
        for (index, step) in entered.enumerated() where step.status.title.hasPrefix("pause") {
            // When the pause starts, the weight before it holds: 1 (then 5) new instances healthy, 9 (then 5) old.
            let canary = index == 1 ? 1 : 5
            let counts = try #require(Self.progress(simulation, at: step.time))
            #expect(counts.new.healthy == canary && counts.new.alive == canary, "\(step.status.title) at t=\(step.time): \(counts)")
            #expect(counts.old.healthy == 10 - canary, "\(step.status.title) at t=\(step.time): \(counts)")
            #expect(step.status.until == step.time + 30)
            #expect(entered[index + 1].time == step.time + 30, "the next weight starts when the pause ends")
        }
    }

    @Test func aPauseWithoutTimeWaitsForAPromotionAndFullPromotionSkipsTheRest() throws {
        var simulation = Simulation(Self.v1, to: Self.v2, strategy: try StrategyRegistry.parse("canary:steps=30,pause,60,pause,100"))
        simulation.deploy(Self.v2)
        simulation.run(until: 3_600)
        #expect(simulation.core.awaitingPromotion == [PathId("/web")])
        #expect(simulation.core.promotions == (step: true, fully: true))
        let counts = try #require(simulation.progress.last)
        #expect(counts.new.healthy == 3 && counts.old.alive == 7)
        simulation.core.promote()
        simulation.events += simulation.core.takeEvents()
        simulation.run(until: 7_200)
        #expect(simulation.core.awaitingPromotion == [PathId("/web")], "the second pause waits too")
        #expect(simulation.progress.last?.new.healthy == 6)
        simulation.core.promote(fully: true)
        simulation.events += simulation.core.takeEvents()
        #expect(simulation.core.promotions == (step: false, fully: false), "at 100 % nothing is left to promote")
        simulation.run(until: 10_800)
        #expect(simulation.core.outcome == .succeeded)
        #expect(Self.steps(simulation).last?.status.title == "setWeight 100")
    }

    @Test func fullPromotionCutsATimedPauseShort() throws {
        var simulation = Simulation(Self.v1, to: Self.v2, strategy: try StrategyRegistry.parse("canary:steps=10,50;pause=1h"))
        simulation.deploy(Self.v2)
        simulation.run(until: 120)
        #expect(simulation.core.promotions == (step: true, fully: true))
        #expect(simulation.core.awaitingPromotion.isEmpty, "a timed pause goes on by itself")
        simulation.core.promote(fully: true)
        simulation.events += simulation.core.takeEvents()
        simulation.run()
        #expect(simulation.core.outcome == .succeeded)
        #expect((simulation.events.last?.time ?? .infinity) < 600)
    }

    @Test func aGateWaitsUntilEveryNewInstanceHasStayedHealthyForItsTime() throws {
        let simulation = StrategyTests.deploy(try StrategyRegistry.parse("canary:steps=20,gate:60s,100"), minHealthy: 10, maxCapacity: 13)
        let steps = Self.steps(simulation)
        let gateTimer = try #require(steps.first { $0.status.title == "gate 1m" && $0.status.until != nil })
        let canaryHealthy = simulation.events.compactMap { event -> Double? in
            if case .instanceHealthChanged(let ref, true) = event.kind, ref.version == "v2" { return event.time } else { return nil }
        }.prefix(2)
        #expect(gateTimer.time == canaryHealthy.max(), "the timer starts once both canary instances are healthy")
        let next = try #require(steps.first { $0.status.title == "setWeight 100" })
        #expect(next.time == gateTimer.time + 60)
    }

    @Test func aGateStartsOverWhenACanaryInstanceFailsAndTheDeadlineCatchesIt() throws {
        var crashing = Self.v2
        crashing.labels["ROLLWATCH_SIM_CRASH_AFTER_SECONDS"] = "40"
        var simulation = Simulation(Self.v1, to: crashing, strategy: try StrategyRegistry.parse("canary:steps=20,gate:60s,100"))
        simulation.core.progressDeadline = 300
        simulation.core.rollBackOnDeadline = true
        simulation.deploy(crashing)
        simulation.run(until: 3_600, stopWhen: { $0.failure != nil })
        let gates = Self.steps(simulation).filter { $0.status.title == "gate 1m" }
        #expect(gates.contains { $0.status.waitingFor.contains("starts over") }, "\(gates.map(\.status.waitingFor))")
        #expect(!Self.steps(simulation).contains { $0.status.title == "setWeight 100" }, "the gate never passes")
        #expect(simulation.core.failure?.contains("no progress for 300 s") == true)
        simulation.run()
        #expect(simulation.core.outcome == .rolledBack(completed: true))
        #expect(simulation.progress.last?.new.alive == 10, "v1 is back at full strength")
    }

    @Test func aLongPauseIsNotAMissedDeadline() throws {
        var simulation = Simulation(Self.v1, to: Self.v2, strategy: try StrategyRegistry.parse("canary:steps=10,pause:10m,100"))
        simulation.core.progressDeadline = 60
        simulation.deploy(Self.v2)
        simulation.run()
        #expect(simulation.core.failure == nil)
        #expect(simulation.core.outcome == .succeeded)
        #expect((simulation.events.last?.time ?? 0) > 600)
    }

    @Test func aRollbackSkipsTheSteps() throws {
        var simulation = Simulation(Self.v1, to: Self.v2, strategy: try StrategyRegistry.parse("canary:steps=50,pause,100"))
        simulation.deploy(Self.v2)
        simulation.run(until: 600)
        #expect(simulation.core.awaitingPromotion == [PathId("/web")])
        let before = simulation.events.count
        simulation.core.abort(rollBack: true)
        simulation.events += simulation.core.takeEvents()
        simulation.run()
        let rollback = simulation.events.dropFirst(before)
        #expect(simulation.core.outcome == .rolledBack(completed: true))
        #expect(!rollback.contains { if case .strategyStep = $0.kind { true } else { false } }, "no canary steps back to v1")
        #expect(simulation.progress.last?.new.healthy == 10 && simulation.progress.last?.old.alive == 0)
    }

    @Test func pausingTheDeploymentHoldsTheStepsAndTheWeight() throws {
        var simulation = Simulation(Self.v1, to: Self.v2, strategy: try StrategyRegistry.parse("canary:steps=10,50;pause=20s"))
        simulation.deploy(Self.v2)
        simulation.run(until: 25)
        simulation.core.pause()
        simulation.events += simulation.core.takeEvents()
        let heldAt = simulation.events.count
        simulation.run(until: 300, stopWhen: { _ in false })
        simulation.core.advance(to: 300)
        simulation.events += simulation.core.takeEvents()
        let held = simulation.events.dropFirst(heldAt)
        #expect(!held.contains { if case .strategyStep = $0.kind { true } else { false } }, "no step starts while paused")
        #expect(!held.contains { if case .statusUpdate(_, "TASK_STAGING", _) = $0.kind { true } else { false } })
        simulation.core.resume()
        simulation.events += simulation.core.takeEvents()
        simulation.run()
        #expect(simulation.core.outcome == .succeeded)
    }

    @Test func aPauseWithADeadlineStillEndsTheRunWaitingForAPromotion() throws {
        for spec in ["canary:steps=10,pause,100", "blue-green:autoPromotion=false"] {
            var simulation = Simulation(Self.v1, to: Self.v2, strategy: try StrategyRegistry.parse(spec))
            simulation.core.progressDeadline = 60
            simulation.deploy(Self.v2)
            simulation.run(until: 3_600)
            #expect(simulation.core.nextEventTime == nil, "\(spec): nothing is left to happen but the promotion")
            #expect(simulation.core.awaitingPromotion == [PathId("/web")] && simulation.core.failure == nil, "\(spec)")
            simulation.core.promote()
            simulation.events += simulation.core.takeEvents()
            simulation.run()
            #expect(simulation.core.outcome == .succeeded, "\(spec)")
        }
    }

    @Test func theDeadlineRunsAFreshFromTheMomentAGateStartsOver() throws {
        var crashing = Self.v2
        crashing.labels["ROLLWATCH_SIM_CRASH_AFTER_SECONDS"] = "100"
        var simulation = Simulation(Self.v1, to: crashing, strategy: try StrategyRegistry.parse("canary:steps=20,gate:2m,100"))
        simulation.core.progressDeadline = 60
        simulation.deploy(crashing)
        simulation.run(until: 3_600)
        let startOver = try #require(Self.steps(simulation).first { $0.status.waitingFor.contains("starts over") }?.time)
        let failed = try #require(simulation.events.first { if case .deploymentFailed = $0.kind { true } else { false } }?.time)
        #expect(failed >= startOver + 60 - 1e-9, "failed at t=\(failed), \(failed - startOver) s after the gate started over")
        #expect(simulation.core.failure?.contains("no progress for 60 s") == true)
    }

    @Test func anOldInstanceThatDiesWhileTheWeightHoldsIsReplacedByANewOne() throws {
        var crashingOld = Self.v1
        crashingOld.labels["ROLLWATCH_SIM_CRASH_AFTER_SECONDS"] = "60"
        var simulation = Simulation(crashingOld, to: Self.v2, strategy: try StrategyRegistry.parse("canary:steps=30,pause,100"))
        simulation.deploy(Self.v2)
        simulation.run(until: 3_600)
        #expect(simulation.statuses("TASK_FAILED").contains { $0.ref.version == "v1" }, "old instances crashed during the pause")
        #expect(simulation.core.awaitingPromotion == [PathId("/web")])
        let counts = try #require(simulation.progress.last)
        #expect(counts.new.healthy + counts.old.healthy == 10, "the fleet is back at 10: \(counts)")
    }

    @Test func promotingReleasesOnlyTheRunSpecsThatWaitForIt() throws {
        var a = Self.v1, b = Self.v1
        a.id = PathId("/a")
        b.id = PathId("/b")
        var a2 = Self.v2, b2 = Self.v2
        a2.id = a.id
        b2.id = b.id
        a2.labels[StrategyRegistry.label] = "canary:steps=50,pause,100"
        b2.labels[StrategyRegistry.label] = "canary:steps=50,pause:10m,100"
        var simulation = Simulation(GroupDefinition(id: .root, apps: [a, b]), extra: [.app(a2), .app(b2)], strategy: SelectedStrategy())
        simulation.deploy(GroupDefinition(id: .root, apps: [a2, b2]))
        simulation.run(until: 120, stopWhen: { _ in false })
        #expect(simulation.core.awaitingPromotion == [PathId("/a")])
        simulation.core.promote()
        simulation.events += simulation.core.takeEvents()
        let entered = Self.steps(simulation).filter { $0.time == simulation.core.now }
        #expect(entered.map(\.status.title) == ["setWeight 100"], "only /a moves on: \(entered.map(\.status.title))")
        simulation.run()
        #expect(simulation.core.outcome == .succeeded)
        let bFull = try #require(simulation.events.last { event in
            if case .strategyStep(_, PathId("/b"), let status) = event.kind { status.title == "setWeight 100" } else { false }
        })
        #expect(bFull.time > 600, "/b's pause ran its 10 minutes")
    }

    @Test func aGateWhoseTimerRanOutWhilePausedStillNeedsItsTimeAfterACanaryFailedMeanwhile() throws {
        var crashing = Self.v2
        crashing.labels["ROLLWATCH_SIM_CRASH_AFTER_SECONDS"] = "30"
        let strategy = try StrategyRegistry.parse("canary:steps=20,gate:15s,100")
        var probe = Simulation(Self.v1, to: crashing, strategy: strategy)
        probe.deploy(crashing)
        probe.run(until: 600, stopWhen: { _ in false })
        let gateStart = try #require(Self.steps(probe).first { $0.status.until != nil }?.time)
        // Pause while the gate's timer runs, stay paused past its end and past the canary instances' crash.
        var simulation = Simulation(Self.v1, to: crashing, strategy: strategy)
        simulation.deploy(crashing)
        simulation.run(until: gateStart + 1, stopWhen: { _ in false })
        simulation.core.pause()
        simulation.run(until: gateStart + 60, stopWhen: { _ in false })
        #expect(simulation.statuses("TASK_FAILED").contains { $0.ref.version == "v2" }, "a canary instance failed while paused")
        simulation.core.resume()
        simulation.events += simulation.core.takeEvents()
        simulation.run(until: 600, stopWhen: { _ in false })
        #expect(Self.steps(simulation).contains { $0.status.waitingFor.contains("starts over") })
        // Whenever the gate passes, every canary instance has been healthy for its 15 s.
        do {
            let passed = try #require(Self.steps(simulation).first(where: { $0.status.title == "setWeight 100" })?.time,
                                      "the gate passes between crashes")
            let lastHealthy = simulation.events.last { event in
                guard event.time <= passed, case .instanceHealthChanged(let ref, true) = event.kind else { return false }
                return ref.version == "v2"
            }?.time ?? 0
            let lastFailure = simulation.statuses("TASK_FAILED").filter { $0.ref.version == "v2" && $0.time <= passed }.map(\.time).max() ?? 0
            #expect(passed >= max(lastHealthy, lastFailure) + 15 - 1e-9, "passed at t=\(passed), last healthy t=\(lastHealthy)")
        }
    }
}
