import Foundation
import RollwatchCore
import Synchronization

/// Where and how the local driver runs instances.
public struct LocalDriverOptions: Sendable {
    /// The host ports instances get (Marathon's default range on an agent is 31000–32000). A port something
    /// else listens on is skipped.
    public var ports: ClosedRange<Int>
    /// The folder that holds a sandbox per instance (its working directory, `stdout` and `stderr`).
    public var sandboxRoot: String
    /// The SIGTERM → SIGKILL delay for apps that set no `taskKillGracePeriodSeconds`.
    public var killGraceSeconds: Double
    /// The address instances are reached at, for checks and for `HOST`.
    public var host: String

    public init(ports: ClosedRange<Int> = 31_000...32_000, sandboxRoot: String, killGraceSeconds: Double = 3, host: String = "127.0.0.1") {
        self.ports = ports
        self.sandboxRoot = sandboxRoot
        self.killGraceSeconds = killGraceSeconds
        self.host = host
    }

    /// A fresh sandbox folder for this run: `$TMPDIR/rollwatch-PID`.
    public static func defaultSandboxRoot() -> String {
        let temporary = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        return (temporary as NSString).appendingPathComponent("rollwatch-\(getpid())")
    }
}

/// What happened off the scheduler's thread (a process ended, a probe answered), waiting for `poll`. Background
/// threads add to it and nudge whoever runs the scheduler, which then calls `InstanceDriver.poll(now:)`.
final class LocalInbox: Sendable {
    /// One thing that happened.
    enum Arrival: Sendable {
        case exited(InstanceId, incarnation: Int, ProcessExit)
        case probed(InstanceId, incarnation: Int, check: Int, probe: Int, ProbeVerdict)
        case readiness(InstanceId, incarnation: Int, ready: Bool)
    }

    private let arrivals = Mutex<[Arrival]>([])
    let nudge: @Sendable () -> Void

    init(nudge: @escaping @Sendable () -> Void) {
        self.nudge = nudge
    }

    func add(_ arrival: Arrival) {
        arrivals.withLock { $0.append(arrival) }
        nudge()
    }

    func take() -> [Arrival] {
        arrivals.withLock { list in
            defer { list.removeAll(keepingCapacity: true) }
            return list
        }
    }
}

/// The `local` driver: each instance is a real process on this machine, started through `/bin/sh -c` (or its
/// `args`) in a process group and a sandbox folder of its own, with Marathon's environment and ports from a
/// range; health and readiness checks are real requests; a kill is SIGTERM to the group, then SIGKILL after the
/// grace period. A reaper process stops every instance left if rollwatch itself dies.
///
/// The scheduler calls it from its thread; processes ending and probes answering arrive on other threads and wait
/// in an inbox until the scheduler calls `poll(now:)`, which the `nudge` given at creation asks it to do.
public final class LocalDriver: InstanceDriver {
    /// One launch of an instance, while its process runs or is being started.
    private final class Running {
        let id: InstanceId
        let incarnation: Int
        let definition: SpecVersion
        let sandbox: String
        var pid: pid_t?
        var ports: [Int] = []
        var environment: [String: String] = [:]
        var killing = false
        /// The timings of its health checks and when it started running, once checks were asked for.
        var health: (checks: [HealthCheckTiming], runningSince: Double)?
        /// The last health check's answer, in words.
        var lastHealth: String?

        init(id: InstanceId, incarnation: Int, definition: SpecVersion, sandbox: String) {
            self.id = id
            self.incarnation = incarnation
            self.definition = definition
            self.sandbox = sandbox
        }
    }

    /// What one of the driver's timers does.
    private enum Timer {
        case escalateKill(InstanceId, incarnation: Int)
        case probe(InstanceId, incarnation: Int, check: Int, probe: Int)
        case readiness(InstanceId, incarnation: Int, ReadinessCheck)
    }

    public let options: LocalDriverOptions
    private weak var sink: (any DriverSink)?
    private let inbox: LocalInbox
    private let monitor = ProcessMonitor()
    private var reaper: Reaper?
    private var running: [InstanceId: Running] = [:]
    private var portsInUse: Set<Int> = []
    private var nextPort: Int
    private var timers: [Int: Timer] = [:]
    private var nextToken = 0
    /// Apps already told that their image is not pulled here.
    private var warnedAboutImages: Set<PathId> = []
    private let probeQueue = DispatchQueue(label: "rollwatch local probes", attributes: .concurrent)

