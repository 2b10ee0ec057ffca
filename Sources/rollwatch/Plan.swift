import ArgumentParser
import Foundation
import RollwatchCore
import RollwatchScheduler
import RollwatchSim

/// `rollwatch plan APP.json --to NEW.json`: predicts a deployment by running it on the simulated cluster at full
/// speed, and says what it will do, how long it will take, how far it will grow and shrink, and why it would not
/// finish, with a fix.
struct Plan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Predict a deployment: steps, restart numbers, duration, peak and lowest counts, and what would stop it.",
        discussion: """
            Exits 0 when the deployment is predicted to finish (with --compare: under every strategy compared), 1 when \
            it is not, 64 on bad input.
            """)

    /// How the prediction is printed.
    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @OptionGroup var simulation: SimulationOptions

    @Option(help: "text for people; json for scripts.")
    var output: OutputFormat = .text

    @Option(parsing: .upToNextOption,
            help: ArgumentHelp("Predict the same change under each of these strategies (specs as for --strategy, or all) and print one table.",
                               valueName: "spec"))
    var compare: [String] = []

    func validate() throws {
        if simulation.driver == .local {
            throw ValidationError("plan predicts in the simulator; --driver local runs for real (rollwatch run --driver local)")
        }
        if !compare.isEmpty && simulation.deployment.strategySpec != nil {
            throw ValidationError("--compare and --strategy exclude each other: put the strategy among the ones compared")
        }
        for spec in compare where spec != "all" {
            if spec.hasSuffix(".json") {
                throw ValidationError("--compare takes strategies, and \(spec) looks like a file: put APP.json before --compare")
            }
            do {
                _ = try StrategyRegistry.parse(spec)
            } catch {
                throw ValidationError("--compare: \(error)")
            }
        }
    }

    func run() throws {
        if !compare.isEmpty { return try runComparison() }
        let setup = try simulation.makeSetup()
        let prediction = Prediction(setup: setup)
        guard simulation.deploy(setup) else {
            if output == .json {
                print(JSONWriter.compact(["steps": [], "restarts": [],
                                          "predicted": ["durationSeconds": 0, "completes": true, "reason": nil, "fix": nil]]))
            }
            return
        }
        predict(setup, into: prediction)
        switch output {
        case .text: print(prediction.text, terminator: "")
        case .json: print(JSONWriter.compact(prediction.json))
        }
        if !prediction.completes { throw ExitCode(ExitCodes.failed) }
    }

    /// Runs the deployment started on `setup` to its end at full speed. A deployment that waits to be promoted
    /// is predicted as if promoted at once.
    private func predict(_ setup: SimulationSetup, into prediction: Prediction) {
        let timeout = simulation.timeout.seconds
        let ending = simulate(setup.core, timeout: timeout, pacing: nil, promote: true) { prediction.observe($0) }
        prediction.conclude(ending, timeout: timeout)
    }

    /// `--compare`: the same change on the same cluster and seed under each strategy, one row each.
    private func runComparison() throws {
        var specs: [String] = []
        for spec in compare.flatMap({ $0 == "all" ? StrategyRegistry.names : [$0] }) where !specs.contains(spec) { specs.append(spec) }
        var rows: [(spec: String, summary: String, prediction: Prediction)] = []
        for spec in specs {
            let strategy = try StrategyRegistry.parse(spec)
            let setup = try simulation.makeSetup(strategy: SelectedStrategy(chosen: strategy))
            let prediction = Prediction(setup: setup)
            guard simulation.deploy(setup) else {
                if output == .json { print(JSONWriter.compact(["compare": []])) }
                return
            }
            predict(setup, into: prediction)
            rows.append((spec, strategy.summary, prediction))
        }
        switch output {
        case .text: print(Prediction.comparisonText(rows), terminator: "")
        case .json: print(JSONWriter.compact(["compare": .array(rows.map { $0.prediction.comparisonJSON(spec: $0.spec, summary: $0.summary) })]))
        }
        if rows.contains(where: { !$0.prediction.completes }) { throw ExitCode(ExitCodes.failed) }
    }
}

