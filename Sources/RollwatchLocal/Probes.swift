import CLocalProcess
import Foundation
import RollwatchCore

/// The checks the local driver runs against real processes: an HTTP GET, a TCP connect, a shell command. Each
/// blocks its caller for at most its timeout; the driver runs them off the scheduler's thread.
public enum Probes {
    /// What an HTTP request got: a status code, or why there was none.
    public enum HTTPAnswer: Sendable, Hashable {
        case status(Int)
        case failed(String)
    }

    /// `GET path` on `host:port` over plain HTTP/1.1, waiting at most `timeout` seconds in all; the status code.
    public static func httpGet(host: String, port: Int, path: String, timeout: Double) -> HTTPAnswer {
        let deadline = monotonicNow() + timeout
        let socket: Int32
        switch connect(host: host, port: port, timeout: timeout) {
        case .failure(let failure): return .failed(failure.reason)
        case .success(let connected): socket = connected
        }
        defer { close(socket) }
        let request = "GET \(path.hasPrefix("/") ? path : "/" + path) HTTP/1.1\r\nHost: \(host):\(port)\r\nUser-Agent: rollwatch\r\n"
            + "Accept: */*\r\nConnection: close\r\n\r\n"
        let bytes = Array(request.utf8)
        var sent = 0
        while sent < bytes.count {
            let remaining = deadline - monotonicNow()
            guard remaining > 0, wait(for: socket, events: Int16(POLLOUT), seconds: remaining) else { return .failed("timed out after \(seconds(timeout))") }
            let count = bytes[sent...].withUnsafeBufferPointer { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { return .failed("connection closed while sending: \(String(cString: strerror(errno)))") }
            sent += count
        }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1_024)
        while !answer.contains(UInt8(ascii: "\n")) && answer.count < 8_192 {
            let remaining = deadline - monotonicNow()
            guard remaining > 0, wait(for: socket, events: Int16(POLLIN), seconds: remaining) else { return .failed("timed out after \(seconds(timeout))") }
            let count = recv(socket, &buffer, buffer.count, 0)
            guard count > 0 else { break }
            answer += buffer[0..<count]
        }
        let statusLine = String(decoding: answer.prefix { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let code = Int(parts[1]) else {
            return .failed(answer.isEmpty ? "the connection closed without an answer" : "not an HTTP answer: \(statusLine.prefix(60))")
        }
        return .status(code)
    }

    /// `GET path` over HTTPS, without verifying the certificate (as Marathon's HTTPS checks do), through curl: the
    /// status code. Rollwatch has no TLS of its own.
    public static func httpsGet(host: String, port: Int, path: String, timeout: Double) -> HTTPAnswer {
        guard let curl = ["/usr/bin/curl", "/bin/curl", "/usr/local/bin/curl"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            return .failed("HTTPS checks need curl on this machine (apt-get install curl)")
        }
        let url = "https://\(host):\(port)\(path.hasPrefix("/") ? path : "/" + path)"
        let output = (NSTemporaryDirectory() as NSString).appendingPathComponent("rollwatch-https-\(UUID().uuidString)")
        defer { unlink(output) }
        let pid: pid_t
        do {
            pid = try LocalProcess.spawn([curl, "-k", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", String(timeout), url],
                                         environment: ["PATH": "/usr/bin:/bin"], directory: "/", standardOutput: output, standardError: "/dev/null")
        } catch {
            return .failed(error.description)
        }
        // curl ends itself after --max-time.
        let exit = LocalProcess.reap(pid)
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        guard let code = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), code > 0 else {
            return .failed("no HTTPS answer from \(host):\(port) (curl \(exit))")
        }
        return .status(code)
    }

    /// Marathon's reading of an HTTP health check's answer: 200–399 healthy, 1xx ignored with `ignoreHttp1xx`,
    /// anything else unhealthy with the reason.
    public static func healthResult(_ answer: HTTPAnswer, ignoreHttp1xx: Bool) -> ProbeResult {
        switch answer {
        case .status(let code) where (200...399).contains(code): return .healthy
        case .status(let code) where ignoreHttp1xx && (100...199).contains(code): return .ignored
        case .status(let code): return .unhealthy(cause: "HTTP \(code)")
        case .failed(let reason): return .unhealthy(cause: reason)
        }
    }

    /// A TCP connection to `host:port` within `timeout`: nil when it succeeded, else why not.
    public static func tcpConnect(host: String, port: Int, timeout: Double) -> String? {
        switch connect(host: host, port: port, timeout: timeout) {
        case .failure(let failure): return failure.reason
        case .success(let socket):
            close(socket)
            return nil
        }
    }

    /// Runs `command` through `/bin/sh -c` with `environment` in `directory`, in a process group of its own that
    /// `reaper` (when given) looks after while it runs; whatever is left of the group when it ends, or when
    /// `timeout` passes, is killed. Nil when it exited 0, else why not.
    public static func command(_ command: String, environment: [String: String], directory: String, timeout: Double,
                               reaper: Reaper? = nil) -> String? {
        let pid: pid_t
        do {
            pid = try LocalProcess.spawn(["/bin/sh", "-c", command], environment: environment, directory: directory,
                                         standardOutput: "/dev/null", standardError: "/dev/null")
        } catch {
            return error.description
        }
        reaper?.add(pid)
        defer { reaper?.remove(pid) }
        var ended = false
        let descriptor = rw_pidfd_open(pid)
        if descriptor >= 0 {
            ended = wait(for: descriptor, events: Int16(POLLIN), seconds: timeout)
            close(descriptor)
        } else {
            // No pidfd: look every 20 ms.
            let deadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1_000))
            var code: Int32 = 0, signal: Int32 = 0
            while !ended && ContinuousClock.now < deadline {
                ended = rw_peek_exit(pid, &code, &signal) != 0
                if !ended { usleep(20_000) }
            }
        }
        // The group goes before the leader is reaped, while its id cannot belong to anyone else.
        LocalProcess.signalGroup(pid, SIGKILL)
        let exit = LocalProcess.reap(pid)
        guard ended else { return "timed out after \(seconds(timeout))" }
        return exit == .exited(code: 0) ? nil : "the command \(exit)"
    }