    /// A driver that runs instances under `options.sandboxRoot`; `nudge` is called (from any thread) when
    /// something waits for `poll(now:)`.
    public init(options: LocalDriverOptions, nudge: @escaping @Sendable () -> Void) throws(LaunchError) {
        self.options = options
        inbox = LocalInbox(nudge: nudge)
        nextPort = options.ports.lowerBound
        // A write to a pipe whose reader has gone must fail, not kill rollwatch (instances get the default back).
        signal(SIGPIPE, SIG_IGN)
        do {
            try FileManager.default.createDirectory(atPath: options.sandboxRoot, withIntermediateDirectories: true)
        } catch {
            throw LaunchError(program: "the local driver", reason: "cannot make the sandbox folder \(options.sandboxRoot): \(error.localizedDescription)")
        }
        let reaper = try Reaper(directory: options.sandboxRoot)
        monitor.watch(reaper.pid) { _ in }
        self.reaper = reaper
    }

    public func attach(_ sink: DriverSink) {
        self.sink = sink
    }

    /// The pids of the instances running now, for tests and the dashboard.
    public var runningProcesses: [InstanceId: pid_t] {
        running.compactMapValues(\.pid)
    }

    /// The sandbox folder of an instance's current launch.
    public func sandbox(of id: InstanceId) -> String? {
        running[id]?.sandbox
    }

    // MARK: Launch

    public func launch(_ request: LaunchRequest, now: Double) {
        let id = request.instanceId
        let sandbox = (options.sandboxRoot as NSString).appendingPathComponent("\(id.value).\(request.incarnation)")
        let instance = Running(id: id, incarnation: request.incarnation, definition: request.definition, sandbox: sandbox)
        guard case .app(let app) = request.spec else {
            report(.unplaceable(reason: "pods do not run on the local driver"), instance, at: now)
            return
        }
        guard let arguments = Self.command(of: app) else {
            report(.unplaceable(reason: "it has no cmd or args, and its image \(app.image ?? "") cannot be pulled here"), instance, at: now)
            return
        }
        guard let ports = allocatePorts(for: app) else {
            report(.unplaceable(reason: "no free host port in \(options.ports.lowerBound)–\(options.ports.upperBound)"), instance, at: now)
            return
        }
        instance.ports = ports
        running[id] = instance
        report(.placed(agent: "local", host: options.host), instance, at: now)
        var starting = "starting in \(sandbox)"
        if let image = app.image, warnedAboutImages.insert(app.id).inserted {
            starting += "; images are not pulled here, so \(image)'s cmd runs on this machine"
        }
        report(.condition(.starting, message: starting), instance, at: now)
        instance.environment = environment(for: app, instance: instance, version: request.version)
        do {
            try FileManager.default.createDirectory(atPath: sandbox, withIntermediateDirectories: true)
            let pid = try LocalProcess.spawn(arguments.command, searchPath: arguments.searchPath, environment: instance.environment,
                                             directory: sandbox, standardOutput: sandbox + "/stdout", standardError: sandbox + "/stderr")
            instance.pid = pid
            reaper?.add(pid)
            let inbox = self.inbox
            let incarnation = request.incarnation
            monitor.watch(pid) { exit in inbox.add(.exited(id, incarnation: incarnation, exit)) }
            let portText = ports.isEmpty ? "" : ", port" + (ports.count == 1 ? " " : "s ") + ports.map(String.init).joined(separator: ",")
            report(.condition(.running, message: "pid \(pid)\(portText)"), instance, at: now)
            report(.process(InstanceProcess(pid: pid, ports: ports, sandbox: sandbox)), instance, at: now)
        } catch let error as LaunchError {
            release(instance)
            report(.condition(.failed, message: error.description), instance, at: now)
        } catch {
            release(instance)
            report(.condition(.failed, message: "cannot make its sandbox \(sandbox): \(error.localizedDescription)"), instance, at: now)
        }
    }

    /// Instances cannot be adopted: nothing of rollwatch's runs here before it starts. The fleet is started by a
    /// deployment instead.
    public func adopt(_ request: LaunchRequest, condition: InstanceCondition, healthy: Bool?, now: Double) -> (agent: String, host: String)? {
        nil
    }

