/// One character cell of the screen: a single-width symbol and its style.
public struct Cell: Sendable, Hashable {
    public var symbol: Unicode.Scalar
    public var style: Style

    public init(_ symbol: Unicode.Scalar = " ", style: Style = .plain) {
        self.symbol = symbol
        self.style = style
    }

    /// A space in the default style.
    public static let blank = Cell()
}

/// A rectangle of cells: x and y from the top left, in columns and rows.
public struct Rect: Sendable, Hashable, CustomStringConvertible {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }

    public var isEmpty: Bool { width == 0 || height == 0 }
    public var maxX: Int { x + width }
    public var maxY: Int { y + height }

    /// The rectangle shrunk by `amount` on every side (never below empty).
    public func inset(by amount: Int) -> Rect {
        Rect(x: x + amount, y: y + amount, width: width - 2 * amount, height: height - 2 * amount)
    }

    /// The part of the rectangle inside `other`.
    public func intersection(_ other: Rect) -> Rect {
        let left = max(x, other.x), top = max(y, other.y)
        return Rect(x: left, y: top, width: min(maxX, other.maxX) - left, height: min(maxY, other.maxY) - top)
    }

    /// How one part of a split is sized.
    public enum Size: Sendable, Hashable {
        /// Exactly this many columns or rows (less when there is not enough).
        case fixed(Int)
        /// This share (0–100) of the whole.
        case percent(Int)
        /// An equal share of what the fixed and percent parts leave.
        case fill
    }

    /// Splits the rectangle into rows (top to bottom) sized as asked; what is missing comes off the last parts.
    public func rows(_ sizes: [Size]) -> [Rect] {
        Self.lengths(height, sizes).reduce(into: (rects: [Rect](), offset: y)) { result, length in
            result.rects.append(Rect(x: x, y: result.offset, width: width, height: length))
            result.offset += length
        }.rects
    }

    /// Splits the rectangle into columns (left to right) sized as asked.
    public func columns(_ sizes: [Size]) -> [Rect] {
        Self.lengths(width, sizes).reduce(into: (rects: [Rect](), offset: x)) { result, length in
            result.rects.append(Rect(x: result.offset, y: y, width: length, height: height))
            result.offset += length
        }.rects
    }

    private static func lengths(_ total: Int, _ sizes: [Size]) -> [Int] {
        var remaining = total
        var lengths = sizes.map { size -> Int in
            switch size {
            case .fixed(let length):
                let taken = min(max(0, length), remaining)
                remaining -= taken
                return taken
            case .percent(let share):
                let taken = min(total * max(0, share) / 100, remaining)
                remaining -= taken
                return taken
            case .fill:
                return 0
            }
        }
        let fills = sizes.indices.filter { sizes[$0] == .fill }
        for (order, index) in fills.enumerated() {
            lengths[index] = remaining / fills.count + (order < remaining % fills.count ? 1 : 0)
        }
        return lengths
    }

    public var description: String { "\(x),\(y) \(width)×\(height)" }
}

/// What a frame is: a grid of cells that screens draw into and a terminal backend copies out. Drawing outside it
/// is clipped, never a trap, so screens can be drawn at any size.
public struct CellBuffer: Sendable, Hashable {
    public let width: Int
    public let height: Int
    private var cells: [Cell]

    public init(width: Int, height: Int, filling cell: Cell = .blank) {
        self.width = max(0, width)
        self.height = max(0, height)
        self.cells = Array(repeating: cell, count: self.width * self.height)
    }

    /// The whole buffer as a rectangle.
    public var area: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    /// The cell at a position; reading outside gives a blank, writing outside does nothing.
    public subscript(x: Int, y: Int) -> Cell {
        get { contains(x, y) ? cells[y * width + x] : .blank }
        set { if contains(x, y) { cells[y * width + x] = newValue } }
    }

    private func contains(_ x: Int, _ y: Int) -> Bool {
        x >= 0 && y >= 0 && x < width && y < height
    }

    /// Writes text from (x, y) rightwards, clipped to `clip` (the whole buffer by default), replacing characters
    /// that are not one column wide with `?`. Returns the column after the last one written.
    @discardableResult
    public mutating func write(_ text: String, x: Int, y: Int, style: Style = .plain, clip: Rect? = nil) -> Int {
        let bounds = (clip ?? area).intersection(area)
        guard y >= bounds.y && y < bounds.maxY else { return x + DisplayWidth.columns(text) }
        var column = x
        for scalar in DisplayWidth.displayable(text) {
            if column >= bounds.x && column < bounds.maxX {
                cells[y * width + column] = Cell(scalar, style: style)
            }
            column += 1
        }
        return column
    }

    /// Fills a rectangle (clipped to the buffer) with one cell.
    public mutating func fill(_ rect: Rect, with cell: Cell = .blank) {
        let bounds = rect.intersection(area)
        for y in bounds.y..<bounds.maxY {
            for x in bounds.x..<bounds.maxX { cells[y * width + x] = cell }
        }
    }

