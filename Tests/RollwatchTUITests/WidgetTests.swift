import RollwatchTUI
import Testing

/// Widgets drawn at fixed sizes, compared line by line, as ratatui's widget tests do.
@Suite struct WidgetTests {
    static func draw(width: Int, height: Int, _ body: (inout CellBuffer) -> Void) -> [String] {
        var buffer = CellBuffer(width: width, height: height)
        body(&buffer)
        return buffer.lines
    }

    @Test func borderWithTitleAndItsInside() {
        var inside = Rect(x: 0, y: 0, width: 0, height: 0)
        let lines = Self.draw(width: 14, height: 4) { buffer in
            inside = Border(title: "Events").draw(in: buffer.area, on: &buffer)
        }
        #expect(lines == ["┌ Events ────┐", "│            │", "│            │", "└────────────┘"])
        #expect(inside == Rect(x: 1, y: 1, width: 12, height: 2))
        let narrow = Self.draw(width: 8, height: 3) { Border(title: "A long title", glyphs: .ascii).draw(in: $0.area, on: &$0) }
        #expect(narrow == ["+ A l… +", "|      |", "+------+"])
        let tiny = Self.draw(width: 1, height: 1) { Border(title: "x").draw(in: $0.area, on: &$0) }
        #expect(tiny == [" "])
    }

    @Test(arguments: [(0.0, "░░░░░░░░░░"), (0.5, "█████░░░░░"), (0.55, "█████▌░░░░"), (1.0, "██████████"), (1.7, "██████████"),
                      (-1.0, "░░░░░░░░░░"), (Double.nan, "░░░░░░░░░░")])
    func barFillsInEighths(_ fraction: Double, _ expected: String) {
        #expect(Self.draw(width: 10, height: 1) { Bar(fraction: fraction).draw(in: $0.area, on: &$0) } == [expected])
    }

    @Test func asciiBar() {
        #expect(Self.draw(width: 8, height: 1) { Bar(fraction: 0.5, ascii: true).draw(in: $0.area, on: &$0) } == ["####----"])
    }

    @Test func stackedBarWithMarathonsMarks() {
        // 17 healthy, 3 starting, 3 killing of a scale of 23; minHealthy 17 and maxCapacity 23 marked.
        let bar = StackedBar(segments: [.init(count: 17, symbol: "█"), .init(count: 3, symbol: "▒"), .init(count: 3, symbol: "▓")],
                             scale: 23, markers: [.init(at: 17, symbol: "┃"), .init(at: 23, symbol: "┃")])
        #expect(Self.draw(width: 23, height: 1) { bar.draw(in: $0.area, on: &$0) } == ["█████████████████┃▒▒▓▓┃"])
        let small = StackedBar(segments: [.init(count: 99, symbol: "█"), .init(count: 1, symbol: "x")], scale: 100)
        #expect(Self.draw(width: 10, height: 1) { small.draw(in: $0.area, on: &$0) } == ["█████████x"], "a small segment keeps a cell")
        let empty = StackedBar(segments: [], scale: 0)
        #expect(Self.draw(width: 4, height: 1) { empty.draw(in: $0.area, on: &$0) } == ["░░░░"])
    }

    @Test func sparklineRightAligned() {
        let line = Sparkline(values: [0, 1, 2, 4, 8], maximum: 8)
        #expect(Self.draw(width: 7, height: 1) { line.draw(in: $0.area, on: &$0) } == ["   ▁▂▄█"])
        let long = Sparkline(values: Array(repeating: 8, count: 20) + [4], maximum: 8)
        #expect(Self.draw(width: 3, height: 1) { long.draw(in: $0.area, on: &$0) } == ["██▄"])
    }

    @Test func listSaysHowManyMoreLinesItCannotShow() {
        let list = ListView(lines: (1...5).map { ListView.Line("event \($0) happened") })
        #expect(Self.draw(width: 12, height: 3) { list.draw(in: $0.area, on: &$0) } == ["event 1 hap…", "event 2 hap…", "+3 more ↓   "])
        var wide = CellBuffer(width: 20, height: 6)
        list.draw(in: wide.area, on: &wide)
        #expect(Array(wide.trimmedLines.prefix(5)) == (1...5).map { "event \($0) happened" })
    }
}
