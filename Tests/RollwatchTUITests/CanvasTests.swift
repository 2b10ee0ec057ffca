import RollwatchTUI
import Testing

/// The cell buffer and layout: clipping, widths, snapshots and frame differences.
@Suite struct CanvasTests {
    @Test func writesClipAtTheEdgesAndNeverTrap() {
        var buffer = CellBuffer(width: 6, height: 2)
        #expect(buffer.write("hello world", x: 2, y: 0) == 13)
        buffer.write("xyz", x: -1, y: 1)
        buffer.write("out", x: 0, y: 5)
        buffer[10, 10] = Cell("!")
        #expect(buffer.lines == ["  hell", "yz    "])
        var empty = CellBuffer(width: 0, height: 0)
        empty.write("anything", x: 0, y: 0)
        empty.fill(Rect(x: 0, y: 0, width: 5, height: 5), with: Cell("#"))
        #expect(empty.lines.isEmpty)
    }

    @Test func charactersWiderThanOneColumnAreShownAsQuestionMarks() {
        var buffer = CellBuffer(width: 8, height: 1)
        buffer.write("a界🚀█✓", x: 0, y: 0)
        #expect(buffer.lines == ["a??█✓   "])
        #expect(DisplayWidth.truncated("rolling upgrade", to: 8) == "rolling…")
        #expect(DisplayWidth.truncated("short", to: 8) == "short")
    }

    @Test func everyGlyphTheWidgetsUseIsOneColumnWide() {
        let glyphs: [Unicode.Scalar] = ["█", "▏", "▎", "▍", "▌", "▋", "▊", "▉", "░", "▒", "▓", "▁", "▂", "▃", "▄", "▅", "▆", "▇",
                                        "─", "│", "┌", "┐", "└", "┘", "┃", "●", "○", "◌", "◐", "✓", "✗", "✖", "…", "↓", "▶", "·"]
        #expect(glyphs.filter { !DisplayWidth.isSingleWidth($0) } == [])
        // Emoji-presentation symbols take two columns in terminals and are refused.
        #expect(!DisplayWidth.isSingleWidth("⏸") && !DisplayWidth.isSingleWidth("✅") && !DisplayWidth.isSingleWidth("⚡"))
    }

