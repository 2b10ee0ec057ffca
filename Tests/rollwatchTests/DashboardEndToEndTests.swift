import Foundation
import Glibc
import Testing

/// A shell in a detached tmux session of its own (its own server socket), for driving the dashboard as a person
/// would: type, press keys, read the screen.
final class TmuxSession {
    let socket = "rollwatch-tests-\(UUID().uuidString.prefix(8))"

    init(width: Int, height: Int) throws {
        let shell = "env -u TMUX PS1='PROMPT$ ' LANG=C.UTF-8 TERM=tmux-256color bash --norc --noprofile"
        // The server started here inherits the client's standard output: it must not be a pipe read to its end.
        try tmux(["new-session", "-d", "-s", "main", "-x", String(width), "-y", String(height), shell], capture: false)
    }

    deinit {
        _ = try? tmux(["kill-server"], capture: false)
        try? FileManager.default.removeItem(atPath: (ProcessInfo.processInfo.environment["TMUX_TMPDIR"] ?? "/tmp") + "/tmux-\(getuid())/\(socket)")
    }

    /// Types `text` and presses Enter.
    func run(_ text: String) throws {
        try tmux(["send-keys", "-t", "main", "-l", text], capture: false)
        try tmux(["send-keys", "-t", "main", "Enter"], capture: false)
    }

    /// Presses keys by tmux's names (`u`, `Enter`, `Escape`, `C-c`).
    func press(_ keys: String...) throws {
        for key in keys { try tmux(["send-keys", "-t", "main", key], capture: false) }
    }

    /// The screen's lines now.
    func screen() throws -> [String] {
        try tmux(["capture-pane", "-p", "-t", "main"]).components(separatedBy: "\n")
    }

    /// Polls the screen until `condition` holds, for up to `seconds`; the last screen either way.
    @discardableResult
    func waitFor(_ what: String, seconds: Double = 15, sourceLocation: SourceLocation = #_sourceLocation,
                 _ condition: ([String]) -> Bool) throws -> [String] {
        let deadline = Date().addingTimeInterval(seconds)
        var lines = try screen()
        while !condition(lines) {
            guard Date() < deadline else {
                Issue.record(Comment(rawValue: "timed out waiting for \(what); the screen:\n" + lines.joined(separator: "\n")),
                             sourceLocation: sourceLocation)
                return lines
            }
            Thread.sleep(forTimeInterval: 0.1)
            lines = try screen()
        }
        return lines
    }

