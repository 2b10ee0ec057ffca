import Foundation

/// The guard against orphans: a small shell process, in a process group of its own (so a Ctrl-C in the terminal
/// does not reach it), that reads the process groups of the running instances from a pipe (`+PGID`, `-PGID`, one a
/// line). When rollwatch ends in any way, SIGKILL included, the kernel closes the pipe; the reaper then sends
/// SIGTERM to every group still listed, waits, and sends SIGKILL. A rollwatch that stops its instances itself
/// first leaves it an empty list.
final class Reaper {
    /// The script: keeps the list as " 12 34 " and acts on end of input.
    static let script = """
        trap '' INT TERM HUP QUIT
        groups=' '
        while IFS= read -r line; do
          case "$line" in
            +*) groups="$groups${line#+} " ;;
            -*) g=${line#-}
                case "$groups" in *" $g "*) groups="${groups%% $g *} ${groups#* $g }" ;; esac ;;
          esac
        done
        [ "$groups" = ' ' ] && exit 0
        for g in $groups; do kill -TERM -"$g" 2>/dev/null; done
        sleep 3
        for g in $groups; do kill -KILL -"$g" 2>/dev/null; done
        """

    private let pipeWrite: Int32
    let pid: pid_t

    /// Starts the reaper.
    init(directory: String) throws(LaunchError) {
        guard let ends = LocalProcess.pipeClosedOnExec() else { throw LaunchError(program: "/bin/sh", reason: "no pipe for the reaper") }
        defer { close(ends.read) }
        do {
            pid = try LocalProcess.spawn(["/bin/sh", "-c", Self.script], environment: ["PATH": "/usr/bin:/bin"], directory: directory,
                                         standardInput: ends.read, standardOutput: "/dev/null", standardError: "/dev/null")
        } catch {
            close(ends.write)
            throw error
        }
        pipeWrite = ends.write
    }

    /// The reaper now looks after `group`.
    func add(_ group: pid_t) {
        send("+\(group)\n")
    }

    /// `group` has ended (or was stopped by rollwatch): the reaper forgets it.
    func remove(_ group: pid_t) {
        send("-\(group)\n")
    }

    /// Ends the reaper with nothing left to do: call after every instance has stopped.
    func finish() {
        close(pipeWrite)
    }

    private func send(_ line: String) {
        let bytes = Array(line.utf8)
        _ = bytes.withUnsafeBufferPointer { write(pipeWrite, $0.baseAddress, $0.count) }
    }
}
