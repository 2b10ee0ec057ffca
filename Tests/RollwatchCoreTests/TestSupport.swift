import RollwatchCore

/// A small app that passes every rule; tests override fields to break one rule at a time.
let validAppFields: JSONObject = JSONObject([
    "id": "/web",
    "cmd": "python3 -m http.server $PORT0",
    "instances": 2,
])

/// Loads `validAppFields` with `overrides` applied (a `null` override removes the field).
func loadApp(_ overrides: KeyValuePairs<String, JSONValue> = [:]) -> DefinitionReport {
    var object = validAppFields
    for (key, value) in overrides {
        object[key] = value.isNull ? nil : value
    }
    return DefinitionLoader.load(.object(object))
}

/// Loads a document given as JSON text.
func load(_ text: String) -> DefinitionReport {
    DefinitionLoader.load(Array(text.utf8))
}

/// Every error as `path: message`, the way a user reads them.
func errorLines(_ report: DefinitionReport) -> [String] {
    report.errors.map { "\($0.path): \($0.message)" }
}

/// Every warning as `path: message`.
func warningLines(_ report: DefinitionReport) -> [String] {
    report.warnings.map { "\($0.path): \($0.message)" }
}

/// The decoded app, when the report holds one.
func decodedApp(_ report: DefinitionReport) -> AppDefinition? {
    if case .app(let app)? = report.definition { return app }
    return nil
}

/// The decoded group, when the report holds one.
func decodedGroup(_ report: DefinitionReport) -> GroupDefinition? {
    if case .group(let group)? = report.definition { return group }
    return nil
}

/// The decoded pod, when the report holds one.
func decodedPod(_ report: DefinitionReport) -> PodDefinition? {
    if case .pod(let pod)? = report.definition { return pod }
    return nil
}

/// The repository's root folder, found from this file's path.
let packageRoot: String = {
    var components = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    components.removeLast(3)
    return components.joined(separator: "/")
}()
