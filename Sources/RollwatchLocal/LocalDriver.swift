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

    /// A fresh sandbox folder for this run: `$TMPDIR/rollwatch-PID-XXXXXX` (the suffix keeps a later run with the
    /// same pid, as in containers, from appending to this one's logs).
    public static func defaultSandboxRoot() -> String {
        let temporary = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        let suffix = String(UUID().uuidString.prefix(6)).lowercased()
        return (temporary as NSString).appendingPathComponent("rollwatch-\(getpid())-\(suffix)")
    }
}

/// What happened off the scheduler's thread (a process ended, a probe answered), waiting for `poll`. Background
/// threads add to it and nudge whoever runs the scheduler, which then calls `InstanceDriver.poll(now:)`.
final class LocalInbox: Sendable {
    /// One thing that happened.
    enum Arrival: Sendable {
        /// A process ended; `observedAt` tells an end that came before a kill from one that the kill caused.
        case exited(InstanceId, incarnation: Int, ProcessExit, observedAt: ContinuousClock.Instant)
        case probed(InstanceId, incarnation: Int, check: Int, probe: Int, ProbeResult)
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
        /// The scheduler's slot for it, handed back with every report.
        let slot: Int
        let definition: SpecVersion
        let sandbox: String
        var pid: pid_t?
        var ports: [Int] = []
        var environment: [String: String] = [:]
        /// When rollwatch sent SIGTERM, once it did.
        var killSentAt: ContinuousClock.Instant?
        var killing: Bool { killSentAt != nil }
        /// The timings of its health checks and when it started running, once checks were asked for.
        var health: (checks: [HealthCheckTiming], runningSince: Double)?
        /// Its readiness checks are being polled (one chain at a time, however often they are asked for).
        var checkingReadiness = false
        /// Its process has ended and been reaped: nothing may be sent to its group any more.
        var ended = false

        init(id: InstanceId, incarnation: Int, slot: Int, definition: SpecVersion, sandbox: String) {
            self.id = id
            self.incarnation = incarnation
            self.slot = slot
            self.definition = definition
            self.sandbox = sandbox
        }
    }

    /// What one of the driver's timers does.
    private enum Timer {
        case escalateKill(InstanceId, incarnation: Int)
        /// Look again for ports for the instances that wait for them.
        case retryWaiting
        case probe(InstanceId, incarnation: Int, check: Int, probe: Int)
        case readiness(InstanceId, incarnation: Int, ReadinessCheck)
    }

    public let options: LocalDriverOptions
    private weak var sink: (any DriverSink)?
    private let inbox: LocalInbox
    private let monitor: ProcessMonitor
    private var reaper: Reaper?
    private var running: [InstanceId: Running] = [:]
    /// Launches that wait for host ports, in the order they came, and whether a retry is scheduled.
    private var waiting: [LaunchRequest] = []
    private var retryScheduled = false
    /// After `shutdown()`: nothing more is started.
    private var closed = false
    private var portsInUse: Set<Int> = []
    private var nextPort: Int
    private var timers: [Int: Timer] = [:]
    private var nextToken = 0
    /// Apps already told that their image is not pulled here.
    private var warnedAboutImages: Set<PathId> = []
    /// Probes block for at most their timeout, one at a time per check of an instance (the next is scheduled when
    /// one answers), so at most one thread per check waits here.
    private let probeQueue = DispatchQueue(label: "rollwatch local probes", attributes: .concurrent)

