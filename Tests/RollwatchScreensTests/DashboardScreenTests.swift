import RollwatchCore
import RollwatchScreens
import RollwatchTUI
import Testing

/// The dashboard as a person sees it, at the three sizes the issue names (120×40 full, 80×24 compact, 30×8 too
/// small), in each state of an upgrade and with each dialog open. The screens are text files in `Snapshots/`.
@Suite struct DashboardScreenTests {
    static let sizes = [(120, 40), (80, 24), (30, 8)]

    static func render(_ model: DashboardModel, _ ui: DashboardUI = DashboardUI(speed: 10), width: Int, height: Int) throws -> CellBuffer {
        DashboardScreen.render(model, ui: ui, theme: try DashboardFixture.theme, width: width, height: height)
    }

    static func check(_ model: DashboardModel, _ ui: DashboardUI = DashboardUI(speed: 10), name: String,
                      sizes: [(Int, Int)] = sizes, sourceLocation: SourceLocation = #_sourceLocation) throws {
        for (width, height) in sizes {
            ScreenSnapshot.check(try render(model, ui, width: width, height: height), named: "\(name)-\(width)x\(height)",
                                 sourceLocation: sourceLocation)
        }
    }

    @Test func beforeTheUpgrade() throws {
        let model = try DashboardFixture.beforeUpgrade()
        try Self.check(model, name: "before")
        let screen = try Self.render(model, width: 120, height: 40).trimmedLines
        #expect(screen[0].contains("READY"))
        #expect(screen.contains { $0.contains("u upgrade") })
        #expect(!screen.contains { $0.contains("p pause") }, "pause does not apply before a deployment")
    }

    @Test func midUpgrade() throws {
        let model = try DashboardFixture.midUpgrade()
        try Self.check(model, name: "mid-upgrade")
        let screen = try Self.render(model, width: 120, height: 40)
        let lines = screen.trimmedLines
        #expect(lines[0].contains("LIVE") && lines[0].contains("v1 → v2") && lines[0].contains("SIM ×10"))
        #expect(lines[1].contains("new healthy · step 1/1"))
        #expect(lines.contains { $0.contains("min 17") && $0.contains("max 23") })
        #expect(lines.contains { $0.contains("p pause") } && !lines.contains { $0.contains("u upgrade") })
        // A healthy cell is drawn in the healthy slot's style.
        let theme = try DashboardFixture.theme
        let row = try #require(lines.firstIndex { $0.hasPrefix("│v2") })
        let cell = screen[4, row]
        #expect(cell.symbol == "●" && cell.style == theme.style(.instHealthy))
    }

    @Test func aCanaryShowsItsStepsWithTheTimeLeftAndItsPromoteKeys() throws {
        let theme = try DashboardFixture.theme
        /// The style of the footer's key `key` (the last row), or nil when it is not shown.
        func keyStyle(_ screen: CellBuffer, _ key: String) -> Style? {
            let footer = screen.trimmedLines[screen.height - 1]
            guard let range = footer.range(of: key + " promote") else { return nil }
            return screen[footer.distance(from: footer.startIndex, to: range.lowerBound), screen.height - 1].style
        }
        // In its first pause: the timer counts down in the steps pane and on the progress line; > and P apply.
        let pause = try DashboardFixture.canary(at: 24)
        try Self.check(pause, name: "canary-pause", sizes: [(120, 40), (80, 24)])
        let screen = try Self.render(pause, width: 120, height: 40)
        let lines = screen.trimmedLines
        #expect(lines[1].contains("canary 2/5 pause 30s: 0:00:14 left"), "\(lines[1])")
        #expect(lines.contains { $0.contains("✔ setWeight 10") })
        #expect(lines.contains { $0.contains("▶ pause 30s · 0:00:14 left") })
        #expect(lines.contains { $0.contains("waits for the timer (> skips it)") })
        #expect(lines.contains { $0.contains("· setWeight 50") })
        #expect(keyStyle(screen, ">") == theme.style(.hintKey) && keyStyle(screen, "P") == theme.style(.hintKey))
        // Moving its first weight: > does not apply (greyed), P does.
        let moving = try DashboardFixture.canary(at: 3)
        try Self.check(moving, name: "canary-weight", sizes: [(120, 40)])
        let movingScreen = try Self.render(moving, width: 120, height: 40)
        #expect(movingScreen.trimmedLines[1].contains("canary 1/5 setWeight 10"))
        #expect(keyStyle(movingScreen, ">") == theme.style(.hintInactive) && keyStyle(movingScreen, "P") == theme.style(.hintKey))
        // Marathon's upgrade offers no promotion: neither key is shown.
        let marathon = try Self.render(try DashboardFixture.midUpgrade(), width: 120, height: 40)
        #expect(keyStyle(marathon, ">") == nil && keyStyle(marathon, "P") == nil)
    }

