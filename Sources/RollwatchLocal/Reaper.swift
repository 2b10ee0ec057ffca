import Foundation
import Synchronization

/// The guard against orphans: a small shell process, in a process group of its own (so a Ctrl-C in the terminal
/// does not reach it), that reads the process groups of the running instances (and of running check commands)
/// from a pipe (`+PGID SECONDS`, `-PGID`, one a line). When rollwatch ends in any way, SIGKILL included, the kernel
/// closes the pipe; the reaper then sends SIGTERM to every group still listed, waits the longest grace period any
/// of them was given, and sends SIGKILL.
/// A rollwatch that stops its instances itself first leaves it an empty list. Safe to use from any thread: each
/// line is one write of less than PIPE_BUF bytes.
public final class Reaper: Sendable {
    /// The script: keeps the list as " 12 34 " and acts on end of input; `$1` is the least grace period in seconds.
    static let script = """
        trap '' INT TERM HUP QUIT
        groups=' '
        grace=$1
        while IFS= read -r line; do
          case "$line" in
            +*) entry=${line#+}
                groups="$groups${entry%% *} "
                seconds=${entry#* }
                [ "$seconds" -gt "$grace" ] 2>/dev/null && grace=$seconds ;;
            -*) g=${line#-}
                case "$groups" in *" $g "*) groups="${groups%% $g *} ${groups#* $g }" ;; esac ;;
          esac
        done
        [ "$groups" = ' ' ] && exit 0
        for g in $groups; do kill -TERM -"$g" 2>/dev/null; done
        sleep "$grace"
        for g in $groups; do kill -KILL -"$g" 2>/dev/null; done
        """

    /// The pipe's write end, until `finish()`.
    private let pipeWrite: Mutex<Int32?>
    let pid: pid_t

    /// Starts the reaper; `graceSeconds` is how long it lets the instances stop before SIGKILL.
    init(directory: String, graceSeconds: Double) throws(LaunchError) {
        guard let ends = LocalProcess.pipeClosedOnExec() else { throw LaunchError(program: "/bin/sh", reason: "no pipe for the reaper") }
        defer { close(ends.read) }
        do {
            pid = try LocalProcess.spawn(["/bin/sh", "-c", Self.script, "rollwatch-reaper", String(Int(max(1, graceSeconds.rounded(.up))))],
                                         environment: ["PATH": "/usr/bin:/bin"], directory: directory,
                                         standardInput: ends.read, standardOutput: "/dev/null", standardError: "/dev/null")
        } catch {
            close(ends.write)
            throw error
        }
        pipeWrite = Mutex(ends.write)
    }

    /// The reaper now looks after `group`, which it gives `graceSeconds` between SIGTERM and SIGKILL.
    func add(_ group: pid_t, graceSeconds: Double = 0) {
        send("+\(group) \(Int(max(0, min(graceSeconds, 86_400)).rounded(.up)))\n")
    }

    /// `group` has ended (or was stopped by rollwatch): the reaper forgets it.
    func remove(_ group: pid_t) {
        send("-\(group)\n")
    }

    /// Ends the reaper with nothing left to do: call after every instance has stopped.
    func finish() {
        pipeWrite.withLock { descriptor in
            if let open = descriptor { close(open) }
            descriptor = nil
        }
    }

    private func send(_ line: String) {
        let bytes = Array(line.utf8)
        pipeWrite.withLock { descriptor in
            guard let open = descriptor else { return }
            _ = bytes.withUnsafeBufferPointer { write(open, $0.baseAddress, $0.count) }
        }
    }
}
