import RollwatchCore
import RollwatchTUI

/// Marathon's health bar for one run spec under deployment: old healthy, new healthy, new not yet healthy and old
/// on their way out, on a scale of the maximum capacity, with the minimum-healthy and maximum-capacity lines marked
/// underneath and the numbers in words.
public struct HealthBar: Sendable {
    public var progress: RolloutProgress
    public var theme: Theme

    public init(progress: RolloutProgress, theme: Theme) {
        self.progress = progress
        self.theme = theme
    }

    /// The segments, in the order they are drawn, with the counts they stand for.
    public var segments: [(count: Int, slot: ThemeSlot)] {
        [(progress.old.healthy, .graphOld),
         (progress.new.healthy, .instHealthy),
         (max(0, progress.new.alive - progress.new.healthy), .instStarting),
         (max(0, progress.old.alive - progress.old.healthy), .instKilling)]
    }

    /// Draws up to three rows in `rect`: the bar, the marker line, and the numbers. With one row only the bar
    /// is drawn, with two the bar and the numbers.
    public func draw(in rect: Rect, on buffer: inout CellBuffer) {
        guard !rect.isEmpty else { return }
        let scale = max(progress.maxCapacity, progress.old.alive + progress.new.alive, progress.target, 1)
        let bar = StackedBar(segments: segments.map { StackedBar.Segment(count: $0.count, symbol: theme.glyph(.barFull), style: theme.style($0.slot)) },
                             scale: scale, empty: Cell(theme.glyph(.barEmpty), style: theme.style(.progressTodo)))
        bar.draw(in: Rect(x: rect.x, y: rect.y, width: rect.width, height: 1), on: &buffer)
        if rect.height >= 3 { drawMarkers(in: Rect(x: rect.x, y: rect.y + 1, width: rect.width, height: 1), scale: scale, on: &buffer) }
        if rect.height >= 2 { drawNumbers(in: Rect(x: rect.x, y: rect.y + min(2, rect.height - 1), width: rect.width, height: 1), on: &buffer) }
    }

    /// The column of the cell holding the `count`-th instance on a bar `width` cells wide.
    static func column(of count: Int, scale: Int, width: Int) -> Int {
        let end = Int((Double(count) / Double(scale) * Double(width)).rounded(.up))
        return max(0, min(width - 1, end - 1))
    }

    /// The marks under the bar, each with its label beside it where the label fits without touching the other
    /// mark or label (to the right of the minimum-healthy mark and to the left of the maximum-capacity mark first).
    private func drawMarkers(in rect: Rect, scale: Int, on buffer: inout CellBuffer) {
        let minColumn = Self.column(of: progress.minHealthy, scale: scale, width: rect.width)
        let maxColumn = Self.column(of: progress.maxCapacity, scale: scale, width: rect.width)
        let minStyle = theme.style(.markerMinHealthy), maxStyle = theme.style(.markerMaxCapacity)
        var occupied = [minColumn..<(minColumn + 1), maxColumn..<(maxColumn + 1)]
        func place(_ label: String, startingAt candidates: [Int], style: Style) {
            let length = DisplayWidth.columns(label)
            for start in candidates where start >= 0 && start + length <= rect.width {
                let withGap = (start - 1)..<(start + length + 1)
                guard !occupied.contains(where: { $0.overlaps(withGap) }) else { continue }
                buffer.write(label, x: rect.x + start, y: rect.y, style: style, clip: rect)
                occupied.append(start..<(start + length))
                return
            }
        }
        let minLabel = "min \(progress.minHealthy)", maxLabel = "max \(progress.maxCapacity)"
        place(minLabel, startingAt: [minColumn + 2, minColumn - 1 - DisplayWidth.columns(minLabel)], style: minStyle)
        place(maxLabel, startingAt: [maxColumn - 1 - DisplayWidth.columns(maxLabel), maxColumn + 2], style: maxStyle)
        buffer[rect.x + maxColumn, rect.y] = Cell(theme.glyph(.marker), style: maxStyle)
        buffer[rect.x + minColumn, rect.y] = Cell(theme.glyph(.marker), style: minStyle)
    }

    /// `healthy 17 >= 17  in all 23 <= 23  old 17  new 0 +3 starting`, with a comparison that fails in the error style.
    private func drawNumbers(in rect: Rect, on buffer: inout CellBuffer) {
        let healthy = progress.old.healthy + progress.new.healthy
        let alive = progress.old.alive + progress.new.alive
        let starting = max(0, progress.new.alive - progress.new.healthy)
        let text = theme.style(.progressText), bad = theme.style(.flashError), dim = theme.style(.dimText)
        var x = rect.x
        x = buffer.write("healthy \(healthy) ", x: x, y: rect.y, style: text, clip: rect)
        x = buffer.write(healthy >= progress.minHealthy ? ">= \(progress.minHealthy)" : "< \(progress.minHealthy)", x: x, y: rect.y,
                         style: healthy >= progress.minHealthy ? dim : bad, clip: rect)
        x = buffer.write("  in all \(alive) ", x: x, y: rect.y, style: text, clip: rect)
        x = buffer.write(alive <= progress.maxCapacity ? "<= \(progress.maxCapacity)" : "> \(progress.maxCapacity)", x: x, y: rect.y,
                         style: alive <= progress.maxCapacity ? dim : bad, clip: rect)
        x = buffer.write("  old \(progress.old.healthy)", x: x, y: rect.y, style: theme.style(.versionOld), clip: rect)
        x = buffer.write("  new \(progress.new.healthy)", x: x, y: rect.y, style: theme.style(.versionNew), clip: rect)
        if starting > 0 { buffer.write(" +\(starting) starting", x: x, y: rect.y, style: theme.style(.instStarting), clip: rect) }
    }
}
