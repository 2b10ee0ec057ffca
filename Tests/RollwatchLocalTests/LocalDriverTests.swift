import Foundation
import RollwatchCore
import RollwatchLocal
import RollwatchScheduler
import Testing

/// The local driver with real processes: python3 web servers with real HTTP checks, upgraded, killed for their
/// health, broken and rolled back; ports already taken skipped; nothing left running afterwards.
@Suite(.serialized) struct LocalDriverTests {
    /// A deployment on real processes: the scheduler on the wall clock, the events it emitted, and the driver.
    final class Live {
        let loop = WallClockLoop()
        let driver: LocalDriver
        let core: SchedulerCore
        var events: [RolloutEvent] = []
        let marker = "rollwatch-test-\(UUID().uuidString.prefix(8))"
        let sandbox: String

        init(ports: ClosedRange<Int>, root: GroupDefinition = GroupDefinition(id: .root)) throws {
            let loop = self.loop
            sandbox = NSTemporaryDirectory() + "/\(marker)"
            driver = try LocalDriver(options: LocalDriverOptions(ports: ports, sandboxRoot: sandbox, killGraceSeconds: 2),
                                     nudge: { loop.nudge() })
            core = SchedulerCore(root: root, versions: [:], driver: driver, strategy: MarathonStrategy())
        }

        /// Deploys `apps` at `version` and runs until the deployment ends or `seconds` pass.
        @discardableResult
        func deploy(_ apps: [AppDefinition], version: String, seconds: Double = 30, until: ((SchedulerCore) -> Bool)? = nil) -> Bool {
            let target = GroupDefinition(id: .root, apps: apps)
            core.deploy(target, newVersions: Dictionary(uniqueKeysWithValues: apps.map { ($0.id, version) }))
            return run(seconds: seconds, until: until ?? { $0.deployment == nil })
        }

        func run(seconds: Double, until done: (SchedulerCore) -> Bool) -> Bool {
            loop.run(core, deadline: loop.now + seconds, until: done) { events += $0 }
        }

        var progress: [RolloutProgress] {
            events.compactMap { if case .rolloutProgress(let progress) = $0.kind { progress } else { nil } }
        }

        func statuses(_ status: String) -> [InstanceRef] {
            events.compactMap { if case .statusUpdate(let ref, status, _) = $0.kind { ref } else { nil } }
        }

        /// Stops every instance and removes the sandboxes.
        func finish() {
            driver.shutdown()
            try? FileManager.default.removeItem(atPath: sandbox)
        }

        /// Processes whose environment carries `MESOS_SANDBOX` under this test's sandbox: what the test started.
        var leftovers: [Int32] {
            LocalDriverTests.processes(withEnvironmentContaining: marker)
        }
    }

    /// A python3 web server on PORT0 with an HTTP check every 0.5 s; `version` goes into its environment.
    static func web(instances: Int, version: String, minimumHealthCapacity: Double = 0.6, maximumOverCapacity: Double = 0.2,
                    cmd: String = "exec python3 -m http.server $PORT0 --bind 127.0.0.1") -> AppDefinition {
        AppDefinition(id: PathId("/web"), cmd: cmd, env: ["RELEASE": .value(version)], instances: instances,
                      resources: Resources(cpus: 0.1, mem: 32),
                      healthChecks: [HealthCheck(protocol: .http, path: "/", portIndex: 0, gracePeriodSeconds: 10, intervalSeconds: 0.5,
                                                 timeoutSeconds: 0.4, maxConsecutiveFailures: 3)],
                      upgradeStrategy: UpgradeStrategy(minimumHealthCapacity: minimumHealthCapacity, maximumOverCapacity: maximumOverCapacity),
                      taskKillGracePeriodSeconds: 2)
    }

