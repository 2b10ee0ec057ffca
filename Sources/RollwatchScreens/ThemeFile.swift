import RollwatchTUI

/// A theme file that could not be read, with the place to fix it: `Themes/night.theme:12: slot inst_healthy: …`.
public struct ThemeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file as the user named it or as it was found.
    public var file: String
    /// The line, counting from 1, when the problem is on one line.
    public var line: Int?
    /// The slot the line sets, when there is one.
    public var slot: String?
    /// What is wrong and what was expected.
    public var message: String

    public init(file: String, line: Int? = nil, slot: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.slot = slot
        self.message = message
    }

    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        text += ": "
        if let slot { text += "slot \(slot): " }
        return text + message
    }
}

/// One theme file as written, before inheritance: the slots it sets and the theme it builds on.
///
/// The format is line-oriented so themes diff and override well:
/// ```
/// # comment
/// summary  = "Light background, for white terminals"
/// inherits = default-dark          # or none; a theme without the line inherits from default-dark
/// inst_healthy = green bold        # fg [on bg] [bold|dim|italic|underline|reverse]…
/// badge_paused = black on #e0af68 bold
/// glyph.inst_healthy = "●"         # exactly one character, one column wide
/// ```
/// Colours are `default`, the ANSI names (`red`, `bright-blue`, `grey`), `0`–`255` or `#rrggbb` / `#rgb`.
public struct ThemeFile: Sendable {
    /// The theme's name: the file name without `.theme`.
    public let name: String
    /// Where it was read from, for errors.
    public let path: String
    public internal(set) var summary = ""
    /// The parent theme's name; nil for a root theme (`inherits = none`).
    public internal(set) var inherits: String? = ThemeLibrary.defaultThemeName
    /// The line of the `inherits` setting, for errors about the parent.
    public internal(set) var inheritsLine: Int?
    /// The styles this file sets, with the line each is set on.
    public internal(set) var styles: [ThemeSlot: (style: Style, line: Int)] = [:]
    /// The glyphs this file sets, with the line each is set on.
    public internal(set) var glyphs: [GlyphSlot: (glyph: Unicode.Scalar, line: Int)] = [:]

