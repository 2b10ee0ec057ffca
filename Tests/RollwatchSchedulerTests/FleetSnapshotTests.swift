import RollwatchCore
import RollwatchScheduler
import RollwatchSim
import Testing

/// The fleet a watcher folds from events agrees with the scheduler at every step of a real simulated upgrade.
@Suite struct FleetSnapshotTests {
    /// Alive (not terminal), not being killed, and healthy instances of a version, as the fold sees them.
    static func healthy(_ fleet: FleetSnapshot, version: String) -> Int {
        fleet.orderedInstances.filter { $0.ref.version == version && !$0.isTerminal && $0.taskStatus != "TASK_KILLING" && $0.healthy == true }.count
    }

    static func alive(_ fleet: FleetSnapshot, version: String) -> Int {
        fleet.orderedInstances.filter { $0.ref.version == version && $0.taskStatus != nil && !$0.isTerminal }.count
    }

    @Test func theFoldMatchesTheSchedulersCountsAtEveryProgressEventOfTheSeedUpgrade() throws {
        let from = try SimulatedDeploymentTests.example("python-web.json")
        let to = try SimulatedDeploymentTests.example("python-web-v2.json")
        let core = Simulation(from, to: to).core
        var fleet = core.fleetSnapshot()
        #expect(fleet.order.count == 20)
        #expect(Self.healthy(fleet, version: "v1") == 20)
        #expect(fleet.phase == .idle)

        core.deploy(GroupDefinition(id: .root, apps: [to]), newVersions: [to.id: "v2"])
        var checked = 0
        var sawPaused = false
        var step = 0
        while core.deployment != nil, let next = core.nextEventTime, next <= 3_600 {
            core.advance(to: next)
            for event in core.takeEvents() {
                fleet.apply(event)
                if case .rolloutProgress(let progress) = event.kind {
                    #expect(Self.healthy(fleet, version: "v1") == progress.old.healthy, "old healthy at t=\(event.time)")
                    #expect(Self.healthy(fleet, version: "v2") == progress.new.healthy, "new healthy at t=\(event.time)")
                    #expect(Self.alive(fleet, version: "v2") == progress.new.alive, "new alive at t=\(event.time)")
                    checked += 1
                }
                sawPaused = sawPaused || fleet.phase == .paused
                step = max(step, fleet.step)
            }
        }
        #expect(checked > 20)
        #expect(!sawPaused)
        #expect(step == fleet.plan?.steps.count)
        #expect(fleet.phase == .succeeded)
        #expect(Self.healthy(fleet, version: "v2") == 20)
        #expect(Self.alive(fleet, version: "v1") == 0)
        let newInstance = try #require(fleet.orderedInstances.last)
        #expect(newInstance.ref.version == "v2" && !newInstance.ref.host.isEmpty)
        #expect(newInstance.history.map(\.what).prefix(3) == ["TASK_STAGING", "TASK_STARTING", "TASK_RUNNING"])
        #expect(newInstance.history.contains { $0.what == "healthy" })

        fleet.forgetTerminal(olderThan: 0)
        #expect(fleet.order.count == 20)
        #expect(fleet.orderedInstances.allSatisfy { $0.ref.version == "v2" })
    }

    @Test func pauseAndAbortShowInThePhase() throws {
        let from = try SimulatedDeploymentTests.example("python-web.json")
        let to = try SimulatedDeploymentTests.example("python-web-v2.json")
        let core = Simulation(from, to: to).core
        var fleet = core.fleetSnapshot()
        core.deploy(GroupDefinition(id: .root, apps: [to]), newVersions: [to.id: "v2"])
        core.takeEvents().forEach { fleet.apply($0) }
        #expect(fleet.phase == .running)
        core.pause()
        core.takeEvents().forEach { fleet.apply($0) }
        #expect(fleet.phase == .paused)
        core.resume()
        core.takeEvents().forEach { fleet.apply($0) }
        #expect(fleet.phase == .running)
        core.abort(rollBack: false)
        core.takeEvents().forEach { fleet.apply($0) }
        #expect(fleet.phase == .failed(reason: "The upgrade has been cancelled"))
    }

    @Test func aWatcherAttachingMidDeploymentStartsFromTheRightPhaseStepAndCounts() throws {
        let from = try SimulatedDeploymentTests.example("python-web.json")
        let to = try SimulatedDeploymentTests.example("python-web-v2.json")
        let core = Simulation(from, to: to).core
        core.deploy(GroupDefinition(id: .root, apps: [to]), newVersions: [to.id: "v2"])
        for _ in 0..<40 {
            guard let next = core.nextEventTime else { break }
            core.advance(to: next)
        }
        _ = core.takeEvents()
        core.pause()
        _ = core.takeEvents()
        var fleet = core.fleetSnapshot()
        #expect(fleet.phase == .paused)
        #expect(fleet.step >= 1)
        #expect(fleet.progress[from.id] == core.progress(of: from.id))
        #expect(Self.healthy(fleet, version: "v1") == core.progress(of: from.id).old.healthy)
        #expect(Self.alive(fleet, version: "v2") == core.progress(of: from.id).new.alive)
        core.resume()
        while core.deployment != nil, let next = core.nextEventTime, next <= 3_600 {
            core.advance(to: next)
            core.takeEvents().forEach { fleet.apply($0) }
        }
        core.takeEvents().forEach { fleet.apply($0) }
        #expect(fleet.phase == .succeeded)
        #expect(Self.healthy(fleet, version: "v2") == 20)
    }

    @Test func aCanarysStepsBelongToThePlanStepThatRunsThem() {
        let app = AppDefinition(id: PathId("/web"), cmd: "sleep 1", instances: 2)
        var next = app
        next.cmd = "sleep 2"
        let plan = DeploymentPlan(from: GroupDefinition(id: .root, apps: [app]), to: GroupDefinition(id: .root, apps: [next]))
        var fleet = FleetSnapshot()
        let status = StrategyStepStatus(index: 1, titles: ["setWeight 50", "pause", "setWeight 100"], until: nil, waitingFor: "a promotion (>)",
                                        promotable: true, fullyPromotable: true)
        fleet.apply(RolloutEvent(time: 0, kind: .deploymentInfo(planId: "d1", plan: plan, step: 1)))
        fleet.apply(RolloutEvent(time: 1, kind: .strategyStep(planId: "d1", appId: app.id, status)))
        fleet.apply(RolloutEvent(time: 1, kind: .awaitingPromotion(planId: "d1", appId: app.id)))
        #expect(fleet.strategySteps[app.id] == status && fleet.awaitingPromotion == [app.id])
        fleet.apply(RolloutEvent(time: 2, kind: .strategyStep(planId: "d1", appId: app.id, StrategyStepStatus(index: 2, titles: status.titles,
                                                                                                            until: nil, waitingFor: ""))))
        #expect(fleet.awaitingPromotion.isEmpty, "a step entered after the pause ends the wait")
        fleet.apply(RolloutEvent(time: 3, kind: .deploymentStepSuccess(planId: "d1", plan: plan, step: 1)))
        #expect(fleet.strategySteps.isEmpty, "a finished step's canary is not shown beside the next step")
        fleet.apply(RolloutEvent(time: 4, kind: .strategyStep(planId: "other", appId: app.id, status)))
        #expect(fleet.strategySteps.isEmpty, "another deployment's steps are ignored")
    }
}
