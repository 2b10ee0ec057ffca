import Foundation
import Testing

/// `rollwatch run --driver local` end to end with real processes: the examples' upgrade, the broken version, and
/// no instance left behind however rollwatch ends (done, timed out, SIGINT, SIGTERM, SIGKILL), proved by reading
/// the process table.
@Suite(.serialized) struct LocalRunTests {
    /// A folder of its own for each run: the sandboxes are made under it, and every instance's environment names it.
    static func temporaryFolder() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rollwatch-local-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Processes whose environment mentions `text` (the run's temporary folder).
    static func processes(mentioning text: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard pid != getpid(), let data = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return false }
            return String(decoding: data, as: UTF8.self).contains("MESOS_SANDBOX=" + text)
        }
    }

    /// Waits up to `seconds` for `condition`.
    static func eventually(_ seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return condition()
    }

    @Test func theExampleUpgradesRealServersAndStopsThemAtTheEnd() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = try BinaryRunner.run(["run", "Examples/local-web.json", "--to", "Examples/local-web-v2.json", "--driver", "local", "--ports", "31500-31549"],
                                          environment: ["TMPDIR": folder])
        #expect(result.exitCode == 0, "\(result.standardError)")
        #expect(result.standardError.contains("starting 4 instances of the current definitions on this machine"))
        let progress = result.lines.filter { $0.contains("event=rollout_progress") }
        #expect(progress.last?.contains("old_alive=0 old_healthy=0 new_alive=4 new_healthy=4") == true, "\(progress.last ?? "")")
        for line in progress {
            var values: [String: Int] = [:]
            for pair in line.split(separator: " ") {
                let parts = pair.split(separator: "=")
                if parts.count == 2, let number = Int(parts[1]) { values[String(parts[0])] = number }
            }
            let alive = (values["old_alive"] ?? 0) + (values["new_alive"] ?? 0), healthy = (values["old_healthy"] ?? 0) + (values["new_healthy"] ?? 0)
            #expect(alive <= 5 && healthy >= 3, "0.75 / 0.25 on 4: \(line)")
        }
        #expect(result.lines.contains { $0.contains("status=TASK_RUNNING") && $0.contains("message=\"pid ") })
        #expect(Self.processes(mentioning: folder).isEmpty, "every instance stopped when rollwatch ended")
    }

    @Test func theBrokenVersionStallsUntilTheTimeoutWithItsErrorInTheEvents() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = try BinaryRunner.run(["run", "Examples/local-web.json", "--to", "Examples/local-web-v3-broken.json", "--driver", "local",
                                           "--timeout", "6s", "--ports", "31550-31599"], environment: ["TMPDIR": folder])
        #expect(result.exitCode == 3, "\(result.standardError)")
        #expect(result.lines.contains { $0.contains("status=TASK_FAILED") && $0.contains("local-web v3: cannot read config.toml") })
        #expect(result.standardError.contains("timed out after 6 s: /local-web: 0 of 4 new instances healthy"))
        #expect(Self.processes(mentioning: folder).isEmpty)
    }

    @Test(arguments: [(SIGINT, Int32(130)), (SIGTERM, Int32(143)), (SIGKILL, SIGKILL)])
    func noInstanceOutlivesRollwatch(signal: Int32, exitCode: Int32) throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let process = Process()
        process.executableURL = BinaryRunner.executable
        process.arguments = ["run", "Examples/local-web.json", "--to", "Examples/local-web-v3-broken.json", "--driver", "local", "--timeout", "1m",
                             "--ports", "31600-31649"]
        process.environment = ProcessInfo.processInfo.environment.merging(["TMPDIR": folder]) { $1 }
        process.currentDirectoryURL = BinaryRunner.packageRoot
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        #expect(Self.eventually(15) { Self.processes(mentioning: folder).count >= 4 }, "the instances started")
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        // A status for the signals rollwatch handles; the signal itself for SIGKILL.
        #expect(process.terminationStatus == exitCode && (process.terminationReason == .uncaughtSignal) == (signal == SIGKILL))
        // After SIGKILL the reaper does it: SIGTERM, up to 3 s, SIGKILL.
        #expect(Self.eventually(8) { Self.processes(mentioning: folder).isEmpty }, "left: \(Self.processes(mentioning: folder))")
    }

    @Test func whatCannotRunHereIsRefusedBeforeAnythingStarts() throws {
        let image = try BinaryRunner.temporaryFile(#"{"id": "/img", "instances": 2, "container": {"type": "DOCKER", "docker": {"image": "nginx:1.25"}}}"#)
        let refused = try BinaryRunner.run(["run", image, "--driver", "local"])
        #expect(refused.exitCode == 64)
        #expect(refused.standardError.contains("/img: expected a cmd or args to run on this machine (its image nginx:1.25 cannot be pulled here)"))
        let pod = try BinaryRunner.run(["run", "Examples/web-pod.json", "--driver", "local"])
        #expect(pod.exitCode == 64 && pod.standardError.contains("/web-pod: pods do not run on the local driver"))
        let plan = try BinaryRunner.run(["plan", "Examples/local-web.json", "--driver", "local"])
        #expect(plan.exitCode == 64 && plan.standardError.contains("plan predicts in the simulator"))
        let ports = try BinaryRunner.run(["run", "Examples/local-web.json", "--ports", "31000-31010"])
        #expect(ports.exitCode == 64 && ports.standardError.contains("--ports applies to --driver local"))
    }

    @Test func anInstanceThatIgnoresSIGTERMIsKilledAfterItsGracePeriodWhenRollwatchDies() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let app = try BinaryRunner.temporaryFile(#"{"id": "/stubborn", "cmd": "trap '' TERM; while true; do sleep 1; done", "instances": 2, "cpus": 0.1, "mem": 16, "taskKillGracePeriodSeconds": 4}"#)
        let next = try BinaryRunner.temporaryFile(#"{"id": "/stubborn", "cmd": "exit 1", "instances": 2, "cpus": 0.1, "mem": 16, "taskKillGracePeriodSeconds": 4}"#, name: "next.json")
        let process = Process()
        process.executableURL = BinaryRunner.executable
        process.arguments = ["run", app, "--to", next, "--driver", "local", "--timeout", "1m", "--ports", "31760-31769"]
        process.environment = ProcessInfo.processInfo.environment.merging(["TMPDIR": folder]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        #expect(Self.eventually(15) { Self.processes(mentioning: folder).count >= 2 }, "the instances started")
        Thread.sleep(forTimeInterval: 0.5)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        // The reaper sends SIGTERM, which they ignore, then SIGKILL once their 4 s are up.
        Thread.sleep(forTimeInterval: 2)
        #expect(!Self.processes(mentioning: folder).isEmpty, "still within the grace period")
        #expect(Self.eventually(8) { Self.processes(mentioning: folder).isEmpty }, "left: \(Self.processes(mentioning: folder))")
    }
}
