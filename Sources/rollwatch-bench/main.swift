import Foundation
import RollwatchCore
import RollwatchScheduler
import RollwatchSim

// rollwatch-bench: the engine benchmark of ARCHITECTURE.md §7. A rolling upgrade of 10,000 instances on 100
// simulated agents and of 100,000 on 1,000, at full speed, printing wall time, events per second and peak
// memory, against the targets: 100,000 instances in ≤ 2 s and ≤ 300 MB; 10× the instances in ≤ 12× the time.
// Run it with: swift run -c release rollwatch-bench   (or `rollwatch-bench INSTANCES AGENTS` for one size)

/// One measured upgrade.
struct Measurement {
    let instances: Int
    let agents: Int
    let wallSeconds: Double
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

func measure(instances: Int, agents agentCount: Int) -> Measurement {
    let from = definition(instances: instances, command: "serve --v1")
    let to = definition(instances: instances, command: "serve --v2")
    let perAgent = Double(instances) * 1.2 / Double(agentCount)
    let agents = (1...agentCount).map { SimAgent(hostname: "agent-\($0)", cpus: perAgent * 0.1 + 1, mem: perAgent * 64 + 1_024, ports: Int(perAgent) + 10) }
    let start = ContinuousClock.now
    let sim = SimCluster(agents: agents, seed: 1)
    let core = SchedulerCore(root: GroupDefinition(id: .root, apps: [from]), versions: [from.id: "v1"], driver: sim,
                             strategy: MarathonStrategy())
    core.adopt(count: instances, of: .app(from), version: "v1", condition: .running, healthy: true)
    core.deploy(GroupDefinition(id: .root, apps: [to]), newVersions: [to.id: "v2"])
    var events = core.takeEvents().count
    while core.deployment != nil, let next = core.nextEventTime {
        core.advance(to: next)
        events += core.takeEvents().count
    }
    let elapsed = start.duration(to: .now)
    let wall = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    return Measurement(instances: instances, agents: agentCount, wallSeconds: wall, events: events, simulatedSeconds: core.now,
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

if CommandLine.arguments.count == 3, let instances = Int(CommandLine.arguments[1]), let agents = Int(CommandLine.arguments[2]) {
    let result = measure(instances: instances, agents: agents)
    print("\(instances) instances on \(agents) agents: \(format(result.wallSeconds, 3)) s wall, \(result.events) events, "
          + "\(format(result.simulatedSeconds, 1)) s simulated, \(result.completed ? "completed" : "NOT COMPLETED")")
    exit(0)
}
let small = measure(instances: 10_000, agents: 100)
let memoryAfterSmall = peakMemoryMiB()
let large = measure(instances: 100_000, agents: 1_000)
let memory = peakMemoryMiB()
for result in [small, large] {
    print("\(result.instances) instances on \(result.agents) agents: \(format(result.wallSeconds, 3)) s wall, "
          + "\(result.events) events (\(format(Double(result.events) / result.wallSeconds, 0)) per s), "
          + "\(format(result.simulatedSeconds, 1)) s simulated, \(result.completed ? "completed" : "NOT COMPLETED")")
}
let ratio = large.wallSeconds / small.wallSeconds
print("peak memory: \(memory.map { format($0, 1) + " MiB" } ?? "unknown") (after the small run: \(memoryAfterSmall.map { format($0, 1) + " MiB" } ?? "unknown"))")
print("scaling: 10× the instances took \(format(ratio, 2))× the time")
let targets = [
    ("100,000 instances in ≤ 2 s", large.wallSeconds <= 2),
    ("peak memory ≤ 300 MB", (memory ?? 0) <= 300 * 1_000_000 / 1_048_576),
    ("10× the instances in ≤ 12× the time", ratio <= 12),
    ("both upgrades completed", small.completed && large.completed),
]
for (name, met) in targets { print("\(met ? "met" : "MISSED"): \(name)") }
exit(targets.allSatisfy(\.1) ? 0 : 1)
