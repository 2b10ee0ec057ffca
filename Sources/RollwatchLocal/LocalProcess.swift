import CLocalProcess
import Foundation
import Synchronization

/// A program that could not be started: which, and why.
public struct LaunchError: Error, Sendable, CustomStringConvertible {
    public let program: String
    public let reason: String

    public var description: String { "cannot start \(program): \(reason)" }
}

/// How a process ended, from `waitpid`'s status.
public enum ProcessExit: Sendable, Hashable, CustomStringConvertible {
    case exited(code: Int32)
    case signalled(signal: Int32)

    init(status: Int32) {
        // WIFEXITED / WEXITSTATUS / WTERMSIG, which are macros Swift does not import.
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
    /// Starts `arguments` (the first looked up on PATH when `searchPath`), returning its pid, which is also its
    /// process group id.
    /// `standardInput` is a descriptor to read from instead of /dev/null.
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
        let result = searchPath ? posix_spawnp(&pid, program, &actions, &attributes, argv, envp)
                                : posix_spawn(&pid, program, &actions, &attributes, argv, envp)
        guard result == 0 else { throw LaunchError(program: program, reason: String(cString: strerror(result))) }
        return pid
    }

    /// Sends `signal` to every process of the group `group`; false when none is left.
    @discardableResult
    public static func signalGroup(_ group: pid_t, _ signal: Int32) -> Bool {
        kill(-group, signal) == 0
    }

    /// Opens a pipe whose two ends are closed when rollwatch starts another program.
    static func pipeClosedOnExec() -> (read: Int32, write: Int32)? {
        var ends: [Int32] = [-1, -1]
        guard rw_pipe_cloexec(&ends) == 0 else { return nil }
        return (ends[0], ends[1])
    }
}

/// Watches processes end, on one thread that polls a pidfd per process: no thread per process, no polling of the
/// process table, and never a reap of a process it was not given (a health-check command, a test's helper).
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

    public init() {
        wake = LocalProcess.pipeClosedOnExec() ?? (-1, -1)
        let thread = Thread { [self] in loop() }
        thread.name = "rollwatch process monitor"
        thread.start()
    }

    /// Calls `ended` (on the monitor's thread) once `pid`, a child of this process, has ended, and reaps it.
    public func watch(_ pid: pid_t, ended: @escaping @Sendable (ProcessExit) -> Void) {
        let descriptor = rw_pidfd_open(pid)
        guard descriptor >= 0 else {
            // No pidfd (an old kernel): wait for it on a thread of its own.
            let thread = Thread {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                ended(ProcessExit(status: status))
            }
            thread.start()
            return
        }
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        watches.withLock { $0.append(Watch(pid: pid, descriptor: descriptor, ended: ended)) }
        poke()
    }

    /// Ends the monitor's thread.
    public func stop() {
        stopped.withLock { $0 = true }
        poke()
    }

    private func poke() {
        var byte: UInt8 = 1
        _ = write(wake.write, &byte, 1)
    }

    private func loop() {
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
                var status: Int32 = 0
                let reaped = waitpid(watch.pid, &status, WNOHANG)
                guard reaped == watch.pid else { continue }
                close(watch.descriptor)
                watches.withLock { list in list.removeAll { $0.pid == watch.pid } }
                watch.ended(ProcessExit(status: status))
            }
        }
    }
}
