/// Reads placement constraints, in the app form `["rack", "GROUP_BY", "3"]` and the pod form
/// `{"fieldName": "rack", "operator": "GROUP_BY", "value": "3"}`, with Marathon's rules for each operator.
enum ConstraintDecoder {
    static let podFields = FieldSet(used: ["fieldName", "operator", "value"], objectName: "constraint")

    /// The operator list as Marathon's message orders it.
    static let operatorListMessage = "operator must be one of the following UNIQUE, CLUSTER, GROUP_BY, LIKE, MAX_PER, UNLIKE or IS"

    /// `constraints` of an app: an array of 2- or 3-element string arrays.
    static func decodeArrayConstraints(_ reader: ObjectReader) -> [Constraint] {
        guard let elements = reader.array("constraints") else { return [] }
        return elements.enumerated().compactMap { index, element in
            let path = reader.path.appending("constraints").appending(index)
            guard case .array(let parts) = element else {
                reader.sink.shapeError(path, "expected an array such as [\"hostname\", \"UNIQUE\"], got \(describe(element))")
                return nil
            }
            var strings: [String] = []
            for (partIndex, part) in parts.enumerated() {
                guard case .string(let text) = part else {
                    reader.sink.shapeError(path.appending(partIndex), "expected a string, got \(describe(part))")
                    return nil
                }
                strings.append(text)
            }
            guard strings.count == 2 || strings.count == 3 else {
                reader.sink.error(path, "Each constraint must have either 2 or 3 fields")
                return nil
            }
            return check(field: strings[0], operator: strings[1], value: strings.count == 3 ? strings[2] : nil,
                         at: path, sink: reader.sink)
        }
    }

    /// `placement.constraints` of a pod: objects with `fieldName`, `operator` and an optional `value`.
    static func decodeObjectConstraints(_ readers: [ObjectReader]) -> [Constraint] {
        readers.compactMap { constraint in
            guard let field = constraint.string("fieldName"), let op = constraint.string("operator") else {
                if !constraint.has("fieldName") { constraint.sink.shapeError(constraint.path.appending("fieldName"), "missing field for constraint declaration") }
                if !constraint.has("operator") { constraint.sink.shapeError(constraint.path.appending("operator"), "missing field for constraint declaration") }
                return nil
            }
            return check(field: field, operator: op, value: constraint.string("value"), at: constraint.path, sink: constraint.sink)
        }
    }

    /// Applies the operator's value rule; returns the constraint when it is valid. Operators are matched without
    /// regard to case, as Marathon upper-cases them first.
    static func check(field: String, operator operatorName: String, value: String?, at path: JSONPath,
                      sink: DiagnosticSink) -> Constraint? {
        if field.isEmpty {
            sink.error(path, "missing field for constraint declaration")
            return nil
        }
        guard let op = Constraint.Operator(rawValue: operatorName.uppercased()) else {
            sink.error(path, operatorListMessage)
            return nil
        }
        let problem: String?
        switch op {
        case .unique:
            problem = value == nil ? nil : "UNIQUE does not accept a value"
        case .cluster:
            problem = nil
        case .groupBy:
            problem = value.map { Int($0) == nil } == true ? "GROUP BY must define an integer value or else no value at all" : nil
        case .maxPer:
            problem = value.flatMap { Int($0) } == nil ? "MAX_PER requires an integer value" : nil
        case .like, .unlike:
            if let value {
                problem = isValidRegularExpression(value) ? nil : "is not a valid regular expression"
            } else {
                problem = "LIKE and UNLIKE require a non-empty, regular expression value"
            }
        case .is:
            // Marathon matches the value (or "" when there is none) against ^[a-zA-Z0-9_/.-]*$.
            let allowed = (value ?? "").allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_/.-".contains($0)) }
            problem = allowed ? nil : "IS only supports Mesos text and float values (see http://mesos.apache.org/documentation/latest/attributes-resources/)"
        }
        if let problem {
            sink.error(path, problem)
            return nil
        }
        return Constraint(field: field, operator: op, value: value)
    }

    /// True when Swift's regex engine accepts the pattern (close to the Java syntax Marathon uses).
    static func isValidRegularExpression(_ pattern: String) -> Bool {
        (try? Regex(pattern)) != nil
    }
}