    @Test func paused() throws {
        let model = try DashboardFixture.paused()
        try Self.check(model, name: "paused")
        let lines = try Self.render(model, width: 80, height: 24).trimmedLines
        #expect(lines[0].contains("PAUSED"))
        #expect(lines.contains { $0.contains("p resume") })
    }

    @Test func done() throws {
        let model = try DashboardFixture.done()
        try Self.check(model, name: "done", sizes: [(120, 40), (80, 24)])
        let lines = try Self.render(model, width: 120, height: 40).trimmedLines
        #expect(lines[0].contains("DONE"))
        #expect(lines[1].contains("20/20 new healthy"))
        let v2 = try #require(lines.first { $0.hasPrefix("│v2") })
        #expect(v2.filter { $0 == "●" }.count == 20)
        #expect(!lines.contains { $0.hasPrefix("│v1") }, "the old instances are gone from the grid")
    }

    @Test func rolledBack() throws {
        let model = try DashboardFixture.rolledBack()
        try Self.check(model, name: "rolled-back")
        let lines = try Self.render(model, width: 120, height: 40).trimmedLines
        #expect(lines[0].contains("ROLLED BACK") && lines[0].contains("v2 → v1"))
        let v1 = try #require(lines.first { $0.hasPrefix("│v1") })
        #expect(v1.filter { $0 == "●" }.count == 20)
    }

    @Test func aVersionThatNeverTurnsHealthy() throws {
        let model = try DashboardFixture.failing()
        try Self.check(model, name: "failing", sizes: [(120, 40), (80, 24)])
        let lines = try Self.render(model, width: 120, height: 40).trimmedLines
        #expect(lines.contains { $0.contains("for its health") }, "the log says why new instances are killed")
        #expect(lines.contains { $0.contains("0/20 new healthy") })
        let stopped = try DashboardFixture.failed()
        try Self.check(stopped, name: "failed", sizes: [(120, 40), (80, 24)])
        #expect(try Self.render(stopped, width: 120, height: 40).trimmedLines[0].contains("FAILED"))
    }

    @Test func help() throws {
        var ui = DashboardUI(speed: 10)
        ui.overlay = .help
        try Self.check(try DashboardFixture.midUpgrade(), ui, name: "help", sizes: [(120, 40), (80, 24)])
    }

    @Test func agentView() throws {
        var ui = DashboardUI(speed: 10)
        ui.view = .agents
        let model = try DashboardFixture.midUpgrade()
        try Self.check(model, ui, name: "agents", sizes: [(120, 40), (80, 24)])
        let lines = try Self.render(model, ui, width: 120, height: 40).trimmedLines
        #expect(lines.contains { $0.contains("agent-1") && $0.contains("rack=r1") && $0.contains("cpu ") })
    }

