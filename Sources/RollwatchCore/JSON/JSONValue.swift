/// A JSON document as rollwatch reads it: objects keep their members in file order, and numbers keep the
/// literal they were written with, so a definition can be checked (`2.0` versus `2`) and written back unchanged.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The object's members, or nil when the value is not an object.
    public var objectValue: JSONObject? {
        if case .object(let object) = self { return object }
        return nil
    }

    /// The array's elements, or nil when the value is not an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// True for JSON `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}

/// A JSON number with the text it was written as. `value` is the nearest Double; `integerValue` is set when
/// the number is a whole number that fits an `Int` (`3`, `3.0` and `3e0` all qualify, as they do for Marathon).
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    /// The number exactly as written in the source (or as produced by `init(_:)`).
    public let literal: String
    /// The nearest Double to the literal.
    public let value: Double

    /// Wraps a literal that the parser has already checked against JSON's number grammar.
    init(validatedLiteral literal: String, value: Double) {
        self.literal = literal
        self.value = value
    }

    /// A number from an integer, written without a fraction.
    public init(_ value: Int) {
        self.literal = String(value)
        self.value = Double(value)
    }

    /// A number from a Double, written as Swift prints it (`0.85`, `1.0`).
    public init(_ value: Double) {
        self.literal = value.isFinite ? String(value) : "0"
        self.value = value.isFinite ? value : 0
    }

    /// The value as an Int when it is a whole number within Int's range.
    public var integerValue: Int? {
        guard value.rounded() == value, abs(value) < 9.0e18 else { return nil }
        return Int(value)
    }

    public var description: String { literal }

    public static func == (lhs: JSONNumber, rhs: JSONNumber) -> Bool { lhs.value == rhs.value }
    public func hash(into hasher: inout Hasher) { hasher.combine(value) }
}

/// A JSON object: members in the order they were written. Lookups return the last member with the key,
/// as Jackson (and so Marathon) does for a duplicated key.
public struct JSONObject: Sendable, Hashable {
    /// One `"key": value` pair.
    public struct Member: Sendable, Hashable {
        public var key: String
        public var value: JSONValue
        public init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    /// The members in source order, duplicates included.
    public private(set) var members: [Member]

    public init(_ members: [Member] = []) {
        self.members = members
    }

    /// An object from pairs, in the order given.
    public init(_ pairs: KeyValuePairs<String, JSONValue>) {
        self.members = pairs.map { Member(key: $0.key, value: $0.value) }
    }

    /// The value of the last member named `key`, or nil.
    public subscript(key: String) -> JSONValue? {
        get { members.last(where: { $0.key == key })?.value }
        set {
            if let newValue {
                if let index = members.lastIndex(where: { $0.key == key }) {
                    members[index].value = newValue
                } else {
                    members.append(Member(key: key, value: newValue))
                }
            } else {
                members.removeAll { $0.key == key }
            }
        }
    }

    /// The distinct keys in the order they first appear.
    public var keys: [String] {
        var seen = Set<String>()
        return members.compactMap { seen.insert($0.key).inserted ? $0.key : nil }
    }

    /// True when the object has no members.
    public var isEmpty: Bool { members.isEmpty }

    /// Adds a member at the end (a later `subscript` lookup sees it).
    public mutating func append(_ key: String, _ value: JSONValue) {
        members.append(Member(key: key, value: value))
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(JSONNumber(value)) }
    public init(floatLiteral value: Double) { self = .number(JSONNumber(value)) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(nilLiteral: ()) { self = .null }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements.map { JSONObject.Member(key: $0.0, value: $0.1) }))
    }
}
