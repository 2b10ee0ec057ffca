/// A colour as a theme names it, and as the terminal can show it.
public enum TerminalColor: Sendable, Hashable, CustomStringConvertible {
    /// The terminal's own foreground or background (keeps transparency).
    case `default`
    /// One of the 16 ANSI colours: 0–7 normal, 8–15 bright (a larger number is taken as a palette index).
    case ansi(UInt8)
    /// One of the 256 palette colours.
    case indexed(UInt8)
    /// A 24-bit colour.
    case rgb(UInt8, UInt8, UInt8)

    /// The ANSI names, in palette order; `bright` variants follow at 8–15.
    public static let ansiNames = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]

    /// A colour from a theme value: `default`, an ANSI name (`red`, `bright-blue`), `0`–`255`, `#rrggbb` or
    /// `#rgb`; nil when the text is none of these.
    public init?(parsing text: String) {
        let lowered = text.lowercased()
        if lowered == "default" || lowered == "none" {
            self = .default
        } else if let index = Self.ansiNames.firstIndex(of: lowered) {
            self = .ansi(UInt8(index))
        } else if lowered.hasPrefix("bright-"), let index = Self.ansiNames.firstIndex(of: String(lowered.dropFirst(7))) {
            self = .ansi(UInt8(index + 8))
        } else if lowered.allSatisfy({ $0.isASCII && $0.isNumber }), let number = UInt8(lowered) {
            self = .indexed(number)
        } else if lowered.hasPrefix("#"), let rgb = Self.parseHex(String(lowered.dropFirst())) {
            self = .rgb(rgb.0, rgb.1, rgb.2)
        } else {
            return nil
        }
    }

    private static func parseHex(_ digits: String) -> (UInt8, UInt8, UInt8)? {
        guard digits.allSatisfy(\.isHexDigit) else { return nil }
        let expanded = digits.count == 3 ? digits.map { "\($0)\($0)" }.joined() : digits
        guard expanded.count == 6, let value = UInt32(expanded, radix: 16) else { return nil }
        return (UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF))
    }

    /// The nearest colour a terminal with `colors` colours can show: 24-bit → the 256-colour cube and grey ramp →
    /// the 16 (or 8) ANSI colours; with fewer than 8, only the default.
    public func degraded(toColors colors: Int) -> TerminalColor {
        switch self {
        case .default:
            return .default
        case .ansi(let index):
            if colors >= 16 { return self }
            guard colors >= 8 else { return .default }
            // Bright black (grey) would become black, unreadable on the usual dark background: white instead.
            return .ansi(index == 8 ? 7 : index % 8)
        case .indexed(let index):
            if colors >= 256 { return self }
            let (r, g, b) = Self.rgbOfPaletteIndex(index)
            return TerminalColor.rgb(r, g, b).degraded(toColors: colors)
        case .rgb(let r, let g, let b):
            if colors > 256 { return self }
            if colors >= 256 { return .indexed(Self.nearestPaletteIndex(r, g, b)) }
            if colors < 8 { return .default }
            return .ansi(Self.nearestANSIIndex(r, g, b, bright: colors >= 16))
        }
    }

    /// The ANSI colour that keeps a colour's meaning: by hue when it has one (so a soft `#9ece6a` stays green
    /// instead of turning grey, as the nearest colour by distance would make it), by lightness for greys; the
    /// bright half (8–15) for light colours when the terminal has it.
    static func nearestANSIIndex(_ r: UInt8, _ g: UInt8, _ b: UInt8, bright: Bool) -> UInt8 {
        let red = Double(r) / 255, green = Double(g) / 255, blue = Double(b) / 255
        let high = max(red, green, blue), low = min(red, green, blue)
        let lightness = (high + low) / 2
        if high - low < 0.16 {
            if !bright { return lightness < 0.3 ? 0 : 7 }
            return lightness < 0.2 ? 0 : lightness < 0.55 ? 8 : lightness < 0.85 ? 7 : 15
        }
        let sector: Double
        if high == red {
            sector = (green - blue) / (high - low)
        } else if high == green {
            sector = 2 + (blue - red) / (high - low)
        } else {
            sector = 4 + (red - green) / (high - low)
        }
        let hue = (sector * 60 + 360).truncatingRemainder(dividingBy: 360)
        let base: UInt8
        switch hue {
        case 20..<75: base = 3        // yellow, including orange
        case 75..<165: base = 2       // green
        case 165..<205: base = 6      // cyan
        case 205..<260: base = 4      // blue
        case 260..<345: base = 5      // magenta, including purple
        default: base = 1             // red
        }
        return bright && lightness > 0.5 ? base + 8 : base
    }

    /// The xterm RGB of a palette index: the 16 system colours, the 6×6×6 cube at 16–231, the grey ramp at 232–255.
    static func rgbOfPaletteIndex(_ index: UInt8) -> (UInt8, UInt8, UInt8) {
        let system: [(UInt8, UInt8, UInt8)] = [
            (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
            (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
        ]
        if index < 16 { return system[Int(index)] }
        if index >= 232 {
            let level = UInt8(8 + 10 * (Int(index) - 232))
            return (level, level, level)
        }
        let cube = Int(index) - 16
        let steps: [UInt8] = [0, 95, 135, 175, 215, 255]
        return (steps[cube / 36], steps[cube / 6 % 6], steps[cube % 6])
    }

    /// The palette index (16–255) nearest to an RGB colour.
    static func nearestPaletteIndex(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        (16...255).min { distance(rgbOfPaletteIndex(UInt8($0)), (r, g, b)) < distance(rgbOfPaletteIndex(UInt8($1)), (r, g, b)) }
            .map(UInt8.init) ?? 16
    }

    private static func distance(_ lhs: (UInt8, UInt8, UInt8), _ rhs: (UInt8, UInt8, UInt8)) -> Int {
        let dr = Int(lhs.0) - Int(rhs.0), dg = Int(lhs.1) - Int(rhs.1), db = Int(lhs.2) - Int(rhs.2)
        return dr * dr + dg * dg + db * db
    }

    public var description: String {
        switch self {
        case .default: return "default"
        case .ansi(let index):
            if index < 8 { return Self.ansiNames[Int(index)] }
            return index < 16 ? "bright-" + Self.ansiNames[Int(index) - 8] : String(index)
        case .indexed(let index): return String(index)
        case .rgb(let r, let g, let b):
            func hex(_ value: UInt8) -> String {
                let text = String(value, radix: 16)
                return text.count == 1 ? "0" + text : text
            }
            return "#" + hex(r) + hex(g) + hex(b)
        }
    }
}

/// Text attributes, which a monochrome terminal still shows.
public struct TextAttributes: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let bold = TextAttributes(rawValue: 1 << 0)
    public static let dim = TextAttributes(rawValue: 1 << 1)
    public static let italic = TextAttributes(rawValue: 1 << 2)
    public static let underline = TextAttributes(rawValue: 1 << 3)
    public static let reverse = TextAttributes(rawValue: 1 << 4)

    /// The names, in the order snapshots and theme files write them.
    public static let names: [(String, TextAttributes)] = [("bold", .bold), ("dim", .dim), ("italic", .italic),
                                                           ("underline", .underline), ("reverse", .reverse)]
}

/// How a cell looks: foreground, background and attributes.
public struct Style: Sendable, Hashable, CustomStringConvertible {
    public var foreground: TerminalColor
    public var background: TerminalColor
    public var attributes: TextAttributes

    public init(foreground: TerminalColor = .default, background: TerminalColor = .default, attributes: TextAttributes = []) {
        self.foreground = foreground
        self.background = background
        self.attributes = attributes
    }

    /// The terminal's default look.
    public static let plain = Style()

    /// `fg=green bg=default bold`: how snapshots write a style.
    public var description: String {
        var parts = ["fg=\(foreground)", "bg=\(background)"]
        parts += TextAttributes.names.filter { attributes.contains($0.1) }.map(\.0)
        return parts.joined(separator: " ")
    }
}