    /// Sets the style of every cell in a rectangle, keeping the symbols.
    public mutating func paint(_ rect: Rect, style: Style) {
        let bounds = rect.intersection(area)
        for y in bounds.y..<bounds.maxY {
            for x in bounds.x..<bounds.maxX { cells[y * width + x].style = style }
        }
    }

    /// The rows as text, trailing spaces kept.
    public var lines: [String] {
        (0..<height).map { y in
            var line = String.UnicodeScalarView()
            for x in 0..<width { line.append(cells[y * width + x].symbol) }
            return String(line)
        }
    }

    /// The rows as text without trailing spaces: how a terminal's copy of the screen reads.
    public var trimmedLines: [String] {
        lines.map { line in
            var trimmed = Substring(line)
            while trimmed.last == " " { trimmed.removeLast() }
            return String(trimmed)
        }
    }

    /// A text snapshot: each row between `|` marks (so trailing spaces show), then the style runs as
    /// `x,y: style` wherever the style changes along a row, as ratatui's buffer debug output does.
    public var snapshotText: String {
        var text = lines.map { "|" + $0 + "|" }.joined(separator: "\n")
        var runs: [String] = []
        for y in 0..<height {
            var current: Style?
            for x in 0..<width {
                let style = cells[y * width + x].style
                if style != current {
                    runs.append("\(x),\(y): \(style)")
                    current = style
                }
            }
        }
        text += "\n-- styles\n" + runs.joined(separator: "\n")
        return text
    }

    /// The cells that differ from `previous` (all of them when the sizes differ), row by row: what a backend
    /// writes to the terminal for this frame.
    public func changes(since previous: CellBuffer?) -> [(x: Int, y: Int, cell: Cell)] {
        guard let previous, previous.width == width, previous.height == height else {
            return (0..<height).flatMap { y in (0..<width).map { x in (x, y, cells[y * width + x]) } }
        }
        var changed: [(x: Int, y: Int, cell: Cell)] = []
        for index in cells.indices where cells[index] != previous.cells[index] {
            changed.append((index % width, index / width, cells[index]))
        }
        return changed
    }
}

/// Display widths without the C library's locale-dependent `wcwidth`: rollwatch draws only characters that take
/// one column, and shows `?` for any other (wide East Asian characters, emoji, combining marks, controls).
public enum DisplayWidth {
    /// True for a character that takes exactly one column in a terminal.
    public static func isSingleWidth(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        switch value {
        case 0x20...0x7E, 0xA0...0x2FF, 0x370...0x52F: return true          // Latin, Greek, Cyrillic
        case 0x2010...0x2027, 0x2030...0x205E: return true                   // punctuation (no zero-width marks)
        case 0x2070...0x20CF, 0x2100...0x23FF: return !(0x231A...0x231B).contains(value) && !(0x23E9...0x23FA).contains(value)
        case 0x2460...0x24FF, 0x2500...0x25FF: return true                   // enclosed, box drawing, blocks, shapes
        case 0x2600...0x27BF: return !wideSymbols.contains(value)            // symbols and dingbats, minus emoji
        case 0x2800...0x28FF: return true                                    // braille
        default: return false
        }
    }

    /// Symbols in 2600–27BF that terminals draw two columns wide (emoji presentation).
    private static let wideSymbols: Set<UInt32> = [
        0x2614, 0x2615, 0x2648, 0x2649, 0x264A, 0x264B, 0x264C, 0x264D, 0x264E, 0x264F, 0x2650, 0x2651, 0x2652, 0x2653,
        0x267F, 0x2693, 0x26A1, 0x26AA, 0x26AB, 0x26BD, 0x26BE, 0x26C4, 0x26C5, 0x26CE, 0x26D4, 0x26EA, 0x26F2, 0x26F3,
        0x26F5, 0x26FA, 0x26FD, 0x2705, 0x270A, 0x270B, 0x2728, 0x274C, 0x274E, 0x2753, 0x2754, 0x2755, 0x2757, 0x2795,
        0x2796, 0x2797, 0x27B0, 0x27BF,
    ]

    /// The characters of `text` as they are drawn: one scalar per column, `?` for any that is not one column wide.
    public static func displayable(_ text: String) -> [Unicode.Scalar] {
        text.unicodeScalars.map { isSingleWidth($0) ? $0 : "?" }
    }

    /// The columns `text` takes when drawn.
    public static func columns(_ text: String) -> Int {
        text.unicodeScalars.count
    }

    /// `text` cut to `width` columns, ending in `ellipsis` when it was longer.
    public static func truncated(_ text: String, to width: Int, ellipsis: Unicode.Scalar = "…") -> String {
        guard width > 0 else { return "" }
        let scalars = Array(text.unicodeScalars)
        guard scalars.count > width else { return text }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars.prefix(width - 1))
        view.append(ellipsis)
        return String(view)
    }
}