    /// Parses a theme file's text; the first problem found is thrown with its line and slot.
    public init(name: String, path: String, text: String) throws(ThemeError) {
        self.name = name
        self.path = path
        var lineNumber = 0
        let body = text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
        for rawLine in body.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNumber += 1
            let line = Self.strippingComment(String(rawLine)).trimmingSpaces()
            if line.isEmpty { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw ThemeError(file: path, line: lineNumber, message: "expected `slot = value`, found \"\(line)\"")
            }
            let key = String(line[..<equals]).trimmingSpaces()
            let value = String(line[line.index(after: equals)...]).trimmingSpaces()
            try apply(key: key, value: value, line: lineNumber)
        }
    }

    private mutating func apply(key: String, value: String, line: Int) throws(ThemeError) {
        switch key {
        case "summary":
            summary = Self.unquoted(value)
        case "inherits":
            let parent = Self.unquoted(value)
            guard !parent.isEmpty else {
                throw ThemeError(file: path, line: line, message: "inherits needs a theme name, or none")
            }
            inherits = parent == "none" ? nil : parent
            inheritsLine = line
        case "name":
            let declared = Self.unquoted(value)
            guard declared == name else {
                throw ThemeError(file: path, line: line,
                                 message: "name \"\(declared)\" differs from the file name; a theme is named by its file, so call it \(declared).theme or drop the line")
            }
        default:
            if key.hasPrefix("glyph.") {
                try applyGlyph(String(key.dropFirst("glyph.".count)), value: value, line: line)
            } else {
                try applyStyle(key, value: value, line: line)
            }
        }
    }

    private mutating func applyStyle(_ key: String, value: String, line: Int) throws(ThemeError) {
        guard let slot = ThemeSlot(rawValue: key) else {
            let hint = Self.nearest(to: key, among: ThemeSlot.allCases.map(\.rawValue)).map { " (did you mean \($0)?)" } ?? ""
            throw ThemeError(file: path, line: line, message: "unknown slot \"\(key)\"\(hint)")
        }
        if let earlier = styles[slot] {
            throw ThemeError(file: path, line: line, slot: key, message: "set twice; first set on line \(earlier.line)")
        }
        do {
            styles[slot] = (try Self.parseStyle(value), line)
        } catch {
            throw ThemeError(file: path, line: line, slot: key, message: error.message)
        }
    }

    private mutating func applyGlyph(_ name: String, value: String, line: Int) throws(ThemeError) {
        let key = "glyph." + name
        guard let slot = GlyphSlot(rawValue: name) else {
            let hint = Self.nearest(to: name, among: GlyphSlot.allCases.map(\.rawValue)).map { " (did you mean glyph.\($0)?)" } ?? ""
            throw ThemeError(file: path, line: line, message: "unknown glyph slot \"\(key)\"\(hint)")
        }
        if let earlier = glyphs[slot] {
            throw ThemeError(file: path, line: line, slot: key, message: "set twice; first set on line \(earlier.line)")
        }
        let text = Self.unquoted(value)
        let scalars = Array(text.unicodeScalars)
        guard scalars.count == 1, let glyph = scalars.first, DisplayWidth.isSingleWidth(glyph) else {
            throw ThemeError(file: path, line: line, slot: key,
                             message: "expected one character one column wide, in quotes (\"●\"), found \(value.isEmpty ? "nothing" : value)")
        }
        glyphs[slot] = (glyph, line)
    }

    /// A problem with a style value, before the file and line are known.
    struct StyleError: Error {
        var message: String
    }

    /// Parses `fg [on bg] [attributes…]`; any part may be left out (`on blue`, `bold reverse`, `default`).
    static func parseStyle(_ value: String) throws(StyleError) -> Style {
        let words = value.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard !words.isEmpty else {
            throw StyleError(message: "no value; expected `fg [on bg] [bold|dim|italic|underline|reverse]`")
        }
        var style = Style()
        var foregroundSet = false
        var index = 0
        while index < words.count {
            let word = words[index]
            let lowered = word.lowercased()
            if let attribute = TextAttributes.names.first(where: { $0.0 == lowered })?.1 {
                style.attributes.insert(attribute)
            } else if lowered == "on" {
                guard index + 1 < words.count else { throw StyleError(message: "\"on\" needs a background colour after it") }
                index += 1
                guard let background = parseColor(words[index]) else {
                    throw StyleError(message: "\"\(words[index])\" is not a background colour; \(colorExpectation)")
                }
                style.background = background
            } else if let color = parseColor(word) {
                guard !foregroundSet else {
                    throw StyleError(message: "two foreground colours; write the background as `on \(word)`")
                }
                style.foreground = color
                foregroundSet = true
            } else {
                throw StyleError(message: "\"\(word)\" is neither a colour nor an attribute; \(colorExpectation), attributes are bold, dim, italic, underline, reverse")
            }
            index += 1
        }
        return style
    }

    private static let colorExpectation = "colours are default, a name (red, bright-blue, grey), 0–255, #rrggbb or #rgb"

    /// A colour word: the terminal's names plus `grey` / `gray` for bright black.
    static func parseColor(_ word: String) -> TerminalColor? {
        switch word.lowercased() {
        case "grey", "gray": return .ansi(8)
        default: return TerminalColor(parsing: word)
        }
    }

    /// The line without a trailing comment: `#` at the start, or after a space and followed by a space or the
    /// end (so `#ff0000` is a colour and `# note` a comment); nothing inside double quotes is a comment.
    static func strippingComment(_ line: String) -> String {
        let characters = Array(line)
        var inQuotes = false
        for (index, character) in characters.enumerated() {
            if character == "\"" { inQuotes.toggle() }
            guard character == "#", !inQuotes else { continue }
            let atStart = characters[..<index].allSatisfy { $0 == " " || $0 == "\t" }
            let afterSpace = index > 0 && (characters[index - 1] == " " || characters[index - 1] == "\t")
            let beforeSpaceOrEnd = index + 1 == characters.count || characters[index + 1] == " " || characters[index + 1] == "\t"
            if atStart || (afterSpace && beforeSpaceOrEnd) { return String(characters[..<index]) }
        }
        return line
    }

    /// The text between double quotes when the value is quoted, else the value.
    static func unquoted(_ value: String) -> String {
        if value.count >= 2, value.first == "\"", value.last == "\"" { return String(value.dropFirst().dropLast()) }
        return value
    }

    /// The candidate closest to a misspelt key, when it is close enough to be a likely typo.
    static func nearest(to key: String, among candidates: [String]) -> String? {
        let scored = candidates.map { ($0, editDistance(key, $0)) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, key.count / 4) else { return nil }
        return best.0
    }

    /// Levenshtein distance between two short strings.
    static func editDistance(_ lhs: String, _ rhs: String) -> Int {
        let a = Array(lhs), b = Array(rhs)
        var previous = Array(0...b.count)
        for (i, left) in a.enumerated() {
            var current = [i + 1]
            for (j, right) in b.enumerated() {
                current.append(Swift.min(previous[j + 1] + 1, current[j] + 1, previous[j] + (left == right ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
