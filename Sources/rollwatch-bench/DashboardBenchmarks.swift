import Foundation
import RollwatchCore
import RollwatchScheduler
import RollwatchScreens
import RollwatchSim
import RollwatchTUI

/// The dashboard's budgets (ARCHITECTURE.md §7): a 200×60 frame with 10,000 instances renders in ≤ 2 ms, and an
/// idle dashboard uses ≤ 0.2 % of a core.
enum DashboardBenchmarks {
    /// Renders the dashboard of a 10,000-instance upgrade caught halfway, at 200×60, and returns whether the
    /// median frame met the target.
    static func render(frames: Int = 300) -> Bool {
        let instances = 10_000
        let from = definition(instances: instances, command: "serve --v1")
        let to = definition(instances: instances, command: "serve --v2")
        let agents = (1...100).map { SimAgent(hostname: "agent-\($0)", cpus: 13, mem: 8_704, ports: 130) }
        let sim = SimCluster(agents: agents, seed: 1)
        let core = SchedulerCore(root: GroupDefinition(id: .root, apps: [from]), versions: [from.id: "v1"], driver: sim,
                                 strategy: MarathonStrategy())
        core.adopt(count: instances, of: .app(from), version: "v1", condition: .running, healthy: true)
        var model = DashboardModel(fleet: core.fleetSnapshot(), app: "/bench", strategy: "rolling 0.85 / 0.15", driver: "SIM", speed: 10)
        core.deploy(GroupDefinition(id: .root, apps: [to]), newVersions: [to.id: "v2"])
        model.apply(core.takeEvents(), time: core.now)
        while let next = core.nextEventTime, next <= 14 {
            core.advance(to: next)
            model.apply(core.takeEvents(), time: core.now)
        }
        model.forgetTerminal(olderThan: 15)
        guard let file = try? BuiltinTheme.defaultDarkFile(), let theme = try? ThemeLibrary(files: [file]).theme(named: "default-dark") else {
            print("render: the built-in theme did not load")
            return false
        }
        let adapted = theme.adapted(to: ColorCapability(colors: 256), ascii: false)
        let ui = DashboardUI(speed: 10)
        var previous = DashboardScreen.render(model, ui: ui, theme: adapted, width: 200, height: 60)
        var renderTimes: [Double] = [], diffTimes: [Double] = []
        var changed = 0
        for _ in 0..<frames {
            let start = ContinuousClock.now
            let frame = DashboardScreen.render(model, ui: ui, theme: adapted, width: 200, height: 60)
            let rendered = ContinuousClock.now
            changed = frame.changes(since: previous).count
            let diffed = ContinuousClock.now
            renderTimes.append(start.duration(to: rendered).inSeconds * 1_000)
            diffTimes.append(rendered.duration(to: diffed).inSeconds * 1_000)
            previous = frame
        }
        let alive = model.fleet.orderedInstances.filter { !$0.isTerminal }.count
        let median = renderTimes.sorted()[frames / 2], diff = diffTimes.sorted()[frames / 2]
        print("render: 200x60 frame of \(model.fleet.orderedInstances.count) instances (\(alive) alive) halfway through an upgrade: "
              + "median \(format(median, 3)) ms, best \(format(renderTimes.min() ?? 0, 3)) ms over \(frames) frames; "
              + "finding the changed cells \(format(diff, 3)) ms (\(changed) changed from one frame to the same next)")
        let met = median <= 2
        print("\(met ? "met" : "MISSED"): a 200x60 frame with 10,000 instances in ≤ 2 ms (median)")
        return met
    }

    /// Runs the built `rollwatch` on the seed example in a pseudo-terminal (`script`), leaves it idle, and measures
    /// its CPU time from /proc over `seconds`; returns whether it stayed at or under 0.2 % of a core.
    static func idle(seconds measured: Double = 20) -> Bool {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("rollwatch").path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            print("idle: \(binary) is missing; build it first: swift build -c release")
            return false
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let script = Process()
        script.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        script.arguments = ["-qfec", "\(binary) \(root)/Examples/python-web.json", "/dev/null"]
        script.environment = ProcessInfo.processInfo.environment.merging(["TERM": "xterm-256color", "LANG": "C.UTF-8", "COLUMNS": "120",
                                                                          "LINES": "40"]) { $1 }
        script.standardInput = Pipe()
        script.standardOutput = FileHandle.nullDevice
        script.standardError = FileHandle.nullDevice
        do { try script.run() } catch {
            print("idle: cannot run script(1): \(error)")
            return false
        }
        // script(1) outlives its child when its own input stays open: it is stopped for good at the end.
        defer { kill(script.processIdentifier, SIGKILL) }
        Thread.sleep(forTimeInterval: 2)
        guard let pid = childPid(of: script.processIdentifier), let before = cpuTicks(pid) else {
            print("idle: the dashboard did not start")
            return false
        }
        let start = ContinuousClock.now
        Thread.sleep(forTimeInterval: measured)
        guard let after = cpuTicks(pid) else {
            print("idle: the dashboard ended early")
            return false
        }
        let wall = start.duration(to: .now).inSeconds
        kill(pid, SIGTERM)
        let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        let share = Double(after - before) / ticksPerSecond / wall * 100
        print("idle: the dashboard before an upgrade (20 instances, 1x) used \(after - before) ticks of CPU in \(format(wall, 1)) s: "
              + "\(format(share, 3)) % of a core")
        let met = share <= 0.2
        print("\(met ? "met" : "MISSED"): an idle dashboard at or under 0.2 % of a core")
        return met
    }

    /// The first child of a process, from /proc.
    private static func childPid(of parent: Int32) -> Int32? {
        guard let text = try? String(contentsOfFile: "/proc/\(parent)/task/\(parent)/children", encoding: .utf8) else { return nil }
        return text.split(separator: " ").compactMap { Int32($0) }.first
    }

    /// User plus system CPU time of a process, in clock ticks.
    private static func cpuTicks(_ pid: Int32) -> Int? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command name: state is field 3, utime 14 and stime 15 of the whole line.
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { return nil }
        return user + system
    }
}