    /// True when `port` can be bound now: nothing listens there. Connections of a server that has gone (in
    /// TIME_WAIT) do not count, as they do not for servers that set SO_REUSEADDR, as nearly all do.
    public static func portIsFree(_ port: Int) -> Bool {
        guard (1...65_535).contains(port) else { return false }
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socket >= 0 else { return false }
        defer { close(socket) }
        var reuse: Int32 = 1
        setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr = in_addr(s_addr: INADDR_ANY)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return bound == 0
    }

    // MARK: Sockets

    private static func connect(host: String, port: Int, timeout: Double) -> Result<Int32, ConnectFailure> {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard socket >= 0 else { return .failure(ConnectFailure("no socket: \(String(cString: strerror(errno)))")) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(clamping: port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            close(socket)
            return .failure(ConnectFailure("\(host) is not an IPv4 address"))
        }
        let started = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if started != 0 && errno != EINPROGRESS {
            let reason = String(cString: strerror(errno))
            close(socket)
            return .failure(ConnectFailure("connection to \(host):\(port) failed: \(reason)"))
        }
        if started != 0 {
            guard wait(for: socket, events: Int16(POLLOUT), seconds: timeout) else {
                close(socket)
                return .failure(ConnectFailure("connection to \(host):\(port) timed out after \(seconds(timeout))"))
            }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(socket, SOL_SOCKET, SO_ERROR, &error, &length)
            guard error == 0 else {
                close(socket)
                return .failure(ConnectFailure("connection to \(host):\(port) failed: \(String(cString: strerror(error)))"))
            }
        }
        return .success(socket)
    }

    /// Waits until `descriptor` is ready for `events`, at most `seconds`; false on timeout.
    private static func wait(for descriptor: Int32, events: Int16, seconds: Double) -> Bool {
        var entry = pollfd(fd: descriptor, events: events, revents: 0)
        let deadline = monotonicNow() + seconds
        while true {
            let remaining = max(0, deadline - monotonicNow())
            let result = poll(&entry, 1, Int32(min(remaining * 1_000, Double(Int32.max)).rounded(.up)))
            if result > 0 { return true }
            if result == 0 { return false }
            if errno != EINTR { return false }
        }
    }

    /// Seconds on a clock that only moves forward (a wall-clock change does not shorten or stretch a timeout).
    private static func monotonicNow() -> Double {
        Double(DispatchTime.now().uptimeNanoseconds) / 1e9
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }

    /// Why a connection could not be made.
    private struct ConnectFailure: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }
}

