import ArgumentParser
import Foundation
import RollwatchCore
import RollwatchScheduler
import RollwatchSim

/// The options `run` and `plan` share: what to deploy, on which simulated cluster, for how long.
struct SimulationOptions: ParsableArguments {
    @Argument(help: "The definitions that run now (an app, a group or a pod).")
    var app: String

    @Option(help: "The definitions to deploy. Without it: a rolling restart of APP.")
    var to: String?

    @Option(help: "Give up after this much simulated time (90s, 5m, 1h).")
    var timeout: DurationArgument = DurationArgument(seconds: 3_600)

    @Option(help: "Seed for the simulated cluster (start-up jitter, health draws). Default: the scenario's, else 1.")
    var seed: UInt64?

    @Option(help: "A scenario file: agents and the fleet at the start (see the README).")
    var scenario: String?

    @Option(help: "sim: a simulated cluster on a virtual clock; local: real processes on this machine, in real time.")
    var driver: DriverKind = .sim

    @Option(help: ArgumentHelp("With --driver local: the host ports instances get (taken ones are skipped).", valueName: "low-high"))
    var ports: PortRangeArgument?

    @OptionGroup var deployment: DeploymentOptions

    /// Reads the inputs and builds the simulation (under `strategy`, else the one the options choose); bad input
    /// is printed and ends the command with exit 64.
    func makeSetup(strategy: (any RolloutStrategy)? = nil) throws -> SimulationSetup {
        let chosen = try strategy ?? deployment.strategy()
        do throws(InputError) {
            let setup = try SimulationSetup(appPath: app, toPath: to, scenarioPath: scenario, seed: seed, strategy: chosen)
            deployment.apply(to: setup.core)
            return setup
        } catch {
            error.lines.forEach(printError)
            throw ExitCode(ExitCodes.badInput)
        }
    }

    /// Starts the deployment; false (after saying so) when the target is what already runs.
    func deploy(_ setup: SimulationSetup) -> Bool {
        guard setup.deploy() else {
            printError("nothing to deploy: \(to ?? app) is what runs")
            return false
        }
        return true
    }
}

/// How deployments go, for `run`, `plan` and the dashboard alike: the strategy, and the progress deadline.
struct DeploymentOptions: ParsableArguments {
    @Option(name: .customLong("strategy"),
            help: ArgumentHelp("The deployment strategy, over each app's ROLLWATCH_STRATEGY label.", discussion: StrategyRegistry.syntax,
                               valueName: "spec"))
    var strategySpec: String?

    @Option(help: "Fail a deployment that makes no progress for this long (600s, 10m); none by default, as in Marathon.")
    var progressDeadline: DurationArgument?

    @Flag(help: "Roll back a deployment that missed its progress deadline.")
    var autoRollback = false

    func validate() throws {
        _ = try strategy()
        if autoRollback && progressDeadline == nil { throw ValidationError("--auto-rollback needs --progress-deadline") }
    }

    /// `--strategy SPEC`'s strategy, else each app's label, else Marathon's; a bad spec is a validation error
    /// that shows the syntax.
    func strategy() throws -> any RolloutStrategy {
        guard let strategySpec else { return SelectedStrategy() }
        do {
            return SelectedStrategy(chosen: try StrategyRegistry.parse(strategySpec))
        } catch {
            throw ValidationError("--strategy: \(error)")
        }
    }

    /// Sets the deadline and the roll back on a scheduler.
    func apply(to core: SchedulerCore) {
        core.progressDeadline = progressDeadline?.seconds
        core.rollBackOnDeadline = autoRollback
    }
}

/// Input that cannot be used: the lines that say why, for standard error, and exit code 64.
struct InputError: Error {
    let lines: [String]
}

/// A deployment ready to run on the simulated cluster: definitions read and checked, agents and fleet in
/// place, the scheduler built. `run` and `plan` both start from here.
struct SimulationSetup {
    let core: SchedulerCore
    let sim: SimCluster
    /// The simulated cluster's agents.
    let agents: [SimAgent]
    let current: GroupDefinition
    let target: GroupDefinition
    /// True when no `--to` was given: every run spec is restarted as it is.
    let restartAll: Bool
    let targetVersions: [PathId: String]

    /// The version of APP.json's definitions: an hour before the run starts.
    static let currentVersion = SchedulerCore.versionStamp(-3_600)
    /// The version of the `--to` definitions: the moment the run starts.
    static let targetVersion = SchedulerCore.versionStamp(0)

