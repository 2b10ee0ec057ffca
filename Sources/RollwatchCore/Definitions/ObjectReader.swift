/// The names an object may hold, in three groups, so that a reader can tell a used field from one that is only
/// kept and from one Marathon would not know.
struct FieldSet {
    /// Fields rollwatch reads into its model.
    var used: Set<String>
    /// Fields Marathon knows that rollwatch does not use: kept verbatim so nothing in a user's file is lost.
    var kept: Set<String> = []
    /// Fields Marathon still accepts but has deprecated, with advice on what replaces them. Kept verbatim.
    var deprecated: [String: String] = [:]
    /// What the object is, for the unknown-field warning: "app", "health check", ….
    var objectName: String
}

/// Reads one JSON object field by field, reporting type errors at the field's path; warns at once about fields
/// it does not know. `keptFields()` returns the Marathon fields rollwatch does not use, to keep them.
final class ObjectReader {
    let object: JSONObject
    let path: JSONPath
    let sink: DiagnosticSink
    private let fields: FieldSet

    /// Creates a reader and at once warns about fields that neither Marathon nor rollwatch knows, and about
    /// deprecated ones, so that warnings come out in reading order (an object's own before its children's).
    init(_ object: JSONObject, at path: JSONPath, sink: DiagnosticSink, fields: FieldSet) {
        self.object = object
        self.path = path
        self.sink = sink
        self.fields = fields
        for key in object.keys where !fields.used.contains(key) && !fields.kept.contains(key) {
            if let advice = fields.deprecated[key] {
                sink.warning(path.appending(key), "'\(key)' is deprecated in Marathon: \(advice)")
            } else {
                let suggestion = closestName(to: key).map { "; did you mean '\($0)'?" } ?? ""
                sink.warning(path.appending(key), "unknown \(fields.objectName) field '\(key)' is ignored\(suggestion)")
            }
        }
    }

    /// True when the member exists and is not null (Marathon treats `null` as absent).
    func has(_ key: String) -> Bool {
        guard let value = object[key] else { return false }
        return !value.isNull
    }

    /// The raw value of a member, nil when absent or null.
    func raw(_ key: String) -> JSONValue? {
        guard let value = object[key], !value.isNull else { return nil }
        return value
    }

    func string(_ key: String) -> String? {
        guard let value = raw(key) else { return nil }
        guard case .string(let text) = value else { return typeError(key, expected: "a string", got: value) }
        return text
    }

    func bool(_ key: String) -> Bool? {
        guard let value = raw(key) else { return nil }
        guard case .bool(let flag) = value else { return typeError(key, expected: "true or false", got: value) }
        return flag
    }

    func double(_ key: String) -> Double? {
        guard let value = raw(key) else { return nil }
        guard case .number(let number) = value else { return typeError(key, expected: "a number", got: value) }
        return number.value
    }

    /// A whole number in Marathon's int32 range. `3.0` counts as whole, as it does for Marathon's JSON reader.
    func int(_ key: String) -> Int? {
        guard let value = raw(key) else { return nil }
        guard case .number(let number) = value, let integer = number.integerValue else {
            return typeError(key, expected: "a whole number", got: value)
        }
        guard integer >= Int(Int32.min) && integer <= Int(Int32.max) else {
            return typeError(key, expected: "a whole number from \(Int32.min) to \(Int32.max)", got: value)
        }
        return integer
    }

    /// An enum literal, matched without regard to case as Marathon's RAML readers do; a value outside the
    /// set is reported with Marathon's `is not one of (…)` and gives nil.
    func enumValue<T: RawRepresentable & CaseIterable>(_ key: String, as type: T.Type) -> T? where T.RawValue == String {
        guard let text = string(key) else { return nil }
        guard let parsed = Rules.parseEnum(text, as: type) else {
            sink.error(path.appending(key), Rules.oneOf(T.allCases.map(\.rawValue)))
            return nil
        }
        return parsed
    }

    /// An array of strings; a wrong element is reported at its own index and left out.
    func stringArray(_ key: String) -> [String]? {
        guard let elements = array(key) else { return nil }
        var result: [String] = []
        for (index, element) in elements.enumerated() {
            if case .string(let text) = element {
                result.append(text)
            } else {
                sink.shapeError(path.appending(key).appending(index), "expected a string, got \(describe(element))")
            }
        }
        return result
    }

