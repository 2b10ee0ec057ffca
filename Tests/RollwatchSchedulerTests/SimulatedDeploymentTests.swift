import Foundation
import RollwatchCore
import RollwatchScheduler
import RollwatchSim
import Testing

/// Whole deployments on the simulated cluster, checked event by event.
@Suite struct SimulatedDeploymentTests {
    /// The seed example and its v2, from Examples/.
    static func example(_ file: String) throws -> AppDefinition {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let report = DefinitionLoader.load([UInt8](try Data(contentsOf: root.appendingPathComponent("Examples/" + file))))
        guard case .app(let app)? = report.definition else { throw RunError.notAnApp(file) }
        return app
    }

    enum RunError: Error { case notAnApp(String) }

    /// A run of `from` → `to` on agents generated to fit, with a steady healthy fleet at the start.
    struct Run {
        var events: [RolloutEvent] = []
        let core: SchedulerCore
        let sim: SimCluster

        init(from: AppDefinition, to: AppDefinition, seed: UInt64 = 7, agents: [SimAgent]? = nil, limit: Double = 3_600) {
            sim = SimCluster(agents: agents ?? SimAgent.toFit([.app(from), .app(to)]), seed: seed)
            core = SchedulerCore(root: GroupDefinition(id: .root, apps: [from]), versions: [from.id: "v1"], driver: sim,
                                 strategy: MarathonStrategy())
            core.adopt(count: from.instances, of: .app(from), version: "v1", condition: .running, healthy: true)
            core.deploy(GroupDefinition(id: .root, apps: [to]), newVersions: [to.id: "v2"])
            events = core.takeEvents()
            while core.deployment != nil, let next = core.nextEventTime, next <= limit {
                core.advance(to: next)
                events += core.takeEvents()
            }
        }

        var progress: [RolloutProgress] {
            events.compactMap { if case .rolloutProgress(let progress) = $0.kind { return progress } else { return nil } }
        }
    }

    @Test func seedExampleUpgradesWithinMarathonsLimits() throws {
        let run = Run(from: try Self.example("python-web.json"), to: try Self.example("python-web-v2.json"))
        #expect(run.core.outcome == .succeeded)
        let progress = run.progress
        #expect(!progress.isEmpty)
        #expect(progress.allSatisfy { $0.minHealthy == 17 && $0.maxCapacity == 23 })
        #expect(progress.map { $0.old.alive + $0.new.alive }.max() == 23, "the surge reaches the maximum capacity")
        #expect(progress.allSatisfy { $0.old.alive + $0.new.alive <= 23 })
        #expect(progress.allSatisfy { $0.old.healthy + $0.new.healthy >= 17 })
        let last = try #require(progress.last)
        #expect(last.new == RolloutProgress.Counts(alive: 20, healthy: 20))
        #expect(last.old == RolloutProgress.Counts(alive: 0, healthy: 0))
        // The first thing that happens: three old instances are killed and three new ones launched.
        let first = run.events.prefix(8).map(\.eventType)
        #expect(first.first == "deployment_info")
        let initialKills = run.events.prefix { $0.time == 0 }.filter {
            if case .statusUpdate(_, let status, _) = $0.kind { return status == "TASK_KILLING" } else { return false }
        }
        let initialLaunches = run.events.prefix { $0.time == 0 }.filter {
            if case .statusUpdate(_, let status, _) = $0.kind { return status == "TASK_STAGING" } else { return false }
        }
        #expect(initialKills.count == 3 && initialLaunches.count == 3)
        #expect(run.events.last?.eventType == "deployment_success")
    }

    @Test func sameSeedGivesTheSameTraceAndAnotherSeedADifferentOne() throws {
        let from = try Self.example("python-web.json"), to = try Self.example("python-web-v2.json")
        let encoder = EventEncoder(epoch: SchedulerCore.epoch)
        let first = Run(from: from, to: to, seed: 1).events.map(encoder.text)
        let again = Run(from: from, to: to, seed: 1).events.map(encoder.text)
        let other = Run(from: from, to: to, seed: 2).events.map(encoder.text)
        #expect(first == again)
        #expect(first != other)
    }
}