/// What a simulated deployment showed, gathered from its events.
final class Prediction {
    /// The numbers of one restart.
    struct Restart {
        let app: PathId
        let minHealthy: Int
        let maxCapacity: Int
        let killImmediately: Int
        let instances: Int
        var peakInstances = 0
        var lowestHealthy = Int.max
        /// Old instances killed, by the moment they were killed.
        var kills: [(time: Double, count: Int)] = []
    }

    private let setup: SimulationSetup
    private(set) var plan: DeploymentPlan?
    private(set) var restarts: [PathId: Restart] = [:]
    private var restartOrder: [PathId] = []
    private let before: [PathId: RunSpec]
    private let after: [PathId: RunSpec]
    /// Every run spec before and after, sorted: totals count all of them, deployed or not.
    private let specIds: [PathId]
    private var newHealthy: [PathId: Int] = [:]
    private var unhealthyKills: [PathId: Int] = [:]
    private(set) var peakInstances = 0
    private(set) var peakCpus = 0.0
    private(set) var peakMem = 0.0
    /// What ran before the deployment started: the baseline for the extra capacity it needs.
    private(set) var startInstances = 0
    private(set) var startCpus = 0.0
    private(set) var startMem = 0.0
    /// Each stepped strategy's steps (a canary's), with the moment each started.
    private(set) var strategySteps: [PathId: [(time: Double, title: String)]] = [:]
    private(set) var lowestHealthy = Int.max
    private(set) var duration = 0.0
    private(set) var completes = false
    private(set) var reason: String?
    private(set) var fix: String?