    /// An object whose values are all strings (labels); a wrong value is reported at its own key.
    func stringMap(_ key: String) -> [String: String]? {
        guard let members = objectValue(key) else { return nil }
        var result: [String: String] = [:]
        for member in members.members {
            if case .string(let text) = member.value {
                result[member.key] = text
            } else {
                sink.shapeError(path.appending(key).appending(member.key), "expected a string, got \(describe(member.value))")
            }
        }
        return result
    }

    func array(_ key: String) -> [JSONValue]? {
        guard let value = raw(key) else { return nil }
        guard case .array(let elements) = value else { return typeError(key, expected: "an array", got: value) }
        return elements
    }

    func objectValue(_ key: String) -> JSONObject? {
        guard let value = raw(key) else { return nil }
        guard case .object(let members) = value else { return typeError(key, expected: "an object", got: value) }
        return members
    }

    /// A reader for a nested object.
    func nested(_ key: String, fields: FieldSet) -> ObjectReader? {
        guard let members = objectValue(key) else { return nil }
        return ObjectReader(members, at: path.appending(key), sink: sink, fields: fields)
    }

    /// Readers for an array of objects, each at its index; elements that are not objects are reported.
    func nestedArray(_ key: String, fields: FieldSet) -> [ObjectReader]? {
        guard let elements = array(key) else { return nil }
        return elements.enumerated().compactMap { index, element in
            let elementPath = path.appending(key).appending(index)
            guard case .object(let members) = element else {
                sink.shapeError(elementPath, "expected an object, got \(describe(element))")
                return nil
            }
            return ObjectReader(members, at: elementPath, sink: sink, fields: fields)
        }
    }

    /// The members that are kept without being used (known-but-unused and deprecated fields, not null ones),
    /// in source order.
    func keptFields() -> JSONObject {
        var kept = JSONObject()
        for member in object.members where !member.value.isNull && (fields.kept.contains(member.key) || fields.deprecated[member.key] != nil) {
            kept[member.key] = member.value
        }
        return kept
    }

    /// The known field name nearest to a misspelt one, if it is close enough to be a likely typo.
    private func closestName(to key: String) -> String? {
        guard key.count <= 64 else { return nil }
        let candidates = fields.used.union(fields.kept)
        let lowered = key.lowercased()
        if let caseOnly = candidates.first(where: { $0.lowercased() == lowered }) { return caseOnly }
        let scored = candidates.map { ($0, editDistance(lowered, $0.lowercased())) }
        guard let best = scored.min(by: { ($0.1, $0.0) < ($1.1, $1.0) }) else { return nil }
        return best.1 <= max(1, key.count / 4) ? best.0 : nil
    }

    private func typeError<T>(_ key: String, expected: String, got value: JSONValue) -> T? {
        sink.shapeError(path.appending(key), "expected \(expected), got \(describe(value))")
        return nil
    }
}

/// True when some value occurs more than once.
func hasDuplicates<T: Hashable>(_ values: [T]) -> Bool {
    Set(values).count != values.count
}

/// A request path as Marathon normalises it: with a leading `/`.
func withLeadingSlash(_ path: String) -> String {
    path.hasPrefix("/") ? path : "/" + path
}

/// A JSON value in a few words for an error message: `a string ("three")`, `a number (2.5)`, `an object`.
func describe(_ value: JSONValue) -> String {
    switch value {
    case .null: return "null"
    case .bool(let flag): return "\(flag)"
    case .number(let number): return "a number (\(number.literal))"
    case .string(let text):
        let shown = text.count > 40 ? String(text.prefix(37)) + "..." : text
        return "a string (\(JSONWriter.quoted(shown)))"
    case .array: return "an array"
    case .object: return "an object"
    }
}

/// Levenshtein distance between two short strings, for "did you mean" suggestions.
func editDistance(_ lhs: String, _ rhs: String) -> Int {
    let left = Array(lhs), right = Array(rhs)
    if left.isEmpty { return right.count }
    if right.isEmpty { return left.count }
    var previous = Array(0...right.count)
    var current = [Int](repeating: 0, count: right.count + 1)
    for i in 1...left.count {
        current[0] = i
        for j in 1...right.count {
            let substitution = previous[j - 1] + (left[i - 1] == right[j - 1] ? 0 : 1)
            current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
        }
        swap(&previous, &current)
    }
    return previous[right.count]
}
