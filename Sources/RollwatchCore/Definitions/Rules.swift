/// Marathon's validation messages (wix-accord's wording, as Marathon's 422 bodies show it), in one place so
/// that every rule words the same failure the same way.
enum Rules {
    /// `got -3, expected 0 or more`
    static func atLeast(_ value: Int, _ minimum: Int) -> String {
        "got \(value), expected \(minimum) or more"
    }

    /// `got -3.0, expected 0.0 or more`
    static func atLeast(_ value: Double, _ minimum: Double) -> String {
        "got \(format(value)), expected \(format(minimum)) or more"
    }

    /// `got 0, expected more than 0`
    static func greaterThan(_ value: Int, _ minimum: Int) -> String {
        "got \(value), expected more than \(minimum)"
    }

    /// `got 1.2, expected between 0.0 and 1.0`
    static func between(_ value: Double, _ lower: Double, _ upper: Double) -> String {
        "got \(format(value)), expected between \(format(lower)) and \(format(upper))"
    }

    /// `got 70000, expected between 0 and 65535`
    static func between(_ value: Int, _ lower: Int, _ upper: Int) -> String {
        "got \(value), expected between \(lower) and \(upper)"
    }

    /// `got 1.0, expected 0.0`
    static func equalTo(_ value: Double, _ expected: Double) -> String {
        "got \(format(value)), expected \(format(expected))"
    }

    /// `got 5, expected 1 or less`
    static func atMost(_ value: Int, _ maximum: Int) -> String {
        "got \(value), expected \(maximum) or less"
    }

    /// `got 1.5, expected 1.0 or less`
    static func atMost(_ value: Double, _ maximum: Double) -> String {
        "got \(format(value)), expected \(format(maximum)) or less"
    }

    /// A Double as Scala prints it in these messages: always with a fraction (`3.0`, `0.85`), and in scientific
    /// form below 0.001 and from 10,000,000 on (`1.0E7`, `2.5E-4`).
    static func format(_ value: Double) -> String {
        let magnitude = value.magnitude
        guard value.isFinite, magnitude != 0, magnitude < 1e-3 || magnitude >= 1e7 else {
            return String(value)
        }
        // Java's scientific form, `1.0E7` or `2.5E-4`, from Swift's shortest round-trip digits.
        let text = String(magnitude)
        let mantissa = text.split(separator: "e").first.map(String.init) ?? text
        let writtenExponent = text.split(separator: "e").dropFirst().first.flatMap { Int($0) } ?? 0
        let pointIndex = mantissa.firstIndex(of: ".").map { mantissa.distance(from: mantissa.startIndex, to: $0) } ?? mantissa.count
        var digits = Array(mantissa.filter { $0 != "." })
        var exponent = writtenExponent + pointIndex - 1
        while digits.first == "0" && digits.count > 1 {
            digits.removeFirst()
            exponent -= 1
        }
        while digits.last == "0" && digits.count > 1 { digits.removeLast() }
        let fraction = digits.count > 1 ? String(digits.dropFirst()) : "0"
        return (value < 0 ? "-" : "") + String(digits[0]) + "." + fraction + "E" + String(exponent)
    }

    /// `got 10, expected less than 10`
    static func lessThan(_ value: Int, _ maximum: Int) -> String {
        "got \(value), expected less than \(maximum)"
    }

    /// `is not one of (HTTP,HTTPS)`: Marathon's `oneOf` wording, with no space after the commas.
    static func oneOf(_ allowed: [String]) -> String {
        "is not one of (\(allowed.joined(separator: ",")))"
    }

    /// Parses one of a RAML enum's literals. Marathon matches them without regard to case.
    static func parseEnum<T: RawRepresentable & CaseIterable>(_ text: String, as type: T.Type) -> T? where T.RawValue == String {
        T.allCases.first { $0.rawValue.lowercased() == text.lowercased() }
    }
}
