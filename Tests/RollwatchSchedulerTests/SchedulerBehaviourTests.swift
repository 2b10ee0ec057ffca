import RollwatchCore
import RollwatchScheduler
import RollwatchSim
import Testing

/// The scheduler over whole deployments: invariants, groups, failures, pause, abort and scaling.
@Suite struct SchedulerBehaviourTests {
    static let v1 = app(#"{"id": "/web", "cmd": "sleep 3 && serve", "instances": 10, "cpus": 0.5, "mem": 256, "healthChecks": [{"protocol": "HTTP", "gracePeriodSeconds": 20, "intervalSeconds": 2, "timeoutSeconds": 1}], "upgradeStrategy": {"minimumHealthCapacity": 0.8, "maximumOverCapacity": 0.2}}"#)
    static let v2 = app(#"{"id": "/web", "cmd": "sleep 4 && serve --v2", "instances": 10, "cpus": 0.5, "mem": 256, "healthChecks": [{"protocol": "HTTP", "gracePeriodSeconds": 20, "intervalSeconds": 2, "timeoutSeconds": 1}], "upgradeStrategy": {"minimumHealthCapacity": 0.8, "maximumOverCapacity": 0.2}}"#)
    static let broken = app(#"{"id": "/web", "cmd": "sleep 4 && serve --broken", "instances": 10, "cpus": 0.5, "mem": 256, "labels": {"ROLLWATCH_SIM_HEALTHY": "false"}, "healthChecks": [{"protocol": "HTTP", "gracePeriodSeconds": 20, "intervalSeconds": 2, "timeoutSeconds": 1}], "upgradeStrategy": {"minimumHealthCapacity": 0.8, "maximumOverCapacity": 0.2}}"#)

    @Test(arguments: [(0.85, 0.15), (1.0, 0.0), (0.0, 0.0), (0.5, 0.5), (1.0, 1.0), (0.7, 0.3)])
    func capacityInvariantsHoldForEveryStrategy(_ shares: (Double, Double)) {
        let strategy = #""upgradeStrategy": {"minimumHealthCapacity": \#(shares.0), "maximumOverCapacity": \#(shares.1)}"#
        let from = app(#"{"id": "/web", "cmd": "sleep 2", "instances": 12, "cpus": 0.1, "mem": 64, "healthChecks": [{"intervalSeconds": 1}], \#(strategy)}"#)
        let to = app(#"{"id": "/web", "cmd": "sleep 3", "instances": 12, "cpus": 0.1, "mem": 64, "healthChecks": [{"intervalSeconds": 1}], \#(strategy)}"#)
        var simulation = Simulation(from, to: to)
        simulation.deploy(to)
        simulation.run()
        let expected = RestartStrategy(steady: .app(to))
        #expect(simulation.core.outcome == .succeeded)
        for progress in simulation.progress {
            #expect(progress.old.alive + progress.new.alive <= expected.maxCapacity)
            #expect(progress.old.healthy + progress.new.healthy >= min(expected.minHealthy, 12 - expected.killImmediately))
        }
        #expect(simulation.progress.last?.new == RolloutProgress.Counts(alive: 12, healthy: 12))
    }

    @Test func aGroupDeploysDependenciesFirst() throws {
        let report = DefinitionLoader.load(Array(#"""
        {"id": "/shop", "apps": [
          {"id": "db", "cmd": "sleep 2", "instances": 2, "healthChecks": [{"protocol": "TCP", "intervalSeconds": 1}]},
          {"id": "api", "cmd": "sleep 2", "instances": 3, "dependencies": ["db"], "healthChecks": [{"intervalSeconds": 1}]},
          {"id": "web", "cmd": "sleep 2", "instances": 3, "dependencies": ["api"]}]}
        """#.utf8))
        guard case .group(let before)? = report.definition else { throw Failure.fixture }
        var after = before
        for index in after.apps.indices { after.apps[index].cmd = "sleep 1 && v2" }
        var simulation = Simulation(GroupDefinition(id: .root, groups: [before]))
        simulation.deploy(GroupDefinition(id: .root, groups: [after]))
        simulation.run()
        #expect(simulation.core.outcome == .succeeded)
        let launches = simulation.statuses("TASK_STAGING")
        func firstLaunch(_ app: String) -> Double { launches.first { $0.ref.appId == PathId(app) }?.time ?? -1 }
        let stepEnds = simulation.events.filter { $0.eventType == "deployment_step_success" }.map(\.time)
        #expect(stepEnds.count == 3)
        #expect(firstLaunch("/shop/db") == 0)
        #expect(firstLaunch("/shop/api") == stepEnds[0])
        #expect(firstLaunch("/shop/web") == stepEnds[1])
    }

    enum Failure: Error { case fixture }

    @Test func aVersionThatNeverTurnsHealthyIsKilledRelaunchedWithBackOffAndNeverCompletes() {
        var simulation = Simulation(Self.v1, to: Self.broken)
        simulation.deploy(Self.broken)
        simulation.run(until: 600)
        #expect(simulation.core.deployment != nil, "Marathon's deployments wait forever")
        let kills = simulation.events.filter { $0.eventType == "unhealthy_instance_kill_event" }
        #expect(!kills.isEmpty)
        // Failures are ignored during the 20 s grace period; then the 4th counted failure kills (probes every 2 s).
        let firstRunning = simulation.statuses("TASK_RUNNING").first { $0.ref.version == "v2" }?.time ?? 0
        let firstKill = kills.first?.time ?? 0
        #expect(firstKill - firstRunning >= 20 + 3 * 2)
        #expect(firstKill - firstRunning <= 20 + 4 * 2 + 2)
        // Old instances are never killed beyond the first batch: healthy never drops below the minimum.
        #expect(simulation.progress.allSatisfy { $0.old.healthy + $0.new.healthy >= 8 })
        // Relaunch delays grow: 1 s, then × 1.15 per failure.
        let relaunches = simulation.statuses("TASK_STAGING").filter { $0.message.hasPrefix("relaunched") }
        #expect(relaunches.count >= 2)
    }

    @Test func oldInstancesThatCrashFreeCapacity() {
        let crashing = app(#"{"id": "/web", "cmd": "sleep 1", "instances": 4, "labels": {"ROLLWATCH_SIM_CRASH_AFTER_SECONDS": "5"}, "upgradeStrategy": {"minimumHealthCapacity": 1, "maximumOverCapacity": 0}}"#)
        let next = app(#"{"id": "/web", "cmd": "sleep 30", "instances": 4, "upgradeStrategy": {"minimumHealthCapacity": 1, "maximumOverCapacity": 0}}"#)
        var simulation = Simulation(crashing, to: next)
        simulation.deploy(next)
        simulation.run(until: 200)
        let failures = simulation.statuses("TASK_FAILED").filter { $0.ref.version == "v1" }
        #expect(!failures.isEmpty)
        #expect(simulation.core.outcome == .succeeded)
        // Crashed old instances are decommissioned, not relaunched, and each frees room for a new one.
        #expect(!simulation.statuses("TASK_STAGING").contains { $0.ref.version == "v1" })
        let firstCrash = failures[0].time
        #expect(simulation.statuses("TASK_STAGING").contains { $0.ref.version == "v2" && $0.time == firstCrash })
    }

    @Test func pauseStopsKillsAndLaunchesUntilResume() {
        var simulation = Simulation(Self.v1, to: Self.v2)
        simulation.deploy(Self.v2)
        simulation.run(until: 12)
        simulation.core.pause()
        simulation.events += simulation.core.takeEvents()
        let countBefore = simulation.events.count
        simulation.run(until: 200, stopWhen: { _ in false })
        let whilePaused = simulation.events[countBefore...]
        #expect(!whilePaused.contains { if case .statusUpdate(_, let status, _) = $0.kind { return status == "TASK_KILLING" || status == "TASK_STAGING" } else { return false } })
        #expect(simulation.core.deployment?.paused == true)
        simulation.core.resume()
        simulation.events += simulation.core.takeEvents()
        simulation.run()
        #expect(simulation.core.outcome == .succeeded)
    }

    @Test func abortWithRollBackRestoresTheOldVersionAllHealthy() {
        var simulation = Simulation(Self.v1, to: Self.broken)
        simulation.deploy(Self.broken)
        simulation.run(until: 60)
        simulation.core.abort(rollBack: true)
        simulation.events += simulation.core.takeEvents()
        simulation.run()
        #expect(simulation.core.outcome == .rolledBack(completed: true))
        let failed = simulation.events.filter { $0.eventType == "deployment_failed" }
        #expect(failed.count == 1)
        let last = simulation.progress.last
        #expect(last?.new == RolloutProgress.Counts(alive: 10, healthy: 10), "v1 is the version rolled back to")
        #expect(last?.old.alive == 0)
        #expect(simulation.core.versions[PathId("/web")] == "v1")
    }

    @Test func abortWithStopLeavesTheFleetAsItIs() {
        var simulation = Simulation(Self.v1, to: Self.v2)
        simulation.deploy(Self.v2)
        simulation.run(until: 8)
        let killing = simulation.core.instances.values.filter { $0.condition == .killing }.count
        let before = simulation.core.progress(of: PathId("/web"))
        simulation.core.abort(rollBack: false)
        #expect(simulation.core.deployment == nil)
        #expect(simulation.core.outcome == .cancelled(reason: "The upgrade has been cancelled"))
        simulation.events += simulation.core.takeEvents()
        let afterAbort = simulation.events.count
        simulation.run(until: 600, stopWhen: { _ in false })
        let later = simulation.events.dropFirst(afterAbort)
        #expect(!later.contains { if case .statusUpdate(_, let status, _) = $0.kind { return status == "TASK_KILLING" || status == "TASK_STAGING" } else { return false } },
                "nothing more is killed or launched")
        let after = simulation.core.progress(of: PathId("/web"))
        #expect(after.old.alive + after.new.alive == before.old.alive + before.new.alive - killing, "only the kills in flight finish")
        #expect(after.old.alive > 0 && after.new.alive > 0, "the fleet stays mixed")
    }

    @Test func scalingOnlyLaunchesTheDifference() {
        var bigger = Self.v1
        bigger.instances = 13
        var simulation = Simulation(Self.v1, to: bigger)
        simulation.deploy(bigger)
        simulation.run()
        #expect(simulation.core.outcome == .succeeded)
        #expect(simulation.statuses("TASK_STAGING").count == 3)
        #expect(simulation.statuses("TASK_KILLING").isEmpty)
        #expect(simulation.events.first.map { if case .deploymentInfo(_, let plan, _) = $0.kind { return plan.steps[0].actions[0].name } else { return "" } } == "ScaleApplication")
    }

    @Test func aRollingRestartReplacesEveryInstance() {
        var simulation = Simulation(Self.v1)
        simulation.deploy(GroupDefinition(id: .root, apps: [Self.v1]), restartAll: true)
        simulation.run()
        #expect(simulation.core.outcome == .succeeded)
        #expect(simulation.statuses("TASK_KILLED").count == 10)
        #expect(simulation.statuses("TASK_RUNNING").count == 10)
    }

    @Test func readinessChecksWithoutHealthChecksGateAndComplete() {
        let from = app(#"{"id": "/web", "cmd": "sleep 2", "instances": 4, "portDefinitions": [{"name": "http-api"}], "readinessChecks": [{"intervalSeconds": 5, "timeoutSeconds": 2}], "upgradeStrategy": {"minimumHealthCapacity": 0.5, "maximumOverCapacity": 0}}"#)
        var to = from
        to.cmd = "sleep 3"
        var simulation = Simulation(from, to: to)
        simulation.deploy(to)
        simulation.run()
        #expect(simulation.core.outcome == .succeeded)
        #expect(simulation.progress.last?.new == RolloutProgress.Counts(alive: 4, healthy: 4))
    }

    @Test func statusFieldsOfASavedAPIAnswerDoNotTriggerARestart() {
        let saved = app(#"{"id": "/web", "cmd": "x", "instances": 2, "tasksRunning": 2, "versionInfo": {"lastConfigChangeAt": "2026-01-01T00:00:00Z"}}"#)
        let later = app(#"{"id": "/web", "cmd": "x", "instances": 3, "tasksRunning": 3, "tasksHealthy": 3, "versionInfo": {"lastScalingAt": "2026-02-01T00:00:00Z"}}"#)
        let plan = DeploymentPlan(from: GroupDefinition(id: .root, apps: [saved]), to: GroupDefinition(id: .root, apps: [later]))
        #expect(plan.steps.map { $0.actions.map(\.name) } == [["ScaleApplication"]])
    }

    @Test func aZeroIntervalFailingCheckDoesNotStopTime() {
        let steady = app(#"{"id": "/web", "cmd": "sleep 1", "instances": 2, "upgradeStrategy": {"minimumHealthCapacity": 0.5, "maximumOverCapacity": 0}}"#)
        let broken = app(#"{"id": "/web", "cmd": "sleep 0", "instances": 2, "backoffSeconds": 0, "labels": {"ROLLWATCH_SIM_HEALTHY": "false"}, "healthChecks": [{"gracePeriodSeconds": 0, "intervalSeconds": 0, "maxConsecutiveFailures": 0}], "upgradeStrategy": {"minimumHealthCapacity": 0.5, "maximumOverCapacity": 0}}"#)
        var simulation = Simulation(steady, to: broken)
        simulation.deploy(broken)
        simulation.run(until: 5)
        #expect(simulation.core.now <= 5.1)
        #expect(simulation.core.deployment != nil)
    }

    @Test func aResidentInstanceThatCrashesComesBackOnItsAgent() {
        let resident = app(#"{"id": "/db", "cmd": "sleep 1", "instances": 2, "container": {"volumes": [{"containerPath": "data", "mode": "RW", "persistent": {"size": 10}}]}, "labels": {"ROLLWATCH_SIM_CRASH_AFTER_SECONDS": "20"}}"#)
        var next = resident
        next.labels["v"] = "2"
        var simulation = Simulation(resident, to: next)
        simulation.deploy(next)
        simulation.run(until: 120, stopWhen: { _ in false })
        let crashes = simulation.statuses("TASK_FAILED").filter { $0.ref.version == "v2" }
        #expect(!crashes.isEmpty)
        for crash in crashes {
            let comeback = simulation.statuses("TASK_RUNNING").first { $0.ref.instanceId == crash.ref.instanceId && $0.time > crash.time }
            #expect(comeback?.ref.host == crash.ref.host, "\(crash.ref.instanceId) came back on \(comeback?.ref.host ?? "nothing"), not \(crash.ref.host)")
        }
    }

    @Test func surgeThatCannotBePlacedWaitsAndSaysWhy() {
        let unique = app(#"{"id": "/web", "cmd": "sleep 1", "instances": 3, "constraints": [["hostname", "UNIQUE"]], "upgradeStrategy": {"minimumHealthCapacity": 1, "maximumOverCapacity": 0.5}}"#)
        var next = unique
        next.cmd = "sleep 2"
        let agents = (1...3).map { SimAgent(hostname: "a\($0)") }
        var simulation = Simulation(unique, to: next, agents: agents)
        simulation.deploy(next)
        simulation.run()
        #expect(simulation.core.deployment != nil)
        #expect(simulation.core.nextEventTime == nil, "nothing more can happen")
        let waiting = simulation.events.compactMap { event -> String? in
            if case .instanceUnplaceable(_, let reason) = event.kind { return reason }
            return nil
        }
        #expect(waiting.first == "no agent can take it: of 3 agents, 3 break hostname:UNIQUE")
    }
}