    /// The pid of the program the shell runs now.
    func foregroundPid() throws -> Int32? {
        let shell = try tmux(["display-message", "-p", "-t", "main", "#{pane_pid}"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let children = try Self.output("/bin/ps", ["-o", "pid=", "--ppid", shell])
        return children.split(separator: "\n").compactMap { Int32($0.trimmingCharacters(in: .whitespaces)) }.first
    }

    /// Runs a tmux command on this session's server; its output when `capture`.
    @discardableResult
    func tmux(_ arguments: [String], capture: Bool = true) throws -> String {
        try Self.output("/usr/bin/env", ["tmux", "-L", socket] + arguments, capture: capture)
    }

    /// Runs a program and waits for it, with only standard input, output and error open in it. Foundation's
    /// `Process` hangs in `waitUntilExit` when the program leaves a daemon behind (tmux's server) holding a
    /// descriptor it inherited, so this spawns directly and closes every other descriptor in the child.
    static func output(_ executable: String, _ arguments: [String], capture: Bool = true) throws -> String {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var pipeEnds: [Int32] = [-1, -1]
        if capture { guard pipe(&pipeEnds) == 0 else { throw SpawnError(program: executable, code: errno) } }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if capture {
            posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let open = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).compactMap { Int32($0) }
        for descriptor in open where descriptor > 2 { posix_spawn_file_actions_addclose(&actions, descriptor) }
        // The test runs on a worker thread that blocks most signals; the child starts with none blocked.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        if capture { close(pipeEnds[1]) }
        guard spawned == 0 else {
            if capture { close(pipeEnds[0]) }
            throw SpawnError(program: executable, code: spawned)
        }
        var output: [UInt8] = []
        if capture {
            var buffer = [UInt8](repeating: 0, count: 4_096)
            while true {
                let count = read(pipeEnds[0], &buffer, buffer.count)
                if count <= 0 { break }
                output += buffer[0..<count]
            }
            close(pipeEnds[0])
        }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        return String(decoding: output, as: UTF8.self)
    }
}

/// A program that could not be started.
struct SpawnError: Error, CustomStringConvertible {
    let program: String
    let code: Int32
    var description: String { "cannot run \(program): \(String(cString: strerror(code)))" }
}

/// The built binary under tmux on the seed example (20 instances, 0.85 / 0.15), driven by keys.
@Suite(.serialized) struct DashboardEndToEndTests {
    static let command = "cd \(BinaryRunner.packageRoot.path) && \(BinaryRunner.executable.path) Examples/python-web.json "
        + "--to Examples/python-web-v2.json"

    /// `12/20 new healthy` from the progress line.
    static func newHealthy(_ lines: [String]) -> Int? {
        guard let line = lines.first(where: { $0.contains("/20 new healthy") }),
              let match = line.firstMatch(of: /(\d+)\/20 new healthy/) else { return nil }
        return Int(match.1)
    }

    /// What must not move while paused: the progress count, and the health numbers (healthy, in all, old, new).
    static func counts(_ lines: [String]) -> [String] {
        lines.compactMap { line in
            if let match = line.firstMatch(of: /\d+\/20 new healthy/) { return String(match.0) }
            if let match = line.firstMatch(of: /healthy \d+ >= \d+ +in all \d+ <= \d+ +old \d+ +new \d+[^│]*/) {
                return String(match.0).trimmingCharacters(in: .whitespaces)
            }
            return nil
        }
    }

    /// The healthy cells in a version's grid row.
    static func healthyCells(_ lines: [String], version: String) -> Int {
        lines.first { $0.hasPrefix("│\(version) ") }.map { $0.filter { $0 == "●" }.count } ?? 0
    }

    @Test func upgradePauseResumeToDoneAndQuitLeavesASaneTerminal() throws {
        let tmux = try TmuxSession(width: 120, height: 40)
        try tmux.run(Self.command + "; echo EXIT=$?")
        try tmux.waitFor("the dashboard") { $0.first?.contains("READY") == true }
        try tmux.press("u")
        try tmux.waitFor("the upgrade dialog") { $0.contains { $0.contains("enter: upgrade") && $0.contains("esc: cancel") } }
        let dialog = try tmux.screen().joined(separator: "\n")
        #expect(dialog.contains("keep 17 healthy, at most 23 in all, kill 3 now"))
        try tmux.press("Enter")
        try tmux.waitFor("LIVE") { $0.first?.contains("LIVE") == true }
        try tmux.press("t")
        try tmux.waitFor("time-lapse") { $0.first?.contains("SIM ×10") == true }
        try tmux.waitFor("some new instances healthy") { (Self.newHealthy($0) ?? 0) >= 4 }
        try tmux.press("p")
        try tmux.waitFor("PAUSED") { $0.first?.contains("PAUSED") == true }
        // Instances in flight when the pause began finish (Marathon lets them); then nothing moves.
        Thread.sleep(forTimeInterval: 1.5)
        let before = Self.counts(try tmux.screen())
        Thread.sleep(forTimeInterval: 2)
        let after = Self.counts(try tmux.screen())
        #expect(before.count == 2 && before == after, "counts moved while paused: \(before) → \(after)")
        try tmux.press("p")
        try tmux.waitFor("LIVE again") { $0.first?.contains("LIVE") == true }
        let done = try tmux.waitFor("DONE with 20 new healthy", seconds: 30) { lines in
            lines.first?.contains("DONE") == true && Self.newHealthy(lines) == 20 && Self.healthyCells(lines, version: "v2") == 20
        }
        #expect(done.contains { $0.contains("deployment done") })
        try tmux.press("q")
        try tmux.waitFor("the shell back") { $0.contains("EXIT=0") && $0.contains { $0.hasPrefix("PROMPT$") } }
        try tmux.run("echo MODES: $(stty -a | tr ' ;' '\\n\\n' | grep -x -e icanon -e echo -e -icanon -e -echo)")
        let modes = try tmux.waitFor("the terminal modes") { $0.contains { $0.hasPrefix("MODES:") } }
        #expect(modes.contains { $0.trimmingCharacters(in: .whitespaces) == "MODES: icanon echo" }, "\(modes)")
    }

    @Test func abortWithRollBackEndsWithTheOldVersionAllHealthyAndCtrlCExits130() throws {
        let tmux = try TmuxSession(width: 120, height: 40)
        try tmux.run(Self.command + " --speed 10; echo EXIT=$?")
        try tmux.waitFor("the dashboard") { $0.first?.contains("READY") == true }
        try tmux.press("u")
        try tmux.waitFor("the upgrade dialog") { $0.contains { $0.contains("enter: upgrade") } }
        try tmux.press("Enter")
        try tmux.waitFor("some new instances healthy") { (Self.newHealthy($0) ?? 0) >= 5 }
        try tmux.press("a")
        try tmux.waitFor("the abort dialog") { $0.contains { $0.contains("Abort the deployment?") } }
        try tmux.press("r")
        try tmux.waitFor("ROLLED BACK with v1 all healthy", seconds: 30) { lines in
            lines.first?.contains("ROLLED BACK") == true && Self.healthyCells(lines, version: "v1") == 20
                && !lines.contains { $0.hasPrefix("│v2 ") && $0.contains("●") }
        }
        try tmux.press("C-c")
        try tmux.waitFor("exit 130") { $0.contains("EXIT=130") }
    }

    @Test func aCanaryWaitsAtItsPauseUntilPromotedAndPSkipsToTheEnd() throws {
        let tmux = try TmuxSession(width: 120, height: 40)
        try tmux.run(Self.command + " --speed 20 --strategy 'canary:steps=10,pause,50,pause,100'; echo EXIT=$?")
        try tmux.waitFor("the dashboard") { $0.first?.contains("READY") == true }
        try tmux.press("u")
        try tmux.waitFor("the upgrade dialog") { $0.contains { $0.contains("enter: upgrade") } }
        try tmux.press("Enter")
        try tmux.waitFor("the first pause") { $0.contains { $0.contains("canary 2/5 pause") && $0.contains("waiting to be promoted") } }
        // Held at 10 %: 2 new instances, however long it waits.
        Thread.sleep(forTimeInterval: 1.5)
        #expect(Self.newHealthy(try tmux.screen()) == 2)
        try tmux.press(">")
        try tmux.waitFor("the second pause at 50 %") { $0.contains { $0.contains("canary 4/5 pause") } && Self.newHealthy($0) == 10 }
        try tmux.press("P")
        try tmux.waitFor("DONE with 20 new healthy", seconds: 30) { lines in
            lines.first?.contains("DONE") == true && Self.newHealthy(lines) == 20
        }
        try tmux.press("q")
        try tmux.waitFor("exit 0") { $0.contains("EXIT=0") }
    }

    @Test func theLocalDriverStartsRealServersUpgradesThemAndStopsThemOnQuit() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rollwatch-local-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let tmux = try TmuxSession(width: 120, height: 40)
        try tmux.run("cd \(BinaryRunner.packageRoot.path) && TMPDIR=\(folder) \(BinaryRunner.executable.path) Examples/local-web.json "
                     + "--to Examples/local-web-v2.json --driver local --ports 31650-31699; echo EXIT=$?")
        let started = try tmux.waitFor("v1 running and healthy") { lines in
            lines.first?.contains("DONE") == true && lines.first?.contains("LOCAL") == true && Self.healthyCells(lines, version: "v1") == 4
        }
        #expect(started.first?.contains("/local-web  v1  ") == true, "\(started.first ?? "")")
        #expect(LocalRunTests.processes(mentioning: folder).count == 4, "four real servers")
        // An instance's detail: its process, sandbox, last check and the end of its stderr (the server logs each check).
        try tmux.press("Enter")
        let detail = try tmux.waitFor("the detail with the process") { lines in
            lines.contains { $0.contains("process  pid ") && $0.contains("port 316") } && lines.contains { $0.contains("sandbox  " + folder) }
                && lines.contains { $0.contains("checks   last passed at") } && lines.contains { $0.contains("\"GET / HTTP/1.1\" 200") }
        }
        #expect(detail.contains { $0.contains("stderr, last lines:") })
        try tmux.press("Escape")
        try tmux.press("t")
        try tmux.waitFor("why time-lapse is off") { $0.contains { $0.contains("time-lapse needs the simulator (--driver sim)") } }
        try tmux.press("u")
        try tmux.waitFor("the upgrade dialog") { $0.contains { $0.contains("enter: upgrade") } }
        try tmux.press("Enter")
        try tmux.waitFor("DONE with v2", seconds: 30) { lines in
            lines.first?.contains("v1 → v2") == true && lines.first?.contains("DONE") == true && Self.healthyCells(lines, version: "v2") == 4
        }
        try tmux.press("q")
        try tmux.waitFor("exit 0") { $0.contains("EXIT=0") }
        #expect(LocalRunTests.processes(mentioning: folder).isEmpty, "q stopped every instance")
    }

    @Test func aBrokenLocalVersionStallsVisiblyRollsBackWithAAndCtrlCLeavesNothingRunning() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rollwatch-local-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let tmux = try TmuxSession(width: 120, height: 40)
        try tmux.run("cd \(BinaryRunner.packageRoot.path) && TMPDIR=\(folder) \(BinaryRunner.executable.path) Examples/local-web.json "
                     + "--to Examples/local-web-v3-broken.json --driver local --ports 31700-31749; echo EXIT=$?")
        try tmux.waitFor("v1 running and healthy") { $0.first?.contains("DONE") == true && Self.healthyCells($0, version: "v1") == 4 }
        try tmux.press("u")
        try tmux.waitFor("the upgrade dialog") { $0.contains { $0.contains("enter: upgrade") } }
        try tmux.press("Enter")
        // The broken file (the second version seen: v2 on screen) exits at once, again and again: its failures and
        // their reason show, no new instance turns healthy, and no ETA is made up.
        let stalled = try tmux.waitFor("the stall", seconds: 20) { lines in
            lines.first?.contains("LIVE") == true && lines.contains { $0.contains("(v2) failed: it exited with status 1") }
                && lines.contains { $0.contains("0/4 new healthy") && $0.contains("ETA -") }
        }
        #expect(stalled.contains { $0.contains("local-web v3: cannot read config.toml") })
        #expect(Self.healthyCells(stalled, version: "v1") >= 3, "the old version keeps its minimum")
        try tmux.press("a")
        try tmux.waitFor("the abort dialog") { $0.contains { $0.contains("Abort the deployment?") } }
        try tmux.press("r")
        try tmux.waitFor("ROLLED BACK with v1 all healthy", seconds: 30) { lines in
            lines.first?.contains("ROLLED BACK") == true && Self.healthyCells(lines, version: "v1") == 4
        }
        try tmux.press("C-c")
        try tmux.waitFor("exit 130") { $0.contains("EXIT=130") }
        #expect(LocalRunTests.processes(mentioning: folder).isEmpty, "Ctrl-C stopped every instance")
    }

