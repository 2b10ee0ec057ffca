import Foundation
import RollwatchCore
import RollwatchScheduler
import RollwatchScreens
import RollwatchSim
import RollwatchTUI
import Testing

/// The seed example's upgrade (20 instances, 0.85 / 0.15, python:3.5 → 3.6) run on the simulated cluster and
/// folded into a dashboard model at chosen moments, as a session would fold it: the screens' fixtures come from
/// real event traces, not from hand-made fleets.
struct DashboardFixture {
    let core: SchedulerCore
    var model: DashboardModel
    let current: GroupDefinition
    let target: GroupDefinition

    static let currentVersion = SchedulerCore.versionStamp(-3_600)
    static let targetVersion = SchedulerCore.versionStamp(0)

    /// The example's fleet, steady; `healthy` labels the new version (`false`: it never turns healthy).
    init(newVersionHealthy: Bool = true, strategy: any RolloutStrategy = MarathonStrategy()) throws {
        current = try Self.root("python-web.json")
        var targetApp = try Self.app("python-web-v2.json")
        if !newVersionHealthy { targetApp.labels["ROLLWATCH_SIM_HEALTHY"] = "false" }
        target = GroupDefinition(id: .root, apps: [targetApp])
        let specs = current.transitiveRunSpecs + target.transitiveRunSpecs
        let agents = SimAgent.toFit(specs)
        let sim = SimCluster(agents: agents, seed: 1)
        core = SchedulerCore(root: current, versions: [PathId("/python-web"): Self.currentVersion], driver: sim, strategy: strategy)
        for spec in current.transitiveRunSpecs {
            core.adopt(count: spec.instances, of: spec, version: Self.currentVersion, condition: .running, healthy: true)
        }
        model = DashboardModel(fleet: core.fleetSnapshot(), app: "/python-web", strategy: "rolling 0.85 / 0.15", driver: "SIM", speed: 10)
        model.agents = agents.map { agent in
            DashboardModel.Agent(hostname: agent.hostname, attributes: agent.attributes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                .joined(separator: " "), cpus: agent.cpus, mem: agent.mem)
        }
        model.resources = Dictionary(specs.map { ($0.id, $0.resourcesPerInstance) }, uniquingKeysWith: { first, _ in first })
    }

    /// Starts the upgrade to python-web-v2.json.
    mutating func upgrade() {
        core.deploy(target, newVersions: [PathId("/python-web"): Self.targetVersion])
        fold()
    }

    /// Runs the simulation to `time` (or until the deployment ends, with `untilDone`), folding every event.
    mutating func run(to time: Double, untilDone: Bool = false) {
        while let next = core.nextEventTime, next <= time {
            core.advance(to: next)
            fold()
            if untilDone && core.deployment == nil { return }
        }
        core.advance(to: time)
        fold()
    }

    mutating func pause() {
        core.pause()
        fold()
    }

    mutating func abort(rollBack: Bool) {
        core.abort(rollBack: rollBack)
        fold()
    }

    private mutating func fold() {
        model.apply(core.takeEvents(), time: core.now)
        if case .rolledBack = core.outcome { model.rolledBack = true }
        model.forgetTerminal(olderThan: 15)
    }

    // MARK: States the snapshots show

    static func beforeUpgrade() throws -> DashboardModel {
        try DashboardFixture().model
    }

    static func midUpgrade() throws -> DashboardModel {
        var fixture = try DashboardFixture()
        fixture.upgrade()
        fixture.run(to: 16)
        return fixture.model
    }

    /// A canary (`steps=10,50;pause=30s`) at `time`: 24 s is in its first pause, 8 s moves its first weight.
    static func canary(_ spec: String = "canary:steps=10,50;pause=30s", at time: Double) throws -> DashboardModel {
        var fixture = try DashboardFixture(strategy: try StrategyRegistry.parse(spec))
        fixture.model.strategy = "canary"
        fixture.upgrade()
        fixture.run(to: time)
        return fixture.model
    }

    static func paused() throws -> DashboardModel {
        var fixture = try DashboardFixture()
        fixture.upgrade()
        fixture.run(to: 12)
        fixture.pause()
        fixture.run(to: 40)
        return fixture.model
    }

