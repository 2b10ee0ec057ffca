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

    /// `got 0.0, expected more than 0.0`
    static func greaterThan(_ value: Double, _ minimum: Double) -> String {
        "got \(format(value)), expected more than \(format(minimum))"
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

    /// A Double as Scala prints it in these messages: always with a fraction (`3.0`, `0.85`).
    static func format(_ value: Double) -> String {
        String(value)
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