    /// The program and its arguments: `cmd` through `/bin/sh -c`, else `args` looked up on PATH.
    public static func command(of app: AppDefinition) -> (command: [String], searchPath: Bool)? {
        if let cmd = app.cmd, !cmd.isEmpty { return (["/bin/sh", "-c", cmd], false) }
        if let args = app.args, !args.isEmpty { return (args, true) }
        return nil
    }

    /// The instance's host ports: fixed ones where the definition asks for them (with `requirePorts`), the
    /// others from the range, each checked free on this machine. Nil when the range is exhausted.
    private func allocatePorts(for app: AppDefinition) -> [Int]? {
        let wanted: [Int] = app.usesHostNetworking ? app.portDefinitions.map { app.requirePorts ? $0.port : 0 }
            : (app.container?.portMappings ?? []).map { $0.hostPort ?? 0 }
        var ports: [Int] = []
        for fixed in wanted {
            if fixed != 0 {
                ports.append(fixed)
                continue
            }
            guard let port = freePort() else {
                ports.forEach { portsInUse.remove($0) }
                return nil
            }
            portsInUse.insert(port)
            ports.append(port)
        }
        return ports
    }

    /// The next port of the range that no instance holds and nothing listens on.
    private func freePort() -> Int? {
        let span = options.ports.count
        for offset in 0..<span {
            let port = options.ports.lowerBound + (nextPort - options.ports.lowerBound + offset) % span
            guard !portsInUse.contains(port), Probes.portIsFree(port) else { continue }
            nextPort = port + 1 > options.ports.upperBound ? options.ports.lowerBound : port + 1
            return port
        }
        return nil
    }