    static func done() throws -> DashboardModel {
        var fixture = try DashboardFixture()
        fixture.upgrade()
        fixture.run(to: 600, untilDone: true)
        fixture.run(to: fixture.core.now + 20)
        return fixture.model
    }

    static func rolledBack() throws -> DashboardModel {
        var fixture = try DashboardFixture()
        fixture.upgrade()
        fixture.run(to: 16)
        fixture.abort(rollBack: true)
        fixture.run(to: 600, untilDone: true)
        fixture.run(to: fixture.core.now + 20)
        return fixture.model
    }

    /// A version whose instances never turn healthy: killed for their health, over and over, with the old ones
    /// held at the minimum.
    static func failing() throws -> DashboardModel {
        var fixture = try DashboardFixture(newVersionHealthy: false)
        fixture.upgrade()
        fixture.run(to: 150)
        return fixture.model
    }

    /// The same, then stopped where it is: the deployment ended without finishing.
    static func failed() throws -> DashboardModel {
        var fixture = try DashboardFixture(newVersionHealthy: false)
        fixture.upgrade()
        fixture.run(to: 150)
        fixture.abort(rollBack: false)
        fixture.run(to: 151)
        return fixture.model
    }

    /// The preview the upgrade dialog shows for the example (the numbers `rollwatch plan` predicts).
    static let preview = UpgradePreview(isRestart: false, title: "Deploy python-web-v2.json over what runs", strategy: "rolling 0.85 / 0.15",
                                        steps: ["restart /python-web"],
                                        restarts: [UpgradePreview.Restart(app: "/python-web", minHealthy: 17, maxCapacity: 23, killImmediately: 3)],
                                        predictedDuration: 32, completes: true, warnings: [])

    // MARK: Files

    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static func app(_ file: String) throws -> AppDefinition {
        let bytes = try #require(FileManager.default.contents(atPath: packageRoot + "/Examples/" + file))
        let report = DefinitionLoader.load([UInt8](bytes))
        guard case .app(let app)? = report.definition else { throw FixtureError(message: "\(file) is not an app") }
        return app
    }

    static func root(_ file: String) throws -> GroupDefinition {
        GroupDefinition(id: .root, apps: [try app(file)])
    }

    static var theme: Theme {
        get throws { try ThemeLibrary.load(directories: [packageRoot + "/Themes"]).theme(named: "default-dark") }
    }
}

/// A fixture that cannot be built.
struct FixtureError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// Screens as text files under `Snapshots/`: a screen that differs from its file fails the test and shows the
/// difference; a missing file is written and fails once (run again to compare), and `ROLLWATCH_RECORD=1`
/// rewrites every file.
enum ScreenSnapshot {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots").path

    static func text(of buffer: CellBuffer) -> String {
        buffer.trimmedLines.joined(separator: "\n") + "\n"
    }

    static func check(_ buffer: CellBuffer, named name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let path = directory + "/" + name + ".txt"
        let actual = text(of: buffer)
        let record = ProcessInfo.processInfo.environment["ROLLWATCH_RECORD"] == "1"
        guard !record, let data = FileManager.default.contents(atPath: path), let expected = String(data: data, encoding: .utf8) else {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: path, contents: Data(actual.utf8))
            Issue.record("recorded \(name).txt; run the tests again to compare", sourceLocation: sourceLocation)
            return
        }
        if actual != expected {
            let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
            var difference: [String] = []
            for row in 0..<max(expectedLines.count, actualLines.count) {
                let was = row < expectedLines.count ? String(expectedLines[row]) : "(none)"
                let now = row < actualLines.count ? String(actualLines[row]) : "(none)"
                if was != now { difference.append("row \(row):\n  expected: \(was)\n  actual:   \(now)") }
            }
            let shown = Array(difference.prefix(8)).joined(separator: "\n")
            Issue.record(Comment(rawValue: "\(name) differs from Snapshots/\(name).txt:\n\(shown)"), sourceLocation: sourceLocation)
        }
    }
}