    /// A driver that runs instances under `options.sandboxRoot`; `nudge` is called (from any thread) when
    /// something waits for `poll(now:)`. It sets SIGPIPE to be ignored (a write to the reaper's pipe must fail,
    /// not end rollwatch) and SIGCHLD to its default (an ignored SIGCHLD, inherited from a parent, would reap the
    /// instances behind its back); instances start with every signal at its default.
    public init(options: LocalDriverOptions, nudge: @escaping @Sendable () -> Void) throws(LaunchError) {
        self.options = options
        inbox = LocalInbox(nudge: nudge)
        nextPort = options.ports.lowerBound
        signal(SIGPIPE, SIG_IGN)
        signal(SIGCHLD, SIG_DFL)
        do {
            try FileManager.default.createDirectory(atPath: options.sandboxRoot, withIntermediateDirectories: true)
        } catch {
            throw LaunchError(program: "the local driver", reason: "cannot make the sandbox folder \(options.sandboxRoot): \(error.localizedDescription)")
        }
        monitor = try ProcessMonitor()
        let reaper = try Reaper(directory: options.sandboxRoot, graceSeconds: options.killGraceSeconds)
        monitor.watch(reaper.pid) { _ in LocalProcess.reap(reaper.pid) }
        self.reaper = reaper
    }

    public func attach(_ sink: DriverSink) {
        self.sink = sink
    }

    /// The pids of the instances running now, for tests and the dashboard.
    public var runningProcesses: [InstanceId: pid_t] {
        running.compactMapValues(\.pid)
    }

    // MARK: Launch

    public func launch(_ request: LaunchRequest, now: Double) {
        guard !closed else { return }
        start(request, now: now, reportWaiting: true)
    }

    /// Starts a launch if its ports are free; else it waits (said once, with `reportWaiting`) and is tried again
    /// when ports are given back or a second later.
    private func start(_ request: LaunchRequest, now: Double, reportWaiting: Bool) {
        let id = request.instanceId
        let sandbox = (options.sandboxRoot as NSString).appendingPathComponent("\(id.value).\(request.incarnation)")
        let instance = Running(id: id, incarnation: request.incarnation, slot: request.slot, definition: request.definition, sandbox: sandbox)
        guard case .app(let app) = request.spec else {
            report(.unplaceable(reason: "pods do not run on the local driver"), instance, at: now)
            return
        }
        guard let arguments = Self.command(of: app) else {
            report(.unplaceable(reason: "it has no cmd or args, and its image \(app.image ?? "") cannot be pulled here"), instance, at: now)
            return
        }
        guard let ports = allocatePorts(for: app) else {
            if reportWaiting {
                let fixed = app.requirePorts || !(app.container?.portMappings ?? []).allSatisfy { ($0.hostPort ?? 0) == 0 }
                let reason = fixed ? "a host port it requires is taken" : "no free host port in \(options.ports.lowerBound)–\(options.ports.upperBound)"
                report(.unplaceable(reason: reason), instance, at: now)
            }
            waiting.append(request)
            scheduleRetry(now: now)
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
            reaper?.add(pid, graceSeconds: killGrace(of: instance))
            let inbox = self.inbox
            let incarnation = request.incarnation
            monitor.watch(pid) { exit in inbox.add(.exited(id, incarnation: incarnation, exit, observedAt: .now)) }
            let portText = ports.isEmpty ? "" : ", port" + (ports.count == 1 ? " " : "s ") + ports.map(String.init).joined(separator: ",")
            report(.condition(.running, message: "pid \(pid)\(portText)"), instance, at: now)
            report(.process(InstanceProcess(pid: pid, ports: ports, sandbox: sandbox)), instance, at: now)
        } catch let error as LaunchError {
            release(instance, now: now)
            report(.condition(.failed, message: error.description), instance, at: now)
        } catch {
            release(instance, now: now)
            report(.condition(.failed, message: "cannot make its sandbox \(sandbox): \(error.localizedDescription)"), instance, at: now)
        }
    }

    private func scheduleRetry(now: Double) {
        guard !retryScheduled else { return }
        retryScheduled = true
        schedule(.retryWaiting, at: now + 1)
    }

