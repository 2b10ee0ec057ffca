/// Where a JSON document is malformed: the byte offset, the 1-based line and column (columns count
/// Unicode scalars, so `é` is one column), and what the parser expected there.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Byte offset of the problem from the start of the input.
    public let offset: Int
    /// 1-based line of the problem.
    public let line: Int
    /// 1-based column of the problem, in Unicode scalars.
    public let column: Int
    /// What went wrong, e.g. `expected ',' or '}' after an object member, found '"'`.
    public let message: String

    public init(offset: Int, line: Int, column: Int, message: String) {
        self.offset = offset
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String { "line \(line), column \(column): \(message)" }
}

/// A strict RFC 8259 JSON parser that reports the position of the first error and what it expected.
///
/// It never traps on any input: nesting is limited to `maximumDepth` levels, invalid UTF-8 and lone surrogate
/// escapes are errors, and numbers out of Double's range are rejected. A leading UTF-8 byte order mark is
/// skipped, as Jackson does.
public struct JSONParser {
    /// The deepest nesting of arrays and objects accepted.
    public static let maximumDepth = 512

    private let bytes: [UInt8]
    private var position = 0
    private var depth = 0
    /// Keys that appeared twice in one object, with the path of the object: reported as warnings by callers.
    public private(set) var duplicateKeys: [(path: JSONPath, key: String)] = []

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Parses a whole document. Anything but white space after the top-level value is an error.
    public static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONValue {
        try parseReportingDuplicates(bytes).value
    }

    /// Parses a whole document and also returns the keys that were written twice in the same object.
    public static func parseReportingDuplicates(
        _ bytes: [UInt8]
    ) throws(JSONSyntaxError) -> (value: JSONValue, duplicateKeys: [(path: JSONPath, key: String)]) {
        var parser = JSONParser(bytes: bytes)
        if let offset = UTF8Validation.firstInvalidOffset(in: bytes) {
            throw parser.error(at: offset, "invalid UTF-8 byte 0x\(hex(bytes[offset])); a JSON file must be UTF-8")
        }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { parser.position = 3 }
        parser.skipWhitespace()
        let value = try parser.parseValue(path: JSONPath())
        parser.skipWhitespace()
        if parser.position < bytes.count {
            throw parser.error("unexpected \(parser.describeCurrent()) after the end of the JSON value")
        }
        return (value, parser.duplicateKeys)
    }

    /// Parses a string's UTF-8 bytes.
    public static func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue {
        try parse(Array(text.utf8))
    }

    // MARK: Values