    @Test func anUpgradeOfFiveRealServersKeepsTheBoundsAndCompletes() throws {
        let live = try Live(ports: 31_100...31_149)
        defer { live.finish() }
        #expect(live.deploy([Self.web(instances: 5, version: "v1")], version: "v1"), "v1 starts")
        #expect(live.core.outcome == .succeeded)
        #expect(live.driver.runningProcesses.count == 5)
        // Marathon's environment reached the process.
        let pid = try #require(live.driver.runningProcesses.values.first)
        let environment = Self.environment(of: pid)
        #expect(environment["MARATHON_APP_ID"] == "/web" && environment["MARATHON_APP_VERSION"] == "v1" && environment["RELEASE"] == "v1")
        #expect(environment["PORT0"].flatMap(Int.init).map { (31_100...31_149).contains($0) } == true)
        #expect(environment["PORT"] == environment["PORT0"] && environment["HOST"] == "127.0.0.1")
        #expect(environment["MESOS_TASK_ID"]?.hasPrefix("web.") == true)

        let before = live.events.count
        #expect(live.deploy([Self.web(instances: 5, version: "v2")], version: "v2"), "v2 replaces v1")
        #expect(live.core.outcome == .succeeded)
        let upgrade = live.events.dropFirst(before).compactMap { if case .rolloutProgress(let progress) = $0.kind { progress } else { nil } }
        #expect(!upgrade.isEmpty)
        for counts in upgrade {
            #expect(counts.old.alive + counts.new.alive <= 6, "maxCapacity 6: \(counts)")
            #expect(counts.old.healthy + counts.new.healthy >= 3, "minHealthy 3: \(counts)")
        }
        #expect(upgrade.last?.new.healthy == 5 && upgrade.last?.old.alive == 0)
        let pids = Array(live.driver.runningProcesses.values)
        #expect(pids.count == 5 && pids.allSatisfy { Self.environment(of: $0)["RELEASE"] == "v2" })
        live.driver.shutdown()
        #expect(live.leftovers.isEmpty, "shutdown leaves nothing running")
    }

    @Test func aFailingHealthCheckKillsTheInstanceAndItComesBack() throws {
        let live = try Live(ports: 31_150...31_199)
        defer { live.finish() }
        // Listens for 1.5 s, then stops answering (the server exits, the shell sleeps on).
        var app = Self.web(instances: 1, version: "v1", cmd: "timeout 1.5 python3 -m http.server $PORT0 --bind 127.0.0.1; sleep 600")
        app.healthChecks[0].maxConsecutiveFailures = 1
        app.healthChecks[0].gracePeriodSeconds = 0
        live.deploy([app], version: "v1")
        #expect(live.core.outcome == .succeeded)
        let killed = live.run(seconds: 20) { _ in
            live.events.contains { if case .unhealthyInstanceKill = $0.kind { true } else { false } }
                && live.statuses("TASK_RUNNING").count >= 2
        }
        #expect(killed, "killed for its health and relaunched: \(live.events.map(\.eventType))")
        let failures = live.events.compactMap { if case .failedHealthCheck(_, let cause) = $0.kind { cause } else { nil } }
        #expect(failures.contains { $0.contains("connection to 127.0.0.1:") && $0.contains("refused") }, "\(failures)")
    }

    @Test func aBrokenVersionStallsAndRollingBackRestoresTheOldOne() throws {
        let live = try Live(ports: 31_200...31_249)
        defer { live.finish() }
        live.deploy([Self.web(instances: 3, version: "v1", minimumHealthCapacity: 0.5, maximumOverCapacity: 0)], version: "v1")
        #expect(live.core.outcome == .succeeded)
        let broken = Self.web(instances: 3, version: "v3", minimumHealthCapacity: 0.5, maximumOverCapacity: 0,
                              cmd: "echo 'v3: missing configuration' >&2; exit 1")
        let finished = live.deploy([broken], version: "v3", seconds: 4)
        #expect(!finished && live.core.deployment != nil, "the broken version never finishes")
        let failed = live.events.compactMap { if case .statusUpdate(let ref, "TASK_FAILED", let message) = $0.kind, ref.version == "v3" { message } else { nil } }
        #expect(failed.contains { $0.contains("exited with status 1") && $0.contains("v3: missing configuration") }, "\(failed)")
        #expect((live.progress.last?.old.healthy ?? 0) >= 2, "the old version keeps its minimum")
        live.core.abort(rollBack: true)
        #expect(live.run(seconds: 30) { $0.deployment == nil })
        #expect(live.core.outcome == .rolledBack(completed: true))
        let pids = Array(live.driver.runningProcesses.values)
        #expect(pids.count == 3 && pids.allSatisfy { Self.environment(of: $0)["RELEASE"] == "v1" })
    }

