/// The characters boxes are drawn with.
public struct BorderGlyphs: Sendable, Hashable {
    public var horizontal, vertical, topLeft, topRight, bottomLeft, bottomRight: Unicode.Scalar

    /// Light box drawing: `┌─┐│└┘`.
    public static let light = BorderGlyphs(horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐", bottomLeft: "└", bottomRight: "┘")
    /// For terminals without box drawing (`--ascii`): `+-+|`.
    public static let ascii = BorderGlyphs(horizontal: "-", vertical: "|", topLeft: "+", topRight: "+", bottomLeft: "+", bottomRight: "+")
}

/// A box around a rectangle, with an optional title in its top edge: `┌ Events ─────┐`.
public struct Border: Sendable {
    public var title: String?
    public var style: Style
    public var titleStyle: Style
    public var glyphs: BorderGlyphs

    public init(title: String? = nil, style: Style = .plain, titleStyle: Style? = nil, glyphs: BorderGlyphs = .light) {
        self.title = title
        self.style = style
        self.titleStyle = titleStyle ?? style
        self.glyphs = glyphs
    }

    /// Draws the box and returns the inside; a rectangle under 2×2 gets no box and is returned as it is.
    @discardableResult
    public func draw(in rect: Rect, on buffer: inout CellBuffer) -> Rect {
        guard rect.width >= 2 && rect.height >= 2 else { return rect }
        let right = rect.maxX - 1, bottom = rect.maxY - 1
        for x in rect.x + 1..<right {
            buffer[x, rect.y] = Cell(glyphs.horizontal, style: style)
            buffer[x, bottom] = Cell(glyphs.horizontal, style: style)
        }
        for y in rect.y + 1..<bottom {
            buffer[rect.x, y] = Cell(glyphs.vertical, style: style)
            buffer[right, y] = Cell(glyphs.vertical, style: style)
        }
        buffer[rect.x, rect.y] = Cell(glyphs.topLeft, style: style)
        buffer[right, rect.y] = Cell(glyphs.topRight, style: style)
        buffer[rect.x, bottom] = Cell(glyphs.bottomLeft, style: style)
        buffer[right, bottom] = Cell(glyphs.bottomRight, style: style)
        if let title, rect.width >= 5 {
            let text = " " + DisplayWidth.truncated(title, to: rect.width - 4) + " "
            buffer.write(text, x: rect.x + 1, y: rect.y, style: titleStyle, clip: Rect(x: rect.x + 1, y: rect.y, width: rect.width - 2, height: 1))
        }
        return rect.inset(by: 1)
    }
}

/// A horizontal bar filled to a fraction, in eighths of a cell: `█████▌░░░░`.
public struct Bar: Sendable {
    public var fraction: Double
    public var filled: Style
    public var empty: Style
    /// Use only full blocks and `#`/`-` (`--ascii`).
    public var ascii: Bool

    public init(fraction: Double, filled: Style = .plain, empty: Style = .plain, ascii: Bool = false) {
        self.fraction = fraction.isFinite ? min(max(fraction, 0), 1) : 0
        self.filled = filled
        self.empty = empty
        self.ascii = ascii
    }

    static let eighths: [Unicode.Scalar] = ["▏", "▎", "▍", "▌", "▋", "▊", "▉"]

    /// Draws the bar on the first row of `rect`.
    public func draw(in rect: Rect, on buffer: inout CellBuffer) {
        guard !rect.isEmpty else { return }
        let total = fraction * Double(rect.width)
        let full = Int(total.rounded(.down))
        let remainder = ascii ? 0 : Int(((total - Double(full)) * 8).rounded(.down))
        for offset in 0..<rect.width {
            let x = rect.x + offset
            if offset < full {
                buffer[x, rect.y] = Cell(ascii ? "#" : "█", style: filled)
            } else if offset == full && remainder > 0 {
                buffer[x, rect.y] = Cell(Self.eighths[remainder - 1], style: filled)
            } else {
                buffer[x, rect.y] = Cell(ascii ? "-" : "░", style: empty)
            }
        }
    }
}

/// A bar of coloured segments in proportion to their counts, with marker lines at given positions: Marathon's
/// stacked health bar with its minimum-healthy and maximum-capacity marks.
public struct StackedBar: Sendable {
    /// One segment: how many, drawn with which symbol and style.
    public struct Segment: Sendable, Hashable {
        public var count: Int
        public var symbol: Unicode.Scalar
        public var style: Style

        public init(count: Int, symbol: Unicode.Scalar = "█", style: Style = .plain) {
            self.count = count
            self.symbol = symbol
            self.style = style
        }
    }

    /// A mark at a count along the scale (drawn on the cell where that count falls).
    public struct Marker: Sendable, Hashable {
        public var at: Int
        public var symbol: Unicode.Scalar
        public var style: Style