    @Test func sigtermExits143AndRestoresTheTerminal() throws {
        let tmux = try TmuxSession(width: 100, height: 30)
        try tmux.run(Self.command + "; echo EXIT=$?")
        try tmux.waitFor("the dashboard") { $0.first?.contains("READY") == true }
        let pid = try #require(try tmux.foregroundPid())
        kill(pid, SIGTERM)
        try tmux.waitFor("exit 143") { $0.contains("EXIT=143") && $0.contains { $0.hasPrefix("PROMPT$") } }
    }

    @Test func withoutToAnUnchangedFileOffersARollingRestartAndResizingRedraws() throws {
        let tmux = try TmuxSession(width: 120, height: 40)
        try tmux.run("cd \(BinaryRunner.packageRoot.path) && \(BinaryRunner.executable.path) Examples/python-web.json; echo EXIT=$?")
        try tmux.waitFor("the dashboard") { $0.first?.contains("READY") == true }
        try tmux.press("u")
        try tmux.waitFor("the restart dialog") { $0.contains { $0.contains("Rolling restart") } && $0.contains { $0.contains("enter: restart") } }
        try tmux.press("Escape")
        try tmux.waitFor("the dialog closed") { !$0.contains { $0.contains("Rolling restart") } }
        try Self.resize(tmux, 30, 8)
        try tmux.waitFor("the size message") { $0.joined().contains("40×10") && $0.joined().contains("30×8") }
        try Self.resize(tmux, 80, 24)
        try tmux.waitFor("the compact layout") { $0.first?.contains("READY") == true && $0.contains { $0.contains("─ events ") } }
        try tmux.press("q")
        try tmux.waitFor("exit 0") { $0.contains("EXIT=0") }
    }

    static func resize(_ tmux: TmuxSession, _ width: Int, _ height: Int) throws {
        try tmux.tmux(["resize-window", "-t", "main", "-x", String(width), "-y", String(height)], capture: false)
    }

    @Test func withoutATerminalItPointsToRunAndExits64() throws {
        let result = try BinaryRunner.run(["Examples/python-web.json"])
        #expect(result.exitCode == 64)
        #expect(result.standardError.contains("needs a terminal") && result.standardError.contains("rollwatch run Examples/python-web.json"))
        #expect(result.standardOutput.isEmpty)
    }
}