    @Test func aPortSomethingElseHoldsIsSkipped() throws {
        let live = try Live(ports: 31_250...31_252)
        defer { live.finish() }
        let holder = try #require(Self.listen(on: 31_250))
        defer { close(holder) }
        live.deploy([Self.web(instances: 1, version: "v1")], version: "v1")
        #expect(live.core.outcome == .succeeded)
        let pid = try #require(live.driver.runningProcesses.values.first)
        #expect(Self.environment(of: pid)["PORT0"] == "31251")
    }

    @Test func tcpCommandAndReadinessChecksRunAgainstTheRealProcess() throws {
        let live = try Live(ports: 31_260...31_279)
        defer { live.finish() }
        var app = Self.web(instances: 2, version: "v1")
        app.portDefinitions = [PortDefinition(name: "http")]
        app.healthChecks = [
            HealthCheck(protocol: .tcp, portIndex: 0, gracePeriodSeconds: 10, intervalSeconds: 0.5, timeoutSeconds: 0.4),
            HealthCheck(protocol: .command, command: "test \"$RELEASE\" = v1 && test -n \"$MESOS_SANDBOX\"", gracePeriodSeconds: 10,
                        intervalSeconds: 0.5, timeoutSeconds: 2, delaySeconds: 0.5),
        ]
        app.readinessChecks = [ReadinessCheck(portName: "http", intervalSeconds: 0.5, timeoutSeconds: 0.4)]
        #expect(live.deploy([app], version: "v1"))
        #expect(live.core.outcome == .succeeded)
        let healthy = live.events.filter { if case .instanceHealthChanged(_, true) = $0.kind { true } else { false } }
        let trace = live.events.filter { $0.eventType != "rollout_progress" && $0.eventType != "deployment_info" }.map { EventEncoder(epoch: 0).text($0) }.suffix(12)
        #expect(healthy.count == 2, "both instances pass a TCP connect and a command run with their environment: \(trace)")
    }