    /// Tries the launches that wait for ports again, in order.
    private func startWaiting(now: Double) {
        guard !waiting.isEmpty, !closed else { return }
        let candidates = waiting
        waiting.removeAll()
        for request in candidates { start(request, now: now, reportWaiting: false) }
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

    /// The instance's host ports: fixed ones where the definition asks for them (with `requirePorts`, or a
    /// mapping's `hostPort`), the others from the range; each held by no other instance and checked free on this
    /// machine, and held from now on. Nil (holding nothing) when one is not to be had.
    private func allocatePorts(for app: AppDefinition) -> [Int]? {
        let wanted: [Int] = app.usesHostNetworking ? app.portDefinitions.map { app.requirePorts ? $0.port : 0 }
            : (app.container?.portMappings ?? []).map { $0.hostPort ?? 0 }
        var ports: [Int] = []
        for fixed in wanted {
            let port: Int?
            if fixed != 0 {
                port = !portsInUse.contains(fixed) && Probes.portIsFree(fixed) ? fixed : nil
            } else {
                port = freePort()
            }
            guard let port else {
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

    /// Marathon's task environment over rollwatch's own (so that PATH and the like reach the instance, less
    /// rollwatch's own `PORT*`, `MESOS_*` and `MARATHON_*`): `PORT0`…, `PORT`, `PORTS`, `PORT_<requested port>` and
    /// `PORT_<NAME>`, `HOST`, `MARATHON_APP_*`, `MESOS_TASK_ID` and `MESOS_SANDBOX`, then the definition's `env`
    /// (secrets left out), which wins, as in Marathon.
    private func environment(for app: AppDefinition, instance: Running, version: String) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { key, _ in
            !key.hasPrefix("PORT") && !key.hasPrefix("MESOS_") && !key.hasPrefix("MARATHON_") && key != "HOST"
        }
        let names = app.portNames
        let requested = app.requestedPorts
        for (index, port) in instance.ports.enumerated() {
            environment["PORT\(index)"] = String(port)
            // Marathon's `PORT_8080` for a requested port (the host port itself for a dynamic one).
            let asked = index < requested.count && requested[index] != 0 ? requested[index] : port
            environment["PORT_\(asked)"] = String(port)
            if index < names.count, let name = names[index], !name.isEmpty { environment["PORT_" + name.uppercased()] = String(port) }
        }
        if let first = instance.ports.first {
            environment["PORT"] = String(first)
            environment["PORTS"] = instance.ports.map(String.init).joined(separator: ",")
        }
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
        for (key, value) in app.env {
            if case .value(let text) = value { environment[key] = text }
        }
        return environment
    }

    /// `my.label-key` → `MY_LABEL_KEY`: a label key as Marathon puts it in a variable name (runs of other
    /// characters become one `_`).
    static func environmentName(_ name: String) -> String {
        var result = ""
        for character in name.uppercased() {
            if character.isASCII && (character.isLetter || character.isNumber || character == "_") {
                result.append(character)
            } else if result.last != "_" {
                result.append("_")
            }
        }
        return result
    }

    // MARK: Kill

    public func kill(_ instance: InstanceId, slot: Int, keepReservation: Bool, now: Double) {
        if let index = waiting.firstIndex(where: { $0.instanceId == instance }) {
            let request = waiting.remove(at: index)
            sink?.report(.condition(.killed, message: "stopped while it waited for a port"), instance: instance, incarnation: request.incarnation,
                         slot: request.slot, at: now)
            return
        }
        guard let process = running[instance] else { return }
        guard let pid = process.pid else {
            release(process, now: now)
            report(.condition(.killed, message: "stopped before it started"), process, at: now)
            return
        }
        guard !process.killing else { return }
        process.killSentAt = .now
        LocalProcess.signalGroup(pid, SIGTERM)
        schedule(.escalateKill(instance, incarnation: process.incarnation), at: now + killGrace(of: process))
    }

    /// How long an instance gets between SIGTERM and SIGKILL: its app's own grace period, else the driver's.
    private func killGrace(of process: Running) -> Double {
        guard case .app(let app) = process.definition.spec else { return options.killGraceSeconds }
        return app.taskKillGracePeriodSeconds ?? options.killGraceSeconds
    }

    /// Stops every instance: SIGTERM to each group, SIGKILL to what is left after the longest grace period among
    /// them, every process reaped; then ends the reaper with nothing left for it, and the monitor. Nothing starts
    /// afterwards. Blocks for at most the grace period (and a second for the stubborn).
    public func shutdown() {
        guard !closed else { return }
        closed = true
        waiting.removeAll()
        var left: [pid_t: Running] = [:]
        var grace = options.killGraceSeconds
        for process in running.values {
            guard let pid = process.pid, !process.ended else { continue }
            left[pid] = process
            grace = max(grace, killGrace(of: process))
            LocalProcess.signalGroup(pid, SIGTERM)
        }
        /// Reaps the processes whose end the monitor has seen, after killing what is left of their groups.
        func collect() {
            for arrival in inbox.take() {
                guard case .exited(let id, let incarnation, _, _) = arrival, let process = running[id], process.incarnation == incarnation,
                      let pid = process.pid, left[pid] != nil else { continue }
                LocalProcess.signalGroup(pid, SIGKILL)
                LocalProcess.reap(pid)
                left[pid] = nil
                reaper?.remove(pid)
            }
        }
        let deadline = ContinuousClock.now + .milliseconds(Int64(grace * 1_000))
        while !left.isEmpty && ContinuousClock.now < deadline {
            usleep(20_000)
            collect()
        }
        for pid in left.keys { LocalProcess.signalGroup(pid, SIGKILL) }
        let stubborn = ContinuousClock.now + .seconds(1)
        while !left.isEmpty && ContinuousClock.now < stubborn {
            usleep(20_000)
            collect()
        }
        running.removeAll()
        monitor.stop()
        reaper?.finish()
        reaper = nil
    }

    // MARK: Checks

    public func startHealthChecks(_ instance: InstanceId, slot: Int, tracker: HealthTracker, now: Double) {
        guard let process = running[instance], process.pid != nil else { return }
        process.health = (tracker.checks, tracker.runningSince)
        for check in tracker.checks.indices {
            schedule(.probe(instance, incarnation: process.incarnation, check: check, probe: 0), at: max(now, tracker.probeTime(check: check, probe: 0)))
        }
    }

    public func startReadinessChecks(_ instance: InstanceId, slot: Int, check: ReadinessCheck, now: Double) {
        guard let process = running[instance], process.pid != nil, !process.checkingReadiness else { return }
        process.checkingReadiness = true
        schedule(.readiness(instance, incarnation: process.incarnation, check), at: now)
    }

    public func wake(token: Int, now: Double) {
        guard let timer = timers.removeValue(forKey: token) else { return }
        switch timer {
        case .retryWaiting:
            retryScheduled = false
            startWaiting(now: now)
        case .escalateKill(let id, let incarnation):
            guard let process = current(id, incarnation), let pid = process.pid, process.killing, !process.ended else { return }
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
        let (id, incarnation, environment, sandbox, inbox, reaper) = (process.id, process.incarnation, process.environment, process.sandbox,
                                                                        inbox, reaper)
        probeQueue.async {
            let verdict = Self.verdict(of: check, host: host, port: port, environment: environment, sandbox: sandbox, reaper: reaper)
            inbox.add(.probed(id, incarnation: incarnation, check: index, probe: probe, verdict))
        }
    }

    /// What a health check says of an instance now (this blocks for at most the check's timeout).
    public static func verdict(of check: HealthCheck, host: String, port: Int?, environment: [String: String], sandbox: String,
                               reaper: Reaper? = nil) -> ProbeResult {
        let timeout = max(0.05, check.timeoutSeconds)
        switch check.protocol {
        case .command:
            let failure = Probes.command(check.command ?? "", environment: environment, directory: sandbox, timeout: timeout, reaper: reaper)
            return failure.map { .unhealthy(cause: $0) } ?? .healthy
        case .http, .mesosHTTP:
            guard let port else { return .unhealthy(cause: "the check's port index names no port of the instance") }
            return Probes.healthResult(Probes.httpGet(host: host, port: port, path: check.path ?? "/", timeout: timeout),
                                       ignoreHttp1xx: check.ignoreHttp1xx)
        case .https, .mesosHTTPS:
            guard let port else { return .unhealthy(cause: "the check's port index names no port of the instance") }
            return Probes.healthResult(Probes.httpsGet(host: host, port: port, path: check.path ?? "/", timeout: timeout),
                                       ignoreHttp1xx: check.ignoreHttp1xx)
        case .tcp, .mesosTCP:
            guard let port else { return .unhealthy(cause: "the check's port index names no port of the instance") }
            return Probes.tcpConnect(host: host, port: port, timeout: timeout).map { .unhealthy(cause: $0) } ?? .healthy
        }
    }

    /// Runs one readiness request off the scheduler's thread.
    private func runReadiness(_ process: Running, check: ReadinessCheck) {
        guard case .app(let app) = process.definition.spec else { return }
        let port = app.portNames.firstIndex(of: check.portName).flatMap { process.ports.indices.contains($0) ? process.ports[$0] : nil }
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
            case .exited(let id, let incarnation, let exit, let observedAt):
                guard let process = current(id, incarnation) else { continue }
                // Whatever the instance left behind in its group goes with it, before its leader is reaped: until
                // then neither its pid nor its group can belong to another process.
                if let pid = process.pid {
                    LocalProcess.signalGroup(pid, SIGKILL)
                    LocalProcess.reap(pid)
                    reaper?.remove(pid)
                }
                process.ended = true
                release(process, now: now)
                // Killed by rollwatch only if the kill came before the end was seen; a crash just before is a crash.
                let killed = process.killSentAt.map { $0 <= observedAt } ?? false
                let condition: InstanceCondition = killed ? .killed : exit == .exited(code: 0) ? .finished : .failed
                let message = killed ? "stopped: it \(exit)" : "it \(exit)" + stderrTail(process)
                report(.condition(condition, message: message), process, at: now)
            case .probed(let id, let incarnation, let check, let probe, let result):
                guard let process = current(id, incarnation), !process.killing else { continue }
                report(.probe(check: check, result: result), process, at: now)
                if let health = process.health, health.checks.indices.contains(check) {
                    let next = health.checks[check].probeTime(runningSince: health.runningSince, probe: probe + 1)
                    schedule(.probe(id, incarnation: incarnation, check: check, probe: probe + 1), at: max(now, next))
                }
            case .readiness(let id, let incarnation, let ready):
                guard let process = current(id, incarnation), !process.killing else { continue }
                if ready {
                    process.checkingReadiness = false
                    report(.readiness(ready: true), process, at: now)
                } else if case .app(let app) = process.definition.spec, let check = app.readinessChecks.first {
                    schedule(.readiness(id, incarnation: incarnation, check), at: now + check.intervalSeconds)
                }
            }
        }
    }

    /// ` (stderr: last line)`: the end of an instance's error output, for the message of its exit.
    private func stderrTail(_ process: Running) -> String {
        guard let last = LocalProcess.lastLines(ofFile: process.sandbox + "/stderr", count: 1, maxBytes: 2_048).last else { return "" }
        return " (stderr: \(last.prefix(160)))"
    }

    // MARK: Bookkeeping

    private func current(_ id: InstanceId, _ incarnation: Int) -> Running? {
        guard let process = running[id], process.incarnation == incarnation else { return nil }
        return process
    }

    /// Forgets a launch, gives its ports back, and tries the launches that wait for ports.
    private func release(_ process: Running, now: Double) {
        process.ports.forEach { portsInUse.remove($0) }
        if running[process.id] === process { running[process.id] = nil }
        if !process.ports.isEmpty { startWaiting(now: now) }
    }

    private func schedule(_ timer: Timer, at time: Double) {
        guard !closed else { return }
        nextToken += 1
        timers[nextToken] = timer
        sink?.wake(token: nextToken, at: time)
    }

    private func report(_ report: DriverReport, _ process: Running, at time: Double) {
        sink?.report(report, instance: process.id, incarnation: process.incarnation, slot: process.slot, at: time)
    }
}