    @Test func snapshotShowsEdgesAndStyleRuns() {
        var buffer = CellBuffer(width: 5, height: 2)
        let green = Style(foreground: .ansi(2), attributes: .bold)
        buffer.write("ok", x: 1, y: 0, style: green)
        #expect(buffer.snapshotText == """
        | ok  |
        |     |
        -- styles
        0,0: fg=default bg=default
        1,0: fg=green bg=default bold
        3,0: fg=default bg=default
        0,1: fg=default bg=default
        """)
    }

    @Test func changesAreOnlyTheCellsThatDiffer() {
        var first = CellBuffer(width: 4, height: 2)
        first.write("abcd", x: 0, y: 0)
        var second = first
        second.write("X", x: 2, y: 1)
        second.paint(Rect(x: 0, y: 0, width: 1, height: 1), style: Style(attributes: .reverse))
        let changes = second.changes(since: first)
        #expect(changes.map { "\($0.x),\($0.y)" } == ["0,0", "2,1"])
        #expect(second.changes(since: nil).count == 8)
        #expect(CellBuffer(width: 3, height: 3).changes(since: first).count == 9, "a resize redraws everything")
        #expect(first.changes(since: first).isEmpty)
    }

    @Test func rowsAndColumnsSplitExactly() {
        let area = Rect(x: 0, y: 0, width: 80, height: 24)
        #expect(area.rows([.fixed(1), .fixed(1), .fill, .percent(25)]).map(\.height) == [1, 1, 16, 6])
        #expect(area.columns([.percent(60), .fill]).map(\.width) == [48, 32])
        #expect(area.columns([.fill, .fill, .fill]).map(\.width) == [27, 27, 26])
        #expect(Rect(x: 0, y: 0, width: 3, height: 2).rows([.fixed(5), .fill]).map(\.height) == [2, 0])
        #expect(area.inset(by: 1) == Rect(x: 1, y: 1, width: 78, height: 22))
        #expect(Rect(x: 0, y: 0, width: 1, height: 1).inset(by: 1).isEmpty)
    }
}

/// Colours from theme values, degraded to what a terminal can show.
@Suite struct ColorTests {
    @Test(arguments: [
        ("default", TerminalColor.default), ("red", .ansi(1)), ("bright-cyan", .ansi(14)), ("208", .indexed(208)),
        ("#ff8800", .rgb(255, 136, 0)), ("#f80", .rgb(255, 136, 0)),
    ])
    func parsesThemeValues(_ text: String, _ color: TerminalColor) {
        #expect(TerminalColor(parsing: text) == color)
    }

    @Test func rejectsWhatIsNotAColour() {
        #expect(TerminalColor(parsing: "reddish") == nil)
        #expect(TerminalColor(parsing: "#12345") == nil)
        #expect(TerminalColor(parsing: "256") == nil)
        #expect(TerminalColor(parsing: "+5") == nil)
        #expect(TerminalColor(parsing: "#+ffff") == nil)
        #expect(TerminalColor.ansi(200).description == "200")
    }

    @Test func degradesTrueColourTo256To16To8AndNone() {
        let orange = TerminalColor.rgb(255, 136, 0)
        #expect(orange.degraded(toColors: 1 << 24) == orange)
        #expect(orange.degraded(toColors: 256) == .indexed(208))
        #expect(TerminalColor.rgb(0, 205, 0).degraded(toColors: 16) == .ansi(2))
        #expect(TerminalColor.ansi(10).degraded(toColors: 8) == .ansi(2))
        #expect(TerminalColor.indexed(196).degraded(toColors: 8) == .ansi(1))
        #expect(orange.degraded(toColors: 2) == .default)
        #expect(TerminalColor.rgb(128, 128, 128).degraded(toColors: 256) == .indexed(244))
    }

    /// Soft theme colours keep their hue in 16 colours: by distance alone `#9ece6a` (healthy) would turn grey.
    @Test func sixteenColourDegradationKeepsTheHueOfSoftColours() {
        let cases: [(String, UInt8)] = [("#9ece6a", 10), ("#f7768e", 9), ("#e0af68", 11), ("#7aa2f7", 12), ("#bb9af7", 13),
                                        ("#387068", 6), ("#565f89", 4), ("#808080", 8), ("#1a1b26", 0), ("#c0caf5", 12),
                                        ("#f0f0f0", 15), ("#b0b0b0", 7)]
        for (hex, expected) in cases {
            #expect(TerminalColor(parsing: hex)?.degraded(toColors: 16) == .ansi(expected), "\(hex)")
        }
        #expect(TerminalColor(parsing: "#9ece6a")?.degraded(toColors: 8) == .ansi(2))
        #expect(TerminalColor(parsing: "#808080")?.degraded(toColors: 8) == .ansi(7))
        #expect(TerminalColor.ansi(8).degraded(toColors: 8) == .ansi(7))
    }
}

/// Styled text for output that is not the dashboard.
@Suite struct ANSITextTests {
    @Test func escapesOnlyWhereTheStyleChangesAndResetsAtTheEndOfEachRow() {
        var buffer = CellBuffer(width: 12, height: 2)
        buffer.write("ok", x: 0, y: 0, style: Style(foreground: .ansi(10), attributes: [.bold]))
        buffer.write("!", x: 2, y: 0, style: Style(foreground: .indexed(208), background: .rgb(1, 2, 3)))
        buffer.write("plain", x: 3, y: 0)
        buffer.write("x", x: 1, y: 1, style: Style(background: .ansi(4), attributes: [.reverse, .underline]))
        #expect(ANSIText.lines(of: buffer) == [
            "\u{1B}[0;1;92mok\u{1B}[0;38;5;208;48;2;1;2;3m!\u{1B}[0mplain",
            " \u{1B}[0;4;7;44mx\u{1B}[0m",
        ])
    }
}