    @Test func eachCheckSaysWhyItFailed() throws {
        let sandbox = NSTemporaryDirectory()
        let closed = HealthCheck(protocol: .tcp, port: 31_299, timeoutSeconds: 0.5)
        #expect(LocalDriver.verdict(of: closed, host: "127.0.0.1", port: 31_299, environment: [:], sandbox: sandbox)
                == .unhealthy(cause: "connection to 127.0.0.1:31299 failed: Connection refused"))
        let command = HealthCheck(protocol: .command, command: "exit 3", timeoutSeconds: 2)
        #expect(LocalDriver.verdict(of: command, host: "127.0.0.1", port: nil, environment: [:], sandbox: sandbox)
                == .unhealthy(cause: "the command exited with status 3"))
        let slow = HealthCheck(protocol: .command, command: "sleep 5", timeoutSeconds: 0.3)
        #expect(LocalDriver.verdict(of: slow, host: "127.0.0.1", port: nil, environment: [:], sandbox: sandbox)
                == .unhealthy(cause: "timed out after 0.3 s"))
        #expect(Probes.healthResult(.status(204), ignoreHttp1xx: false) == .healthy)
        #expect(Probes.healthResult(.status(399), ignoreHttp1xx: false) == .healthy)
        #expect(Probes.healthResult(.status(404), ignoreHttp1xx: false) == .unhealthy(cause: "HTTP 404"))
        #expect(Probes.healthResult(.status(101), ignoreHttp1xx: true) == .ignored)
        #expect(Probes.healthResult(.status(101), ignoreHttp1xx: false) == .unhealthy(cause: "HTTP 101"))
    }

    @Test func httpAndHttpsChecksGetRealAnswers() throws {
        let folder = NSTemporaryDirectory() + "/rollwatch-tls-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // A self-signed certificate, and a python3 server with TLS on one port and plain HTTP on another.
        let openssl = try Self.spawnAndWait(["/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem",
                                             "-out", "cert.pem", "-subj", "/CN=localhost", "-days", "1"], directory: folder)
        #expect(openssl == 0)
        let server = """
            import http.server, ssl, threading
            class Handler(http.server.SimpleHTTPRequestHandler):
                def do_GET(self):
                    self.send_response(200 if self.path == '/ok' else 503); self.end_headers()
            tls = http.server.HTTPServer(('127.0.0.1', 31291), Handler)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); context.load_cert_chain('cert.pem', 'key.pem')
            tls.socket = context.wrap_socket(tls.socket, server_side=True)
            threading.Thread(target=tls.serve_forever, daemon=True).start()
            http.server.HTTPServer(('127.0.0.1', 31292), Handler).serve_forever()
            """
        let pid = try LocalProcess.spawn(["python3", "-c", server], searchPath: true, environment: ProcessInfo.processInfo.environment,
                                         directory: folder, standardOutput: "/dev/null", standardError: folder + "/stderr")
        defer {
            LocalProcess.signalGroup(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        var answers: (Probes.HTTPAnswer, Probes.HTTPAnswer) = (.failed(""), .failed(""))
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            answers = (Probes.httpsGet(host: "127.0.0.1", port: 31_291, path: "/ok", timeout: 2),
                       Probes.httpGet(host: "127.0.0.1", port: 31_292, path: "/down", timeout: 2))
            if case .status = answers.0, case .status = answers.1 { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        #expect(answers.0 == .status(200), "HTTPS without verifying the self-signed certificate")
        #expect(answers.1 == .status(503))
        #expect(Probes.healthResult(answers.1, ignoreHttp1xx: false) == .unhealthy(cause: "HTTP 503"))
        if case .failed(let reason) = Probes.httpGet(host: "127.0.0.1", port: 31_293, path: "/", timeout: 1) {
            #expect(reason == "connection to 127.0.0.1:31293 failed: Connection refused")
        } else {
            Issue.record("a closed port answered")
        }
    }

    @Test func aCrashingVersionComesBackWithMarathonsBackOffAndExitsAreTold() throws {
        let live = try Live(ports: 31_280...31_289)
        defer { live.finish() }
        var crashing = Self.web(instances: 1, version: "v1", cmd: "echo starting; exit 3")
        crashing.healthChecks = []
        crashing.backoff = BackoffStrategy(backoffSeconds: 0.3, backoffFactor: 2, maxLaunchDelaySeconds: 10)
        live.core.deploy(GroupDefinition(id: .root, apps: [crashing]), newVersions: [crashing.id: "v1"])
        _ = live.run(seconds: 3.5) { _ in false }
        let launches = live.events.compactMap { event -> Double? in
            if case .statusUpdate(_, "TASK_RUNNING", _) = event.kind { return event.time } else { return nil }
        }
        #expect(launches.count >= 3 && launches.count <= 5, "\(launches)")
        let gaps = zip(launches.dropFirst(), launches).map { $0 - $1 }
        #expect(zip(gaps.dropFirst(), gaps).allSatisfy { $0 > $1 }, "each relaunch waits longer: \(gaps)")
        let failed = live.events.compactMap { if case .statusUpdate(_, "TASK_FAILED", let message) = $0.kind { message } else { nil } }
        #expect(failed.first == "it exited with status 3")
        // A process that ends well is FINISHED, not FAILED.
        var done = Self.web(instances: 1, version: "v2", cmd: "true")
        done.healthChecks = []
        live.core.deploy(GroupDefinition(id: .root, apps: [done]), newVersions: [done.id: "v2"])
        _ = live.run(seconds: 2) { _ in
            live.events.contains { if case .statusUpdate(_, "TASK_FINISHED", _) = $0.kind { true } else { false } }
        }
        #expect(live.events.contains { if case .statusUpdate(let ref, "TASK_FINISHED", _) = $0.kind { ref.version == "v2" } else { false } },
                "\(live.events.filter { $0.eventType != "rollout_progress" && $0.eventType != "deployment_info" }.map { EventEncoder(epoch: 0).text($0) }.suffix(12))")
    }

    @Test func argsRunWithoutAShellFoundOnPath() throws {
        let live = try Live(ports: 31_294...31_298)
        defer { live.finish() }
        var app = Self.web(instances: 1, version: "v1")
        app.cmd = nil
        app.args = ["python3", "-c", "import http.server, os; http.server.HTTPServer(('127.0.0.1', int(os.environ['PORT0'])), http.server.SimpleHTTPRequestHandler).serve_forever()"]
        #expect(live.deploy([app], version: "v1"))
        #expect(live.core.outcome == .succeeded)
    }

    /// Runs a program to its end; its exit status.
    static func spawnAndWait(_ arguments: [String], directory: String) throws -> Int32 {
        let pid = try LocalProcess.spawn(arguments, environment: ProcessInfo.processInfo.environment, directory: directory,
                                         standardOutput: "/dev/null", standardError: "/dev/null")
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        return status
    }

    @Test func anInstanceWithoutAFreePortWaitsUntilOneIsGivenBack() throws {
        let live = try Live(ports: 31_300...31_301)
        defer { live.finish() }
        live.deploy([Self.web(instances: 2, version: "v1", minimumHealthCapacity: 0.5, maximumOverCapacity: 0.5)], version: "v1")
        #expect(live.core.outcome == .succeeded)
        // The surge instance finds both ports taken and waits; each old instance that stops gives one back.
        #expect(live.deploy([Self.web(instances: 2, version: "v2", minimumHealthCapacity: 0.5, maximumOverCapacity: 0.5)], version: "v2"))
        #expect(live.core.outcome == .succeeded)
        let waited = live.events.compactMap { if case .instanceUnplaceable(_, let reason) = $0.kind { reason } else { nil } }
        #expect(!waited.isEmpty && waited.allSatisfy { $0 == "no free host port in 31300–31301" }, "said once per waiting launch: \(waited)")
        let pids = Array(live.driver.runningProcesses.values)
        #expect(pids.count == 2 && pids.allSatisfy { Self.environment(of: $0)["RELEASE"] == "v2" })
    }

    @Test func theEnvironmentIsMarathonsAndTheDefinitionsEnvWins() throws {
        let live = try Live(ports: 31_302...31_309)
        defer { live.finish() }
        var app = Self.web(instances: 1, version: "v1")
        app.portDefinitions = [PortDefinition(port: 0, name: "http"), PortDefinition(port: 8125, name: "metrics")]
        app.env["HOST"] = .value("web.internal")
        app.env["TOKEN"] = .secret("token")
        app.labels = ["team": "payments", "tier.level": "gold"]
        #expect(live.deploy([app], version: "v1"))
        let pid = try #require(live.driver.runningProcesses.values.first)
        let environment = Self.environment(of: pid)
        let ports = [environment["PORT0"], environment["PORT1"]].compactMap { $0 }
        #expect(ports.count == 2 && environment["PORTS"] == ports.joined(separator: ","))
        #expect(environment["PORT_HTTP"] == ports.first && environment["PORT_METRICS"] == ports.last)
        #expect(environment["PORT_8125"] == ports.last, "Marathon's PORT_<requested port>")
        #expect(environment["PORT_\(ports[0])"] == ports.first, "a dynamic port is named by itself")
        #expect(environment["HOST"] == "web.internal", "the definition's env wins over Marathon's")
        #expect(environment["TOKEN"] == nil, "secrets are not resolved here")
        #expect(environment["MARATHON_APP_LABELS"] == "TEAM TIER_LEVEL" && environment["MARATHON_APP_LABEL_TIER_LEVEL"] == "gold")
        #expect(environment["MARATHON_APP_RESOURCE_MEM"] == "32.0")
    }

    // MARK: Helpers

    /// A process's environment, read from /proc.
    static func environment(of pid: Int32) -> [String: String] {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return [:] }
        var result: [String: String] = [:]
        for entry in data.split(separator: 0) {
            let text = String(decoding: entry, as: UTF8.self)
            guard let equals = text.firstIndex(of: "=") else { continue }
            result[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }
        return result
    }

    /// The pids of processes whose environment contains `text`.
    static func processes(withEnvironmentContaining text: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard pid != getpid(), let data = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return false }
            return String(decoding: data, as: UTF8.self).contains(text)
        }
    }

    /// A socket listening on `port` of the loopback, or nil.
    static func listen(on port: Int) -> Int32? {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr = in_addr(s_addr: INADDR_ANY)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, Glibc.listen(socket, 1) == 0 else {
            close(socket)
            return nil
        }
        return socket
    }
}