    init(appPath: String, toPath: String?, scenarioPath: String?, seed: UInt64?,
         strategy: any RolloutStrategy = SelectedStrategy()) throws(InputError) {
        let current = try Self.readRoot(appPath)
        let target = try toPath.map(Self.readRoot) ?? current
        var scenario = Scenario()
        if let scenarioPath {
            scenario = try Self.readScenario(scenarioPath)
        }
        try self.init(current: current, target: target, restartAll: toPath == nil, scenario: scenario, scenarioPath: scenarioPath, seed: seed,
                      strategy: strategy)
    }

    /// A simulation of `current` with the scenario's agents and fleet (or a steady fleet on agents made to fit),
    /// ready to deploy `target`.
    init(current: GroupDefinition, target: GroupDefinition, restartAll: Bool, scenario: Scenario, scenarioPath: String?,
         seed: UInt64?, strategy: any RolloutStrategy = SelectedStrategy()) throws(InputError) {
        self.current = current
        self.target = target
        self.restartAll = restartAll
        let specs = current.transitiveRunSpecs + target.transitiveRunSpecs
        agents = scenario.agents ?? SimAgent.toFit(specs)
        sim = SimCluster(agents: agents, seed: seed ?? scenario.seed ?? 1)
        let currentVersions = Dictionary(current.transitiveRunSpecs.map { ($0.id, Self.currentVersion) }, uniquingKeysWith: { first, _ in first })
        targetVersions = Dictionary(target.transitiveRunSpecs.map { ($0.id, Self.targetVersion) }, uniquingKeysWith: { first, _ in first })
        core = SchedulerCore(root: current, versions: currentVersions, driver: sim, strategy: strategy)
        // Without a scenario fleet: each run spec's own instances, running and healthy.
        let fleet = scenario.fleet.map { $0.map { ($0, Optional($0.count)) } }
            ?? [(Scenario.FleetEntry(version: .current, count: 0, condition: .running, healthy: true), nil)]
        var homeless: [String] = []
        for (entry, fixedCount) in fleet {
            let specs = entry.version == .current ? current.transitiveRunSpecs : target.transitiveRunSpecs
            let version = entry.version == .current ? Self.currentVersion : Self.targetVersion
            for spec in specs {
                let count = fixedCount ?? spec.instances
                let adopted = core.adopt(count: count, of: spec, version: version, condition: entry.condition, healthy: entry.healthy)
                if adopted < count { homeless.append("\(count - adopted) of \(count) \(entry.version.rawValue) instances of \(spec.id)") }
            }
        }
        if !homeless.isEmpty {
            throw InputError(lines: ["the starting fleet does not fit on the agents: " + homeless.joined(separator: "; ")
                                     + (scenarioPath.map { "; add agents to \($0)" } ?? "")])
        }
    }

    /// Starts the deployment; false when the target is what already runs.
    func deploy() -> Bool {
        if case .nothingToDo = core.deploy(target, newVersions: targetVersions, restartAll: restartAll) { return false }
        return true
    }

    /// A definition file as a root group, or the errors that make it unusable.
    static func readRoot(_ path: String) throws(InputError) -> GroupDefinition {
        switch DefinitionFile.read(path) {
        case .failure(let error):
            throw InputError(lines: ["\(path): \(error.message)"])
        case .success(let report):
            guard report.isValid, let definition = report.definition else {
                throw InputError(lines: ValidationOutput.textLines(file: path, report: report).filter { !$0.contains(": warning: ") })
            }
            switch definition {
            case .app(let app): return GroupDefinition(id: .root, apps: [app])
            case .pod(let pod): return GroupDefinition(id: .root, pods: [pod])
            case .group(let group) where group.id.isRoot: return group
            case .group(let group): return GroupDefinition(id: .root, groups: [group])
            }
        }
    }

    /// A scenario file, or the errors that make it unusable.
    static func readScenario(_ path: String) throws(InputError) -> Scenario {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError(lines: ["\(path): cannot read: no such file"])
        }
        let loaded = Scenario.load([UInt8](data))
        if let syntax = loaded.syntaxError {
            throw InputError(lines: ["\(path):\(syntax.line):\(syntax.column): malformed JSON: \(syntax.message)"])
        }
        guard let scenario = loaded.scenario else {
            throw InputError(lines: loaded.diagnostics.filter { $0.severity == .error }.map { "\(path): \($0)" })
        }
        return scenario
    }
}