    init(setup: SimulationSetup) {
        self.setup = setup
        before = Dictionary(setup.current.transitiveRunSpecs.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        after = Dictionary(setup.target.transitiveRunSpecs.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        specIds = Set(before.keys).union(after.keys).sorted()
        for id in specIds {
            let counts = setup.core.progress(of: id)
            let alive = counts.old.alive + counts.new.alive
            let resources = before[id]?.resourcesPerInstance ?? after[id]?.resourcesPerInstance ?? Resources(cpus: 0, mem: 0)
            startInstances += alive
            startCpus += Double(alive) * resources.cpus
            startMem += Double(alive) * resources.mem
        }
        peakInstances = startInstances
        peakCpus = startCpus
        peakMem = startMem
    }

    /// The strategy that restarts a run spec, by its summary.
    private func strategySummary(_ id: PathId) -> String {
        guard let spec = after[id] else { return setup.core.strategy.summary }
        return setup.core.strategy.strategy(for: spec).summary
    }

    /// The restarts in the order the plan starts them.
    var orderedRestarts: [Restart] { restartOrder.compactMap { restarts[$0] } }

    /// Takes in a batch of events.
    func observe(_ events: [RolloutEvent]) {
        for event in events {
            switch event.kind {
            case .deploymentInfo(_, let plan, let step):
                self.plan = plan
                for action in plan.steps[step - 1].actions {
                    guard case .restart(let spec) = action, let limits = setup.core.restartLimits(of: spec.id) else { continue }
                    restarts[spec.id] = Restart(app: spec.id, minHealthy: limits.minHealthy, maxCapacity: limits.maxCapacity,
                                                killImmediately: limits.killImmediately, instances: spec.instances)
                    restartOrder.append(spec.id)
                }
            case .statusUpdate(let ref, let status, _) where status == "TASK_KILLING":
                guard var restart = restarts[ref.appId], ref.version != setup.core.versions[ref.appId] else { continue }
                if let last = restart.kills.last, last.time == event.time {
                    restart.kills[restart.kills.count - 1].count += 1
                } else {
                    restart.kills.append((event.time, 1))
                }
                restarts[ref.appId] = restart
            case .unhealthyInstanceKill(let ref, _):
                unhealthyKills[ref.appId, default: 0] += 1
            case .rolloutProgress(let progress):
                record(progress)
            case .strategyStep(_, let appId, let status):
                var steps = strategySteps[appId] ?? []
                if steps.count <= status.index { steps.append((event.time, status.title)) }
                strategySteps[appId] = steps
            default:
                break
            }
        }
    }

    private func record(_ progress: RolloutProgress) {
        newHealthy[progress.appId] = max(newHealthy[progress.appId] ?? 0, progress.new.healthy)
        let alive = progress.old.alive + progress.new.alive
        let healthy = progress.old.healthy + progress.new.healthy
        if var restart = restarts[progress.appId] {
            restart.peakInstances = max(restart.peakInstances, alive)
            restart.lowestHealthy = min(restart.lowestHealthy, healthy)
            restarts[progress.appId] = restart
        }
        var instances = 0, cpus = 0.0, mem = 0.0, healthyTotal = 0
        for id in specIds {
            let counts = setup.core.progress(of: id)
            let oldResources = before[id]?.resourcesPerInstance ?? Resources(cpus: 0, mem: 0)
            let newResources = after[id]?.resourcesPerInstance ?? oldResources
            instances += counts.old.alive + counts.new.alive
            healthyTotal += counts.old.healthy + counts.new.healthy
            cpus += Double(counts.old.alive) * oldResources.cpus + Double(counts.new.alive) * newResources.cpus
            mem += Double(counts.old.alive) * oldResources.mem + Double(counts.new.alive) * newResources.mem
        }
        peakInstances = max(peakInstances, instances)
        peakCpus = max(peakCpus, cpus)
        peakMem = max(peakMem, mem)
        lowestHealthy = min(lowestHealthy, healthyTotal)
    }

    /// Records how the simulation ended and, when the deployment would not finish, why and what to change.
    func conclude(_ ending: SimulationEnding, timeout: Double) {
        duration = setup.core.now
        switch ending {
        case .ended(.succeeded):
            completes = true
        case .ended, .interrupted:
            reason = setup.core.failure ?? "the deployment was cancelled"
        case .stalled, .awaitingPromotion:
            explainStall()
        case .timedOut:
            explainTimeout(timeout)
        }
    }

    private func explainStall() {
        let waiting = setup.core.unplaceableInstances
        guard let first = waiting.first?.record, let why = waiting.first?.reason else {
            reason = "nothing more can happen: " + progressSummary(setup.core)
            return
        }
        let spec = setup.target.transitiveRunSpecs.first { $0.id == first.specId }
        reason = "\(waiting.count) new instance\(waiting.count == 1 ? "" : "s") of \(first.specId) cannot be placed: \(why)"
        if why.contains("hostname:UNIQUE") {
            let instances = spec?.instances ?? 1
            let share = instances > 1 ? Double(Int(Double(instances - 1) / Double(instances) * 100)) / 100 : 0
            fix = "a hostname:UNIQUE constraint leaves no agent for surge instances: add agents, or set \"upgradeStrategy\": "
                + "{\"minimumHealthCapacity\": \(share), \"maximumOverCapacity\": 0} so that an old instance stops before its replacement starts"
        } else if why.contains("lack room") {
            let restart = restarts[first.specId]
            fix = "not enough cpus or mem for the surge (up to \(restart?.maxCapacity ?? 0) instances at once): add agents or agent "
                + "resources, or lower upgradeStrategy.maximumOverCapacity"
        } else {
            fix = "no agent satisfies the constraints: check the agents' attributes against the constraints, or relax them"
        }
    }

    private func explainTimeout(_ timeout: Double) {
        let stuck = restartOrder.first { (newHealthy[$0] ?? 0) == 0 && (unhealthyKills[$0] ?? 0) > 0 }
        if let stuck {
            reason = "the new version of \(stuck) never turns healthy: its instances fail their health checks and are killed "
                + "(\(unhealthyKills[stuck] ?? 0) kills in \(EventEncoder.fixed(timeout, digits: 0)) s)"
            fix = "fix the version or its health check before deploying; Marathon would wait forever, with old instances held at the minimum"
        } else {
            reason = "not done after \(EventEncoder.fixed(timeout, digits: 0)) s of simulated time: " + progressSummary(setup.core)
            fix = "give it more time (--timeout), or look at the instances that do not turn healthy (rollwatch run)"
        }
    }

    // MARK: Output

    var text: String {
        var lines: [String] = []
        let steps = plan?.steps ?? []
        lines.append("plan: \(steps.count) step\(steps.count == 1 ? "" : "s")\(setup.restartAll ? " (rolling restart)" : "")")
        for (index, step) in steps.enumerated() {
            lines.append("  step \(index + 1): " + step.actions.map { "\($0.name) \($0.runSpec.id)" }.joined(separator: ", "))
        }
        for id in restartOrder {
            guard let restart = restarts[id] else { continue }
            lines.append("restart \(id): \(restart.instances) instances, minHealthy \(restart.minHealthy), maxCapacity \(restart.maxCapacity), killImmediately \(restart.killImmediately)")
            lines.append("  strategy: " + strategySummary(id))
            if let steps = strategySteps[id] {
                lines.append("  steps: " + steps.map { "\($0.title) at t=\(EventEncoder.fixed($0.time, digits: 1))" }.joined(separator: ", "))
            }
            lines.append("  waves: " + describeWaves(restart))
            lines.append("  peak \(restart.peakInstances) instances, lowest healthy \(restart.lowestHealthy == .max ? restart.instances : restart.lowestHealthy)")
        }
        if completes {
            lines.append("predicted: done in \(EventEncoder.fixed(duration, digits: 1)) s (simulated); peak \(peakInstances) instances, "
                         + "\(Self.number(peakCpus)) cpus, \(Self.number(peakMem)) MiB; lowest healthy \(lowestHealthy == .max ? 0 : lowestHealthy)")
        } else {
            lines.append("predicted: does not finish (simulated \(EventEncoder.fixed(duration, digits: 1)) s)")
            if let reason { lines.append("warning: " + reason) }
            if let fix { lines.append("fix: " + fix) }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func describeWaves(_ restart: Restart) -> String {
        guard let first = restart.kills.first else { return "no old instance killed" }
        let later = restart.kills.dropFirst()
        let rest = later.map(\.count).reduce(0, +)
        var text = "\(first.count) killed at t=\(EventEncoder.fixed(first.time, digits: 1))"
        if later.allSatisfy({ $0.count == 1 }) && rest > 0 {
            text += ", then \(rest) one at a time as new instances turned healthy"
        } else if rest > 0 {
            text += ", then \(rest) more in \(later.count) waves as new instances turned healthy"
        }
        return text
    }

    var json: JSONValue {
        var restartsJSON: [JSONValue] = []
        for id in restartOrder {
            guard let restart = restarts[id] else { continue }
            restartsJSON.append(.object(JSONObject([
                "app": .string(id.description), "minHealthy": .number(JSONNumber(restart.minHealthy)),
                "maxCapacity": .number(JSONNumber(restart.maxCapacity)), "killImmediately": .number(JSONNumber(restart.killImmediately)),
                "peakInstances": .number(JSONNumber(restart.peakInstances)),
                "lowestHealthy": .number(JSONNumber(restart.lowestHealthy == .max ? restart.instances : restart.lowestHealthy)),
                "waves": .array(restart.kills.map { ["t": .number(JSONNumber(EventEncoder.rounded($0.time))), "kills": .number(JSONNumber($0.count))] }),
                "strategy": .string(strategySummary(id)),
                "strategySteps": .array((strategySteps[id] ?? []).map {
                    ["t": .number(JSONNumber(EventEncoder.rounded($0.time))), "step": .string($0.title)]
                }),
            ])))
        }
        let predicted = JSONObject([
            "durationSeconds": .number(JSONNumber(EventEncoder.rounded(duration))),
            "peakInstances": .number(JSONNumber(peakInstances)),
            "peakCpus": .number(JSONNumber(EventEncoder.rounded(peakCpus))),
            "peakMem": .number(JSONNumber(EventEncoder.rounded(peakMem))),
            "lowestHealthy": .number(JSONNumber(lowestHealthy == .max ? 0 : lowestHealthy)),
            "completes": .bool(completes),
            "reason": reason.map(JSONValue.string) ?? .null,
            "fix": fix.map(JSONValue.string) ?? .null,
        ])
        return .object(JSONObject([
            "steps": plan?.json.objectValue?["steps"] ?? [],
            "restarts": .array(restartsJSON),
            "predicted": .object(predicted),
        ]))
    }

    // MARK: Comparison

    /// The extra capacity the deployment needs beyond what ran before it: instances, cpus and mem at the peak.
    var extra: (instances: Int, cpus: Double, mem: Double) {
        (max(0, peakInstances - startInstances), max(0, peakCpus - startCpus), max(0, peakMem - startMem))
    }

    /// One row of `plan --compare --output json`.
    func comparisonJSON(spec: String, summary: String) -> JSONValue {
        .object(JSONObject([
            "strategy": .string(spec), "summary": .string(summary),
            "durationSeconds": .number(JSONNumber(EventEncoder.rounded(duration))),
            "peakInstances": .number(JSONNumber(peakInstances)),
            "peakCpus": .number(JSONNumber(EventEncoder.rounded(peakCpus))),
            "peakMem": .number(JSONNumber(EventEncoder.rounded(peakMem))),
            "lowestHealthy": .number(JSONNumber(lowestHealthy == .max ? startInstances : lowestHealthy)),
            "extraInstances": .number(JSONNumber(extra.instances)),
            "extraCpus": .number(JSONNumber(EventEncoder.rounded(extra.cpus))),
            "extraMem": .number(JSONNumber(EventEncoder.rounded(extra.mem))),
            "completes": .bool(completes),
            "reason": reason.map(JSONValue.string) ?? .null,
        ]))
    }

    /// The table of `plan --compare`: one row per strategy, the columns aligned, then each strategy's summary
    /// and, for one that does not finish, why.
    static func comparisonText(_ rows: [(spec: String, summary: String, prediction: Prediction)]) -> String {
        let header = ["strategy", "duration", "peak", "cpus", "mem MiB", "lowest healthy", "extra capacity needed"]
        var table = [header]
        for row in rows {
            let prediction = row.prediction
            let extra = prediction.extra
            let extraText = extra.instances == 0 && extra.cpus == 0 && extra.mem == 0 ? "none"
                : "+\(extra.instances) instances, +\(number(extra.cpus)) cpus, +\(number(extra.mem)) MiB"
            table.append([row.spec,
                          prediction.completes ? EventEncoder.fixed(prediction.duration, digits: 1) + " s" : "never",
                          String(prediction.peakInstances), number(prediction.peakCpus), number(prediction.peakMem),
                          String(prediction.lowestHealthy == .max ? prediction.startInstances : prediction.lowestHealthy), extraText])
        }
        let widths = header.indices.map { column in table.map { $0[column].count }.max() ?? 0 }
        // Text columns align left, numbers right.
        let rightAligned: Set<Int> = [1, 2, 3, 4, 5]
        var lines = table.map { cells in
            cells.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return rightAligned.contains(column) ? padding + cell : cell + padding
            }.joined(separator: "  ").trimmingTrailingSpaces
        }
        lines.append("")
        for row in rows {
            lines.append("\(row.spec): \(row.summary)")
            if !row.prediction.completes, let reason = row.prediction.reason { lines.append("  does not finish: \(reason)") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func number(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}

extension String {
    /// The string without the spaces at its end.
    var trimmingTrailingSpaces: String {
        String(reversed().drop { $0 == " " }.reversed())
    }
}