    @Test func confirmDialogs() throws {
        let idle = try DashboardFixture.beforeUpgrade()
        var ui = DashboardUI(speed: 10)
        ui.overlay = .confirmUpgrade(DashboardFixture.preview, request: 1)
        try Self.check(idle, ui, name: "confirm-upgrade", sizes: [(120, 40), (80, 24)])
        let running = try DashboardFixture.midUpgrade()
        ui.overlay = .confirmAbort(.rollBack)
        try Self.check(running, ui, name: "confirm-abort", sizes: [(120, 40), (80, 24)])
        ui.overlay = .confirmQuit
        try Self.check(running, ui, name: "confirm-quit", sizes: [(80, 24)])
        ui.overlay = .scale(text: "25", error: nil)
        try Self.check(idle, ui, name: "scale", sizes: [(80, 24)])
    }

    @Test func instanceDetail() throws {
        let model = try DashboardFixture.midUpgrade()
        let id = try #require(model.fleet.orderedInstances.first { $0.ref.version == DashboardFixture.targetVersion }?.ref.instanceId)
        var ui = DashboardUI(speed: 10)
        ui.overlay = .detail(id)
        ui.selected = id
        try Self.check(model, ui, name: "detail", sizes: [(120, 40)])
        let lines = try Self.render(model, ui, width: 120, height: 40).trimmedLines
        #expect(lines.contains { $0.contains("host     agent-") })
        #expect(lines.contains { $0.contains("TASK_STAGING") })
    }

    @Test func everySizeFromTinyToHugeDrawsWithoutTrapping() throws {
        let model = try DashboardFixture.midUpgrade()
        var ui = DashboardUI(speed: 10)
        for overlay: DashboardUI.Overlay in [.none, .help, .confirmAbort(.stop), .confirmUpgrade(DashboardFixture.preview, request: 1)] {
            ui.overlay = overlay
            for width in [0, 1, 2, 10, 39, 40, 41, 79, 99, 100, 250] {
                for height in [0, 1, 3, 9, 10, 11, 29, 30, 80] {
                    let screen = try Self.render(model, ui, width: width, height: height)
                    #expect(screen.width == width && screen.height == height)
                }
            }
        }
    }

    @Test func tooSmallSaysTheSizeNeededAndTheSizeItHas() throws {
        let lines = try Self.render(try DashboardFixture.midUpgrade(), width: 30, height: 8).trimmedLines.joined(separator: "\n")
        #expect(lines.contains("40×10") && lines.contains("30×8"))
        #expect(DashboardScreen.layout(width: 39, height: 24) == .tooSmall)
        #expect(DashboardScreen.layout(width: 80, height: 9) == .tooSmall)
        #expect(DashboardScreen.layout(width: 80, height: 24) == .compact)
        #expect(DashboardScreen.layout(width: 120, height: 40) == .full)
    }

    @Test func theFilterNarrowsTheGridAndSaysSo() throws {
        let model = try DashboardFixture.midUpgrade()
        var ui = DashboardUI(speed: 10)
        ui.filter = "v2"
        let visible = DashboardScreen.visibleInstances(model, ui: ui)
        #expect(!visible.isEmpty && visible.allSatisfy { $0.label == "v2" })
        let lines = try Self.render(model, ui, width: 120, height: 40).trimmedLines
        #expect(lines.contains { $0.contains("matching /v2") })
        #expect(!lines.contains { $0.hasPrefix("│v1") })
    }

    @Test func asciiThemesDrawOnlyASCII() throws {
        let theme = try DashboardFixture.theme.adapted(to: .none, ascii: true)
        var ui = DashboardUI(speed: 10)
        for overlay: DashboardUI.Overlay in [.none, .help, .confirmAbort(.rollBack)] {
            ui.overlay = overlay
            for (width, height) in Self.sizes {
                let screen = DashboardScreen.render(try DashboardFixture.midUpgrade(), ui: ui, theme: theme, width: width, height: height)
                let outside = screen.lines.joined().unicodeScalars.filter { !$0.isASCII }
                #expect(outside.isEmpty, "non-ASCII at \(width)x\(height): \(String(String.UnicodeScalarView(outside.prefix(10))))")
            }
        }
    }
}