        public init(at: Int, symbol: Unicode.Scalar = "│", style: Style = .plain) {
            self.at = at
            self.symbol = symbol
            self.style = style
        }
    }

    public var segments: [Segment]
    /// The count the whole width stands for (at least the sum of the segments and the furthest marker).
    public var scale: Int
    public var markers: [Marker]
    public var empty: Cell

    public init(segments: [Segment], scale: Int, markers: [Marker] = [], empty: Cell = Cell("░")) {
        self.segments = segments
        self.scale = scale
        self.markers = markers
        self.empty = empty
    }

    /// Draws the bar on the first row of `rect`. Segment edges are rounded so the segments always add up to the
    /// cells their total deserves, and a non-empty segment never vanishes when there is room for it.
    public func draw(in rect: Rect, on buffer: inout CellBuffer) {
        guard !rect.isEmpty else { return }
        let total = segments.map(\.count).reduce(0, +)
        let fullScale = max(scale, total, markers.map(\.at).max() ?? 0, 1)
        var cumulative = 0, column = 0
        let shown = segments.filter { $0.count > 0 }
        for (index, segment) in shown.enumerated() {
            cumulative += segment.count
            var end = Int((Double(cumulative) / Double(fullScale) * Double(rect.width)).rounded())
            if end <= column && column < rect.width { end = column + 1 }
            // Leave a cell for each non-empty segment still to come, when the width allows it.
            end = max(min(end, rect.width - (shown.count - 1 - index)), min(column + 1, rect.width))
            while column < min(end, rect.width) {
                buffer[rect.x + column, rect.y] = Cell(segment.symbol, style: segment.style)
                column += 1
            }
        }
        while column < rect.width {
            buffer[rect.x + column, rect.y] = empty
            column += 1
        }
        for marker in markers {
            let position = min(rect.width - 1, Int((Double(marker.at) / Double(fullScale) * Double(rect.width)).rounded(.down)))
            buffer[rect.x + max(0, position), rect.y] = Cell(marker.symbol, style: marker.style)
        }
    }
}

/// A row of values as block heights, newest on the right: `▁▂▃▅▇█`.
public struct Sparkline: Sendable {
    public var values: [Double]
    /// The value drawn as a full block; values above it are drawn full.
    public var maximum: Double
    public var style: Style
    /// Nine symbols from empty to full.
    public var levels: [Unicode.Scalar]

    public init(values: [Double], maximum: Double, style: Style = .plain, levels: [Unicode.Scalar] = Sparkline.blocks) {
        self.values = values
        self.maximum = maximum
        self.style = style
        self.levels = levels.count == 9 ? levels : Sparkline.blocks
    }

    /// Eighths of a block: `▁▂▃▄▅▆▇█`.
    public static let blocks: [Unicode.Scalar] = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
    /// For terminals without block elements (`--ascii`): `_.,:-=+*#`.
    public static let asciiLevels: [Unicode.Scalar] = [" ", "_", ".", ",", ":", "-", "=", "+", "#"]

    /// Draws the last `rect.width` values on the first row of `rect`, right-aligned.
    public func draw(in rect: Rect, on buffer: inout CellBuffer) {
        guard !rect.isEmpty else { return }
        let shown = values.suffix(rect.width)
        let start = rect.x + rect.width - shown.count
        for (offset, value) in shown.enumerated() {
            let share = maximum > 0 && value.isFinite ? min(max(value / maximum, 0), 1) : 0
            let level = value > 0 ? max(1, Int((share * 8).rounded())) : 0
            buffer[start + offset, rect.y] = Cell(levels[level], style: style)
        }
    }
}

/// Lines of text, one per row, cut to the width with `…`; when there are more lines than rows the last row says
/// how many more there are, so nothing is lost without a word.
public struct ListView: Sendable {
    /// One line and its style.
    public struct Line: Sendable, Hashable {
        public var text: String
        public var style: Style

        public init(_ text: String, style: Style = .plain) {
            self.text = text
            self.style = style
        }
    }

    public var lines: [Line]
    public var moreStyle: Style

    public init(lines: [Line], moreStyle: Style = .plain) {
        self.lines = lines
        self.moreStyle = moreStyle
    }

    public func draw(in rect: Rect, on buffer: inout CellBuffer) {
        guard !rect.isEmpty else { return }
        let overflow = lines.count > rect.height
        let shown = overflow ? rect.height - 1 : lines.count
        for (row, line) in lines.prefix(shown).enumerated() {
            buffer.write(DisplayWidth.truncated(line.text, to: rect.width), x: rect.x, y: rect.y + row, style: line.style, clip: rect)
        }
        if overflow {
            let more = "+\(lines.count - shown) more ↓"
            buffer.write(DisplayWidth.truncated(more, to: rect.width), x: rect.x, y: rect.maxY - 1, style: moreStyle, clip: rect)
        }
    }
}
