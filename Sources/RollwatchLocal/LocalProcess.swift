import CLocalProcess
import Foundation
import Synchronization

/// A program that could not be started: which, and why.
public struct LaunchError: Error, Sendable, CustomStringConvertible {
    public let program: String
    public let reason: String

    public var description: String { "cannot start \(program): \(reason)" }
}

/// How a process ended.
public enum ProcessExit: Sendable, Hashable, CustomStringConvertible {
    case exited(code: Int32)
    case signalled(signal: Int32)
    /// It ended, but its status could not be read (someone else reaped it).
    case unknown

    /// From `waitpid`'s status (WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift does not import).
    init(status: Int32) {
        if status & 0x7f == 0 {
            self = .exited(code: (status >> 8) & 0xff)
        } else {
            self = .signalled(signal: status & 0x7f)
        }
    }

    /// `exited with status 1`, `was killed by SIGKILL`: what follows "it".
    public var description: String {
        switch self {
        case .exited(let code): return "exited with status \(code)"
        case .signalled(let signal): return "was killed by \(Self.signalName(signal))"
        case .unknown: return "ended (its status could not be read)"
        }
    }

    static func signalName(_ signal: Int32) -> String {
        switch signal {
        case SIGTERM: return "SIGTERM"
        case SIGKILL: return "SIGKILL"
        case SIGINT: return "SIGINT"
        case SIGSEGV: return "SIGSEGV"
        case SIGABRT: return "SIGABRT"
        case SIGHUP: return "SIGHUP"
        default: return "signal \(signal)"
        }
    }
}

