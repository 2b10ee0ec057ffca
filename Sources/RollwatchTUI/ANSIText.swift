/// A cell buffer as text with ANSI SGR escapes, for output that is not a full-screen dashboard (`rollwatch themes`
/// previews, coloured reports): the styles of the cells, with an escape only where the style changes.
public enum ANSIText {
    /// The buffer's rows with escapes; each row ends in the terminal's default style, so rows can be printed
    /// one by one. Trailing blanks in the plain style are dropped.
    public static func lines(of buffer: CellBuffer) -> [String] {
        (0..<buffer.height).map { y in
            var lastColumn = buffer.width - 1
            while lastColumn >= 0, buffer[lastColumn, y] == .blank { lastColumn -= 1 }
            var text = ""
            var current = Style.plain
            for x in stride(from: 0, through: lastColumn, by: 1) {
                let cell = buffer[x, y]
                if cell.style != current {
                    text += escape(for: cell.style)
                    current = cell.style
                }
                text.unicodeScalars.append(cell.symbol)
            }
            if current != .plain { text += "\u{1B}[0m" }
            return text
        }
    }

    /// The escape that sets a style from scratch: reset, then attributes and colours.
    public static func escape(for style: Style) -> String {
        var codes = ["0"]
        let attributeCodes: [(TextAttributes, String)] = [(.bold, "1"), (.dim, "2"), (.italic, "3"), (.underline, "4"), (.reverse, "7")]
        codes += attributeCodes.filter { style.attributes.contains($0.0) }.map(\.1)
        codes += colorCodes(style.foreground, background: false)
        codes += colorCodes(style.background, background: true)
        return "\u{1B}[" + codes.joined(separator: ";") + "m"
    }

    /// The SGR parameters of one colour; none for the terminal's default, which the reset already set.
    private static func colorCodes(_ color: TerminalColor, background: Bool) -> [String] {
        switch color {
        case .default:
            return []
        case .ansi(let index):
            let base = index < 8 ? (background ? 40 : 30) : (background ? 100 : 90)
            return [String(base + Int(index % 8))]
        case .indexed(let index):
            return [background ? "48" : "38", "5", String(index)]
        case .rgb(let r, let g, let b):
            return [background ? "48" : "38", "2", String(r), String(g), String(b)]
        }
    }
}