    private mutating func parseValue(path: JSONPath) throws(JSONSyntaxError) -> JSONValue {
        guard position < bytes.count else {
            throw error("unexpected end of file; expected a value (an object, array, string, number, true, false or null)")
        }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try parseObject(path: path)
        case UInt8(ascii: "["): return try parseArray(path: path)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        default:
            throw error("expected a value (an object, array, string, number, true, false or null), found \(describeWord())")
        }
    }

    private mutating func enterContainer() throws(JSONSyntaxError) {
        depth += 1
        if depth > Self.maximumDepth {
            throw error("arrays and objects are nested more than \(Self.maximumDepth) levels deep")
        }
    }

    private mutating func parseObject(path: JSONPath) throws(JSONSyntaxError) -> JSONValue {
        try enterContainer()
        defer { depth -= 1 }
        position += 1
        var object = JSONObject()
        var seenKeys = Set<String>()
        skipWhitespace()
        if peek == UInt8(ascii: "}") {
            position += 1
            return .object(object)
        }
        while true {
            guard peek == UInt8(ascii: "\"") else {
                if peek == UInt8(ascii: "}") {
                    throw error("expected a member name in double quotes after ',', found '}' (a trailing comma is not allowed in JSON)")
                }
                throw error("expected a member name in double quotes, found \(describeCurrent())")
            }
            let key = try parseString()
            skipWhitespace()
            guard peek == UInt8(ascii: ":") else {
                throw error("expected ':' after the member name \"\(key)\", found \(describeCurrent())")
            }
            position += 1
            skipWhitespace()
            let value = try parseValue(path: path.appending(key))
            if !seenKeys.insert(key).inserted { duplicateKeys.append((path, key)) }
            object.append(key, value)
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","):
                position += 1
                skipWhitespace()
            case UInt8(ascii: "}"):
                position += 1
                return .object(object)
            default:
                throw error("expected ',' or '}' after the value of \"\(key)\", found \(describeCurrent())")
            }
        }
    }

    private mutating func parseArray(path: JSONPath) throws(JSONSyntaxError) -> JSONValue {
        try enterContainer()
        defer { depth -= 1 }
        position += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if peek == UInt8(ascii: "]") {
            position += 1
            return .array(elements)
        }
        while true {
            if peek == UInt8(ascii: "]") {
                throw error("expected a value after ',', found ']' (a trailing comma is not allowed in JSON)")
            }
            elements.append(try parseValue(path: path.appending(elements.count)))
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","):
                position += 1
                skipWhitespace()
            case UInt8(ascii: "]"):
                position += 1
                return .array(elements)
            default:
                throw error("expected ',' or ']' after an array element, found \(describeCurrent())")
            }
        }
    }

    private mutating func expectLiteral(_ word: String) throws(JSONSyntaxError) {
        let start = position
        for expected in word.utf8 {
            guard position < bytes.count, bytes[position] == expected else {
                position = start
                throw error("expected a value (an object, array, string, number, true, false or null), found \(describeWord())")
            }
            position += 1
        }
    }

    // MARK: Strings

    private mutating func parseString() throws(JSONSyntaxError) -> String {
        let quote = position
        position += 1
        var buffer: [UInt8] = []
        while true {
            guard position < bytes.count else {
                throw error(at: quote, "this string is not closed: the file ends before its closing '\"'")
            }
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return String(decoding: buffer, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try parseEscape(into: &buffer)
            case 0x00..<0x20:
                throw error("control character U+\(hex(byte, digits: 4)) inside a string; write it as an escape such as \\n or \\u\(hex(byte, digits: 4))")
            default:
                buffer.append(byte)
                position += 1
            }
        }
    }

    private mutating func parseEscape(into buffer: inout [UInt8]) throws(JSONSyntaxError) {
        position += 1
        guard position < bytes.count else {
            throw error("unexpected end of file inside an escape sequence")
        }
        let escaped = bytes[position]
        position += 1
        switch escaped {
        case UInt8(ascii: "\""): buffer.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): buffer.append(UInt8(ascii: "\\"))
        case UInt8(ascii: "/"): buffer.append(UInt8(ascii: "/"))
        case UInt8(ascii: "b"): buffer.append(0x08)
        case UInt8(ascii: "f"): buffer.append(0x0C)
        case UInt8(ascii: "n"): buffer.append(0x0A)
        case UInt8(ascii: "r"): buffer.append(0x0D)
        case UInt8(ascii: "t"): buffer.append(0x09)
        case UInt8(ascii: "u"):
            let escapeStart = position - 2
            var scalarValue = try parseHexQuad()
            if (0xD800...0xDBFF).contains(scalarValue) {
                guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                    throw error(at: escapeStart, "\\u\(hex(scalarValue, digits: 4)) is a high surrogate without the low surrogate that must follow it")
                }
                position += 2
                let low = try parseHexQuad()
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw error(at: escapeStart, "\\u\(hex(scalarValue, digits: 4)) is a high surrogate followed by \\u\(hex(low, digits: 4)), which is not a low surrogate")
                }
                scalarValue = 0x10000 + ((scalarValue - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalarValue) {
                throw error(at: escapeStart, "\\u\(hex(scalarValue, digits: 4)) is a low surrogate without a high surrogate before it")
            }
            guard let scalar = Unicode.Scalar(scalarValue) else {
                throw error(at: escapeStart, "\\u escape does not name a Unicode scalar")
            }
            buffer.append(contentsOf: Array(String(Character(scalar)).utf8))
        default:
            position -= 1
            throw error("invalid escape \\\(describeByte(escaped)) in a string; valid escapes are \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX")
        }
    }

    private mutating func parseHexQuad() throws(JSONSyntaxError) -> UInt32 {
        var result: UInt32 = 0
        for _ in 0..<4 {
            guard position < bytes.count, let digit = hexDigitValue(bytes[position]) else {
                throw error("expected four hexadecimal digits after \\u, found \(describeCurrent())")
            }
            result = result << 4 | digit
            position += 1
        }
        return result
    }

    // MARK: Numbers

    private mutating func parseNumber() throws(JSONSyntaxError) -> JSONNumber {
        let start = position
        if peek == UInt8(ascii: "-") { position += 1 }
        guard let first = peek, isDigit(first) else {
            throw error("expected a digit after '-', found \(describeCurrent())")
        }
        if first == UInt8(ascii: "0") {
            position += 1
            if let next = peek, isDigit(next) {
                throw error(at: start, "a number may not start with 0 followed by more digits (\(describeWord(from: start)))")
            }
        } else {
            skipDigits()
        }
        if peek == UInt8(ascii: ".") {
            position += 1
            guard let next = peek, isDigit(next) else {
                throw error("expected a digit after the decimal point, found \(describeCurrent())")
            }
            skipDigits()
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            position += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { position += 1 }
            guard let next = peek, isDigit(next) else {
                throw error("expected a digit in the exponent, found \(describeCurrent())")
            }
            skipDigits()
        }
        let literal = String(decoding: bytes[start..<position], as: UTF8.self)
        guard let value = Double(literal), value.isFinite else {
            throw error(at: start, "the number \(literal) is too large")
        }
        return JSONNumber(validatedLiteral: literal, value: value)
    }

    private mutating func skipDigits() {
        while let byte = peek, isDigit(byte) { position += 1 }
    }

    // MARK: Helpers

    private var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func skipWhitespace() {
        while let byte = peek, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { position += 1 }
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private func hexDigitValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// Describes what is at the current position: `end of file`, `'x'`, or the character there.
    private func describeCurrent() -> String {
        guard position < bytes.count else { return "end of file" }
        return "'\(describeByte(bytes[position], at: position))'"
    }

    /// Describes the run of letters at the current position (`'True'`, `'undefined'`), for misspelt literals.
    private func describeWord(from start: Int? = nil) -> String {
        let begin = start ?? position
        guard begin < bytes.count else { return "end of file" }
        var end = begin
        while end < bytes.count, end - begin < 24 {
            let byte = bytes[end]
            let isWordByte = byte >= 0x80 || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) || isDigit(byte)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
            if !isWordByte { break }
            end += 1
        }
        if end == begin { return describeCurrent() }
        return "'\(String(decoding: bytes[begin..<end], as: UTF8.self))'"
    }

    /// A printable rendering of one byte, or of the whole UTF-8 character that starts at `offset`.
    private func describeByte(_ byte: UInt8, at offset: Int? = nil) -> String {
        if byte >= 0x20 && byte < 0x7F { return String(UnicodeScalar(byte)) }
        if byte >= 0xC0, let offset {
            var end = offset + 1
            while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
            return String(decoding: bytes[offset..<end], as: UTF8.self)
        }
        return "\\u\(hex(byte, digits: 4))"
    }

    private func error(_ message: String) -> JSONSyntaxError {
        error(at: position, message)
    }

    private func error(at offset: Int, _ message: String) -> JSONSyntaxError {
        let clamped = min(max(offset, 0), bytes.count)
        var line = 1
        var lineStart = 0
        for index in 0..<clamped where bytes[index] == 0x0A {
            line += 1
            lineStart = index + 1
        }
        var column = 1
        for index in lineStart..<clamped where bytes[index] & 0xC0 != 0x80 { column += 1 }
        return JSONSyntaxError(offset: clamped, line: line, column: column, message: message)
    }
}

/// Uppercase hexadecimal, zero-padded to `digits`.
func hex<T: BinaryInteger>(_ value: T, digits: Int = 2) -> String {
    let text = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, digits - text.count)) + text
}

/// Finds the first byte that is not part of a well-formed UTF-8 sequence (RFC 3629: no overlong forms,
/// no surrogates, nothing above U+10FFFF).
enum UTF8Validation {
    static func firstInvalidOffset(in bytes: [UInt8]) -> Int? {
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            let length: Int
            var lowerBound: UInt8 = 0x80
            var upperBound: UInt8 = 0xBF
            switch lead {
            case 0x00...0x7F: index += 1; continue
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lowerBound = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; upperBound = 0x9F
            case 0xF0: length = 4; lowerBound = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; upperBound = 0x8F
            default: return index
            }
            guard index + length <= bytes.count else { return index }
            let second = bytes[index + 1]
            guard second >= lowerBound && second <= upperBound else { return index }
            for offset in 2..<max(2, length) where bytes[index + offset] & 0xC0 != 0x80 {
                return index
            }
            index += length
        }
        return nil
    }
}