/// Starting processes the way an agent would: in a process group of their own (so that a kill reaches every
/// process of an instance), with no signal blocked or ignored, stdin from /dev/null, stdout and stderr into files,
/// in a working directory, with exactly the environment given and none of rollwatch's descriptors.
public enum LocalProcess {
    /// Starts `arguments` (the first looked up on the PATH of `environment` when `searchPath`), returning its pid,
    /// which is also its process group id. `standardInput` is a descriptor to read from instead of /dev/null.
    public static func spawn(_ arguments: [String], searchPath: Bool = false, environment: [String: String], directory: String,
                             standardInput: Int32? = nil, standardOutput: String, standardError: String) throws(LaunchError) -> pid_t {
        guard let program = arguments.first else { throw LaunchError(program: "(nothing)", reason: "no command") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let standardInput {
            posix_spawn_file_actions_adddup2(&actions, standardInput, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 1, standardOutput, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, standardError, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        rw_spawn_closefrom(&actions, 3)
        rw_spawn_chdir(&actions, directory)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        // Looked up on the PATH of the environment given (the instance's), not rollwatch's own.
        let path = searchPath && !program.contains("/") ? Self.find(program, path: environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin") : program
        guard let path else { throw LaunchError(program: program, reason: "not found on PATH") }
        let result = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard result == 0 else { throw LaunchError(program: program, reason: String(cString: strerror(result))) }
        return pid
    }

    /// The last `count` lines of a file, reading at most its last `maxBytes` bytes (an instance's stderr can be
    /// large): for the message of an exit and the dashboard's detail.
    public static func lastLines(ofFile path: String, count: Int, maxBytes: UInt64 = 4_096) -> [String] {
        guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > maxBytes ? size - maxBytes : 0)
        let data = (try? handle.readToEnd()) ?? Data()
        return String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).suffix(count).map(String.init)
    }

    /// The first executable file named `program` in the folders of `path` (a PATH value).
    static func find(_ program: String, path: String) -> String? {
        for folder in path.split(separator: ":") where !folder.isEmpty {
            let candidate = folder + "/" + program
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// Sends `signal` to every process of the group `group`; false when none is left.
    @discardableResult
    public static func signalGroup(_ group: pid_t, _ signal: Int32) -> Bool {
        kill(-group, signal) == 0
    }

    /// Reaps an ended child, so that its pid can be used again; its status, when it could be read.
    @discardableResult
    public static func reap(_ pid: pid_t) -> ProcessExit {
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, 0)
            if result == pid { return ProcessExit(status: status) }
            if result < 0 && errno == EINTR { continue }
            return .unknown
        }
    }

    /// Opens a pipe whose two ends are closed when rollwatch starts another program.
    static func pipeClosedOnExec() -> (read: Int32, write: Int32)? {
        var ends: [Int32] = [-1, -1]
        guard rw_pipe_cloexec(&ends) == 0 else { return nil }
        return (ends[0], ends[1])
    }
}

/// Watches processes end, on one thread that polls a pidfd per process: no thread per process, no polling of the
/// process table. It never reaps: the owner reaps a process (`LocalProcess.reap`) once it has acted on its end, so
/// that until then its pid and process group cannot be given to another process.
public final class ProcessMonitor: Sendable {
    /// A watched process and what to call when it ends.
    private struct Watch {
        let pid: pid_t
        let descriptor: Int32
        let ended: @Sendable (ProcessExit) -> Void
    }

    private let watches = Mutex<[Watch]>([])
    /// Written to when the watch list changes, so that the poll starts over with it.
    private let wake: (read: Int32, write: Int32)
    private let stopped = Mutex(false)

    /// Starts the monitor's thread.
    public init() throws(LaunchError) {
        guard let ends = LocalProcess.pipeClosedOnExec() else { throw LaunchError(program: "the process monitor", reason: "no pipe") }
        wake = ends
        let thread = Thread { [self] in loop() }
        thread.name = "rollwatch process monitor"
        thread.start()
    }

    /// Calls `ended` once `pid`, a child of this process, has ended (on the monitor's thread; on a thread of its
    /// own on kernels without pidfds). The process is left for the caller to reap.
    public func watch(_ pid: pid_t, ended: @escaping @Sendable (ProcessExit) -> Void) {
        let descriptor = rw_pidfd_open(pid)
        guard descriptor >= 0 else {
            // No pidfd (a kernel before 5.3): look every 50 ms on a thread of its own.
            let thread = Thread {
                var code: Int32 = 0, signal: Int32 = 0
                while true {
                    let state = rw_peek_exit(pid, &code, &signal)
                    if state == 1 { return ended(code >= 0 ? .exited(code: code) : .signalled(signal: signal)) }
                    if state < 0 && errno != EINTR { return ended(.unknown) }
                    usleep(50_000)
                }
            }
            thread.start()
            return
        }
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        watches.withLock { $0.append(Watch(pid: pid, descriptor: descriptor, ended: ended)) }
        poke()
    }

    /// Ends the monitor's thread, which closes its descriptors.
    public func stop() {
        stopped.withLock { $0 = true }
        poke()
    }

    private func poke() {
        var byte: UInt8 = 1
        _ = write(wake.write, &byte, 1)
    }

    private func loop() {
        defer {
            watches.withLock { list in
                list.forEach { close($0.descriptor) }
                list.removeAll()
            }
            close(wake.read)
            close(wake.write)
        }
        while !stopped.withLock({ $0 }) {
            let current = watches.withLock { $0 }
            var descriptors = [pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
            descriptors += current.map { pollfd(fd: $0.descriptor, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&descriptors, nfds_t(descriptors.count), -1)
            guard ready > 0 else { continue }
            if descriptors[0].revents != 0 {
                var buffer = [UInt8](repeating: 0, count: 64)
                _ = read(wake.read, &buffer, buffer.count)
            }
            for (index, watch) in current.enumerated() where descriptors[index + 1].revents != 0 {
                var code: Int32 = 0, signal: Int32 = 0
                let state = rw_peek_exit(watch.pid, &code, &signal)
                // Still running (a spurious wake-up): keep watching. Not waitable (someone else reaped it): it is gone.
                guard state != 0 else { continue }
                close(watch.descriptor)
                watches.withLock { list in list.removeAll { $0.pid == watch.pid } }
                watch.ended(state < 0 ? .unknown : code >= 0 ? .exited(code: code) : .signalled(signal: signal))
            }
        }
    }
}