    /// Marathon's task environment: the definition's `env` (secrets left out), then `PORT0`…, `PORT`, `PORTS`,
    /// `PORT_NAME`, `HOST`, `MARATHON_APP_*`, `MESOS_TASK_ID` and `MESOS_SANDBOX`, over rollwatch's own environment
    /// (so that PATH and the like reach the instance).
    private func environment(for app: AppDefinition, instance: Running, version: String) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        for (key, value) in app.env {
            if case .value(let text) = value { environment[key] = text }
        }
        let names: [String?] = app.usesHostNetworking ? app.portDefinitions.map(\.name) : (app.container?.portMappings ?? []).map(\.name)
        for (index, port) in instance.ports.enumerated() {
            environment["PORT\(index)"] = String(port)
            if index < names.count, let name = names[index], !name.isEmpty {
                environment["PORT_" + Self.environmentName(name)] = String(port)
            }
        }
        if let first = instance.ports.first { environment["PORT"] = String(first) }
        environment["PORTS"] = instance.ports.map(String.init).joined(separator: ",")
        environment["HOST"] = options.host
        environment["MARATHON_APP_ID"] = app.id.description
        environment["MARATHON_APP_VERSION"] = version
        environment["MARATHON_APP_RESOURCE_CPUS"] = String(app.resources.cpus)
        environment["MARATHON_APP_RESOURCE_MEM"] = String(app.resources.mem)
        environment["MARATHON_APP_RESOURCE_DISK"] = String(app.resources.disk)
        environment["MARATHON_APP_RESOURCE_GPUS"] = String(app.resources.gpus)
        if let image = app.image { environment["MARATHON_APP_DOCKER_IMAGE"] = image }
        let labels = app.labels.keys.sorted()
        environment["MARATHON_APP_LABELS"] = labels.map(Self.environmentName).joined(separator: " ")
        for key in labels { environment["MARATHON_APP_LABEL_" + Self.environmentName(key)] = app.labels[key] }
        environment["MESOS_TASK_ID"] = instance.id.value
        environment["MESOS_SANDBOX"] = instance.sandbox
        return environment
    }

    /// `http-api` → `HTTP_API`: a name as Marathon puts it in a variable name.
    static func environmentName(_ name: String) -> String {
        String(name.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }

    // MARK: Kill

    public func kill(_ instance: InstanceId, keepReservation: Bool, now: Double) {
        guard let process = running[instance] else { return }
        guard let pid = process.pid else {
            release(process)
            report(.condition(.killed, message: "stopped before it started"), process, at: now)
            return
        }
        guard !process.killing else { return }
        process.killing = true
        LocalProcess.signalGroup(pid, SIGTERM)
        var grace = options.killGraceSeconds
        if case .app(let app) = process.definition.spec, let own = app.taskKillGracePeriodSeconds { grace = own }
        schedule(.escalateKill(instance, incarnation: process.incarnation), at: now + grace)
    }

    /// Stops every instance: SIGTERM to each group, SIGKILL to those left after the grace period, then ends
    /// the reaper with nothing left for it. Blocks for at most the grace period.
    public func shutdown() {
        let pids = running.values.compactMap(\.pid)
        for pid in pids { LocalProcess.signalGroup(pid, SIGTERM) }
        let deadline = Date().addingTimeInterval(options.killGraceSeconds)
        while Date() < deadline, pids.contains(where: { Glibc.kill($0, 0) == 0 }) {
            usleep(20_000)
        }
        for pid in pids {
            LocalProcess.signalGroup(pid, SIGKILL)
            reaper?.remove(pid)
        }
        running.removeAll()
        reaper?.finish()
        reaper = nil
    }

    // MARK: Checks

    public func startHealthChecks(_ instance: InstanceId, tracker: HealthTracker, now: Double) {
        guard let process = running[instance], process.pid != nil else { return }
        process.health = (tracker.checks, tracker.runningSince)
        for check in tracker.checks.indices {
            schedule(.probe(instance, incarnation: process.incarnation, check: check, probe: 0), at: max(now, tracker.probeTime(check: check, probe: 0)))
        }
    }

    public func startReadinessChecks(_ instance: InstanceId, check: ReadinessCheck, now: Double) {
        guard let process = running[instance], process.pid != nil else { return }
        schedule(.readiness(instance, incarnation: process.incarnation, check), at: now)
    }

    public func wake(token: Int, now: Double) {
        guard let timer = timers.removeValue(forKey: token) else { return }
        switch timer {
        case .escalateKill(let id, let incarnation):
            guard let process = current(id, incarnation), let pid = process.pid, process.killing else { return }
            LocalProcess.signalGroup(pid, SIGKILL)
        case .probe(let id, let incarnation, let check, let probe):
            guard let process = current(id, incarnation), !process.killing else { return }
            runProbe(process, check: check, probe: probe)
        case .readiness(let id, let incarnation, let check):
            guard let process = current(id, incarnation), !process.killing else { return }
            runReadiness(process, check: check)
        }
    }

    /// Runs one health check probe off the scheduler's thread; its verdict arrives through the inbox.
    private func runProbe(_ process: Running, check index: Int, probe: Int) {
        guard case .app(let app) = process.definition.spec, app.healthChecks.indices.contains(index) else { return }
        let check = app.healthChecks[index]
        let host = options.host
        let portIndex = check.portIndex ?? 0
        let port = check.port ?? (process.ports.indices.contains(portIndex) ? process.ports[portIndex] : nil)
        let (id, incarnation, environment, sandbox, inbox) = (process.id, process.incarnation, process.environment, process.sandbox, inbox)
        probeQueue.async {
            let verdict = Self.verdict(of: check, host: host, port: port, environment: environment, sandbox: sandbox)
            inbox.add(.probed(id, incarnation: incarnation, check: index, probe: probe, verdict))
        }
    }

    /// What a health check says of an instance now (this blocks for at most the check's timeout).
    public static func verdict(of check: HealthCheck, host: String, port: Int?, environment: [String: String], sandbox: String) -> ProbeVerdict {
        let timeout = max(0.05, check.timeoutSeconds)
        switch check.protocol {
        case .command:
            let failure = Probes.command(check.command ?? "", environment: environment, directory: sandbox, timeout: timeout)
            return failure.map(ProbeVerdict.unhealthy) ?? .healthy
        case .http, .mesosHTTP:
            guard let port else { return .unhealthy("the check's port index names no port of the instance") }
            return Probes.healthResult(Probes.httpGet(host: host, port: port, path: check.path ?? "/", timeout: timeout),
                                       ignoreHttp1xx: check.ignoreHttp1xx)
        case .https, .mesosHTTPS:
            guard let port else { return .unhealthy("the check's port index names no port of the instance") }
            return Probes.healthResult(Probes.httpsGet(host: host, port: port, path: check.path ?? "/", timeout: timeout),
                                       ignoreHttp1xx: check.ignoreHttp1xx)
        case .tcp, .mesosTCP:
            guard let port else { return .unhealthy("the check's port index names no port of the instance") }
            return Probes.tcpConnect(host: host, port: port, timeout: timeout).map(ProbeVerdict.unhealthy) ?? .healthy
        }
    }

    /// Runs one readiness request off the scheduler's thread.
    private func runReadiness(_ process: Running, check: ReadinessCheck) {
        guard case .app(let app) = process.definition.spec else { return }
        let names: [String?] = app.usesHostNetworking ? app.portDefinitions.map(\.name) : (app.container?.portMappings ?? []).map(\.name)
        let port = names.firstIndex(of: check.portName).flatMap { process.ports.indices.contains($0) ? process.ports[$0] : nil }
        let (id, incarnation, host, inbox) = (process.id, process.incarnation, options.host, inbox)
        probeQueue.async {
            var ready = false
            if let port {
                let timeout = max(0.05, check.timeoutSeconds)
                let answer = check.protocol == .https ? Probes.httpsGet(host: host, port: port, path: check.path, timeout: timeout)
                    : Probes.httpGet(host: host, port: port, path: check.path, timeout: timeout)
                if case .status(let code) = answer { ready = check.httpStatusCodesForReady.contains(code) }
            }
            inbox.add(.readiness(id, incarnation: incarnation, ready: ready))
        }
    }

    // MARK: Arrivals

    /// Hands what happened off the scheduler's thread to the scheduler, as of `now`.
    public func poll(now: Double) {
        for arrival in inbox.take() {
            switch arrival {
            case .exited(let id, let incarnation, let exit):
                guard let process = current(id, incarnation) else { continue }
                // Whatever the instance left behind in its group goes with it.
                if let pid = process.pid {
                    LocalProcess.signalGroup(pid, SIGKILL)
                    reaper?.remove(pid)
                }
                release(process)
                let condition: InstanceCondition = process.killing ? .killed : exit == .exited(code: 0) ? .finished : .failed
                let message = process.killing ? "stopped: it \(exit)" : "it \(exit)" + stderrTail(process)
                report(.condition(condition, message: message), process, at: now)
            case .probed(let id, let incarnation, let check, let probe, let verdict):
                guard let process = current(id, incarnation), !process.killing else { continue }
                let result: ProbeResult
                switch verdict {
                case .healthy: result = .healthy
                case .unhealthy(let cause): result = .unhealthy(cause: cause)
                case .ignored: result = .ignored
                }
                process.lastHealth = { if case .unhealthy(let cause) = verdict { return "unhealthy: \(cause)" } else { return "healthy" } }()
                report(.probe(check: check, result: result), process, at: now)
                if let health = process.health, health.checks.indices.contains(check) {
                    let next = health.checks[check].probeTime(runningSince: health.runningSince, probe: probe + 1)
                    schedule(.probe(id, incarnation: incarnation, check: check, probe: probe + 1), at: max(now, next))
                }
            case .readiness(let id, let incarnation, let ready):
                guard let process = current(id, incarnation), !process.killing else { continue }
                if ready {
                    report(.readiness(ready: true), process, at: now)
                } else if case .app(let app) = process.definition.spec, let check = app.readinessChecks.first {
                    schedule(.readiness(id, incarnation: incarnation, check), at: now + check.intervalSeconds)
                }
            }
        }
    }

    /// ` (stderr: last line)`: the end of an instance's error output, for the message of its exit.
    private func stderrTail(_ process: Running) -> String {
        guard let data = FileManager.default.contents(atPath: process.sandbox + "/stderr"), !data.isEmpty else { return "" }
        let lines = String(decoding: data.suffix(2_048), as: UTF8.self).split(whereSeparator: \.isNewline)
        guard let last = lines.last else { return "" }
        return " (stderr: \(last.prefix(160)))"
    }

    // MARK: Bookkeeping

    private func current(_ id: InstanceId, _ incarnation: Int) -> Running? {
        guard let process = running[id], process.incarnation == incarnation else { return nil }
        return process
    }

    /// Forgets a launch and gives its ports back.
    private func release(_ process: Running) {
        process.ports.forEach { portsInUse.remove($0) }
        if running[process.id] === process { running[process.id] = nil }
    }

    private func schedule(_ timer: Timer, at time: Double) {
        nextToken += 1
        timers[nextToken] = timer
        sink?.wake(token: nextToken, at: time)
    }

    private func report(_ report: DriverReport, _ process: Running, at time: Double) {
        sink?.report(report, instance: process.id, incarnation: process.incarnation, at: time)
    }
}
