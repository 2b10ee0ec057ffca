import RollwatchCore
import RollwatchScheduler
import RollwatchSim
import Testing

/// The pluggable strategies: Kubernetes' rounding and validation, and whole simulated deployments under each,
/// checked for their capacity invariants.
@Suite struct StrategyTests {
    static let v1 = app(#"{"id": "/web", "cmd": "sleep 3", "instances": 10, "healthChecks": [{"intervalSeconds": 2}]}"#)
    static let v2 = app(#"{"id": "/web", "cmd": "sleep 4", "instances": 10, "healthChecks": [{"intervalSeconds": 2}]}"#)

    @Test(arguments: [(1, 1, 0), (3, 1, 0), (4, 1, 1), (10, 3, 2)])
    func kubernetesDefaultsRoundSurgeUpAndUnavailableDown(replicas: Int, surge: Int, unavailable: Int) {
        let resolved = KubernetesStrategy().resolved(for: replicas)
        #expect(resolved.maxSurge == surge && resolved.maxUnavailable == unavailable)
    }

    @Test func bothResolvingToZeroMakesUnavailableOne() throws {
        let strategy = try #require(try StrategyRegistry.parse("kubernetes:maxSurge=0,maxUnavailable=1%") as? KubernetesStrategy)
        #expect(strategy.resolved(for: 2) == (maxSurge: 0, maxUnavailable: 1))
        #expect(strategy.resolved(for: 100) == (maxSurge: 0, maxUnavailable: 1))
        #expect(strategy.resolved(for: 300) == (maxSurge: 0, maxUnavailable: 3))
    }

    @Test func specsAreCheckedWithKubernetesWording() throws {
        for spec in ["kubernetes:maxSurge=0,maxUnavailable=0", "kubernetes:maxSurge=0%,maxUnavailable=0"] {
            #expect(throws: StrategyRegistry.SpecError.self) { try StrategyRegistry.parse(spec) }
            do {
                _ = try StrategyRegistry.parse(spec)
            } catch {
                #expect(error.description.contains("may not be 0 when `maxSurge` is 0"))
                #expect(error.description.contains("the syntax is marathon | recreate | kubernetes["))
            }
        }
        let failures = ["kubernetes:maxUnavailable=101%", "kubernetes:maxSurge=-1", "kubernetes:surge=1", "kubernetes:maxSurge",
                        "canary:steps=50,10", "recreate:fast=1", "kubernetes:maxSurge=1,maxSurge=2", "kubernetes:minReadySeconds=x"]
        for spec in failures {
            #expect(throws: StrategyRegistry.SpecError.self, "\(spec)") { try StrategyRegistry.parse(spec) }
        }
        #expect(try StrategyRegistry.parse(" Kubernetes:maxSurge=25%, maxUnavailable=0 ").name == "kubernetes")
        #expect(try StrategyRegistry.parse("recreate").name == "recreate")
        #expect(try StrategyRegistry.parse("marathon").name == "marathon")
    }

    /// Runs v1 → v2 under `strategy` and checks alive ≤ maxCapacity and healthy ≥ minHealthy after every change.
    static func deploy(_ strategy: any RolloutStrategy, minHealthy: Int, maxCapacity: Int) -> Simulation {
        var simulation = Simulation(v1, to: v2, strategy: strategy)
        simulation.deploy(v2)
        simulation.run()
        #expect(simulation.core.outcome == .succeeded, "\(strategy.summary)")
        for progress in simulation.progress {
            #expect(progress.old.alive + progress.new.alive <= maxCapacity, "\(strategy.summary): \(progress)")
            #expect(progress.old.healthy + progress.new.healthy >= minHealthy, "\(strategy.summary): \(progress)")
        }
        let last = simulation.progress.last
        #expect(last?.new.healthy == 10 && last?.old.alive == 0)
        return simulation
    }

    @Test(arguments: ["kubernetes", "kubernetes:maxSurge=0,maxUnavailable=2", "kubernetes:maxSurge=3,maxUnavailable=0",
                      "kubernetes:maxSurge=100%,maxUnavailable=0", "kubernetes:maxSurge=1,maxUnavailable=1"])
    func kubernetesKeepsItsBoundsOverAWholeDeployment(_ spec: String) throws {
        let strategy = try #require(try StrategyRegistry.parse(spec) as? KubernetesStrategy)
        let (surge, unavailable) = strategy.resolved(for: 10)
        let simulation = Self.deploy(strategy, minHealthy: 10 - unavailable, maxCapacity: 10 + surge)
        // At the start the surge is launched and the unavailable share killed at once; the killed count until gone.
        #expect(simulation.statuses("TASK_STAGING").filter { $0.time == 0 }.count == min(10, surge), "\(spec)")
        #expect(simulation.statuses("TASK_KILLING").filter { $0.time == 0 }.count == unavailable, "\(spec)")
    }

    @Test func minReadySecondsHoldsEachNewInstanceBackBeforeItCounts() throws {
        let quick = Self.deploy(try StrategyRegistry.parse("kubernetes:maxSurge=1,maxUnavailable=0"), minHealthy: 10, maxCapacity: 11)
        let careful = Self.deploy(try StrategyRegistry.parse("kubernetes:maxSurge=1,maxUnavailable=0,minReadySeconds=10"), minHealthy: 10, maxCapacity: 11)
        let quickTime = try #require(quick.events.last?.time), carefulTime = try #require(careful.events.last?.time)
        // Ten waves, each at least 10 s longer.
        #expect(carefulTime >= quickTime + 100 - 1e-6, "\(quickTime) s without, \(carefulTime) s with minReadySeconds=10")
        // No old instance is killed before the new one it waits for has been healthy for 10 s.
        let healthy = careful.events.compactMap { event -> Double? in
            if case .instanceHealthChanged(let ref, true) = event.kind, ref.version == "v2" { return event.time } else { return nil }
        }
        let kills = careful.statuses("TASK_KILLING").filter { $0.ref.version == "v1" }.map(\.time)
        #expect(kills.count == 10)
        for (index, kill) in kills.enumerated() where index < healthy.count {
            #expect(kill >= healthy[index] + 10 - 1e-9, "kill \(index) at \(kill), new healthy at \(healthy[index])")
        }
    }

    @Test func recreateStopsEveryOldInstanceBeforeTheFirstNewOneStarts() {
        let simulation = Self.deploy(RecreateStrategy(), minHealthy: 0, maxCapacity: 10)
        let lastOldGone = simulation.statuses("TASK_KILLED").filter { $0.ref.version == "v1" }.map(\.time).max() ?? 0
        let firstNew = simulation.statuses("TASK_STAGING").filter { $0.ref.version == "v2" }.map(\.time).min() ?? 0
        #expect(simulation.statuses("TASK_KILLED").filter { $0.ref.version == "v1" }.count == 10)
        #expect(firstNew >= lastOldGone)
        #expect(simulation.progress.contains { $0.old.healthy + $0.new.healthy == 0 }, "the app is down in between")
    }

    @Test func theLabelChoosesAndTheCommandLineWins() throws {
        var labelled = Self.v2
        labelled.labels[StrategyRegistry.label] = "recreate"
        #expect(SelectedStrategy().strategy(for: .app(labelled)).name == "recreate")
        #expect(SelectedStrategy().strategy(for: .app(Self.v2)).name == "marathon")
        let chosen = SelectedStrategy(chosen: try StrategyRegistry.parse("kubernetes"))
        #expect(chosen.strategy(for: .app(labelled)).name == "kubernetes")
    }

    @Test func aLabelThatNamesNoStrategyIsAValidationErrorAtItsPath() {
        let bad = DefinitionLoader.load(Array(#"{"id": "/web", "cmd": "x", "labels": {"ROLLWATCH_STRATEGY": "kubernetes:maxSurge=0,maxUnavailable=0"}}"#.utf8))
        #expect(!bad.isValid)
        #expect(bad.errors.contains { $0.path.description == "/labels/ROLLWATCH_STRATEGY" && $0.message.contains("may not be 0 when `maxSurge` is 0") })
        let pod = DefinitionLoader.load(Array(#"{"id": "/p", "labels": {"ROLLWATCH_STRATEGY": "bluegreen"}, "containers": [{"name": "c", "resources": {"cpus": 0.1, "mem": 32}, "exec": {"command": {"shell": "sleep 1"}}}]}"#.utf8))
        #expect(pod.errors.contains { $0.path.description == "/labels/ROLLWATCH_STRATEGY" && $0.message.contains("names no strategy") })
        let good = DefinitionLoader.load(Array(#"{"id": "/web", "cmd": "x", "labels": {"ROLLWATCH_STRATEGY": "recreate"}}"#.utf8))
        #expect(good.isValid)
    }

    @Test func theProgressDeadlineIsNotCountedWhilePaused() {
        var broken = Self.v2
        broken.labels["ROLLWATCH_SIM_HEALTHY"] = "false"
        var simulation = Simulation(Self.v1, to: broken)
        simulation.core.progressDeadline = 30
        simulation.deploy(broken)
        simulation.run(until: 10)
        simulation.core.pause()
        simulation.run(until: 100, stopWhen: { _ in false })
        simulation.core.advance(to: 100)
        #expect(simulation.core.deployment != nil && simulation.core.failure == nil, "paused for 90 s, past the deadline")
        simulation.core.resume()
        simulation.run(until: 129)
        #expect(simulation.core.failure == nil, "the deadline counts again from the resume")
        simulation.run(until: 200)
        #expect(simulation.core.failure?.contains("no progress for 30 s") == true)
        #expect(simulation.core.deployment == nil)
    }

    @Test(arguments: ["kubernetes", "kubernetes:maxSurge=0,maxUnavailable=1", "recreate"])
    func aNewVersionThatCrashesKeepsTheBoundsAndIsNotCountedAvailable(_ spec: String) throws {
        var crashing = Self.v2
        crashing.labels["ROLLWATCH_SIM_CRASH_AFTER_SECONDS"] = "8"
        let strategy = try StrategyRegistry.parse(spec)
        var simulation = Simulation(Self.v1, to: crashing, strategy: strategy)
        simulation.deploy(crashing)
        simulation.run(until: 600)
        let (surge, unavailable) = (strategy as? KubernetesStrategy)?.resolved(for: 10) ?? (0, 10)
        for progress in simulation.progress {
            #expect(progress.old.alive + progress.new.alive <= 10 + surge, "\(spec): \(progress)")
        }
        // Crashes may take the healthy below the minimum (as in Kubernetes), but no old instance is killed into
        // it: the counts just after each kill of an old instance are at the minimum or above.
        var killedAt: Double?
        for event in simulation.events {
            switch event.kind {
            case .statusUpdate(let ref, "TASK_KILLING", _) where ref.version == "v1":
                killedAt = event.time
            case .rolloutProgress(let progress) where killedAt == event.time:
                #expect(progress.old.healthy + progress.new.healthy >= 10 - unavailable, "\(spec): kills at t=\(event.time): \(progress)")
                killedAt = nil
            default:
                break
            }
        }
        if strategy is KubernetesStrategy {
            #expect(!simulation.statuses("TASK_FAILED").isEmpty)
            // One at a time, each new instance crashes before all are available: it never completes.
            #expect(simulation.core.deployment != nil, "\(spec): a version that keeps crashing never completes")
        }
    }

    @Test func blueGreenStartsAFullNewSetSwitchesWhenAllAreReadyAndStopsTheOldSetAfterTheDelay() throws {
        let simulation = Self.deploy(try StrategyRegistry.parse("blue-green:scaleDownDelaySeconds=20"), minHealthy: 10, maxCapacity: 20)
        let switched = try #require(simulation.events.first { if case .trafficSwitched = $0.kind { true } else { false } }?.time)
        let newHealthy = simulation.events.compactMap { event -> Double? in
            if case .instanceHealthChanged(let ref, true) = event.kind, ref.version == "v2" { return event.time } else { return nil }
        }
        #expect(newHealthy.count == 10 && switched >= (newHealthy.max() ?? .infinity), "the switch waits for the whole new set")
        #expect(simulation.statuses("TASK_STAGING").filter { $0.ref.version == "v2" }.allSatisfy { $0.time == 0 }, "one launch of the full set")
        let oldKills = simulation.statuses("TASK_KILLING").filter { $0.ref.version == "v1" }.map(\.time)
        #expect(oldKills.count == 10 && oldKills.allSatisfy { $0 >= switched + 20 - 1e-9 })
        #expect(simulation.progress.contains { $0.old.alive + $0.new.alive == 20 }, "both sets run side by side")
    }

    @Test func blueGreenWithoutAutoPromotionWaitsForIt() throws {
        var simulation = Simulation(Self.v1, to: Self.v2, strategy: try StrategyRegistry.parse("blue-green:autoPromotion=false,scaleDownDelaySeconds=0"))
        simulation.deploy(Self.v2)
        simulation.run(until: 300)
        #expect(simulation.core.awaitingPromotion == [PathId("/web")])
        #expect(simulation.events.contains { if case .awaitingPromotion = $0.kind { true } else { false } })
        #expect(simulation.statuses("TASK_KILLING").isEmpty, "nothing old stops before the promotion")
        #expect(simulation.core.deployment != nil)
        simulation.core.promote()
        simulation.events += simulation.core.takeEvents()
        simulation.run()
        #expect(simulation.core.outcome == .succeeded)
        #expect(simulation.core.awaitingPromotion.isEmpty)
        #expect(simulation.statuses("TASK_KILLING").filter { $0.ref.version == "v1" }.count == 10)
        // Promoting what does not wait for it changes nothing.
        simulation.core.promote()
        #expect(simulation.core.takeEvents().isEmpty)
    }
}
