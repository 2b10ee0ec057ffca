/// What a definition file holds: one app, a group, or one pod.
public enum Definition: Sendable, Hashable {
    case app(AppDefinition)
    case group(GroupDefinition)
    case pod(PodDefinition)

    /// The kind of file, recognised from its fields.
    public enum Kind: String, Sendable, Hashable {
        case app, group, pod
    }

    public var kind: Kind {
        switch self {
        case .app: return .app
        case .group: return .group
        case .pod: return .pod
        }
    }

    public var id: PathId {
        switch self {
        case .app(let app): return app.id
        case .group(let group): return group.id
        case .pod(let pod): return pod.id
        }
    }
}

/// The outcome of reading one definition file: the definition (when the JSON could be read), and every error
/// and warning found, in the order they were found.
public struct DefinitionReport: Sendable {
    /// Nil when the file is not well-formed JSON or its top level is not an object.
    public var definition: Definition?
    /// Set when the file is not well-formed JSON.
    public var syntaxError: JSONSyntaxError?
    public var diagnostics: [Diagnostic]

    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
    public var warnings: [Diagnostic] { diagnostics.filter { $0.severity == .warning } }

    /// True when the definition can be used: well-formed, decoded, and no rule broken.
    public var isValid: Bool { syntaxError == nil && definition != nil && errors.isEmpty }
}

/// Reads definition files: parses the JSON, recognises the kind (app, group or pod) without a flag, applies
/// Marathon's defaults and normalisation, and collects every error and warning.
public enum DefinitionLoader {
    /// Reads a whole file's bytes. Never traps, whatever the bytes.
    public static func load(_ bytes: [UInt8]) -> DefinitionReport {
        let parsed: (value: JSONValue, duplicateKeys: [(path: JSONPath, key: String)])
        do {
            parsed = try JSONParser.parseReportingDuplicates(bytes)
        } catch {
            return DefinitionReport(definition: nil, syntaxError: error, diagnostics: [])
        }
        let sink = DiagnosticSink()
        for duplicate in parsed.duplicateKeys {
            sink.warning(duplicate.path.appending(duplicate.key), "'\(duplicate.key)' appears more than once; Marathon uses the last value")
        }
        let definition = decode(parsed.value, sink: sink)
        return DefinitionReport(definition: definition, syntaxError: nil, diagnostics: sink.diagnostics)
    }

    /// Reads an already-parsed document.
    public static func load(_ value: JSONValue) -> DefinitionReport {
        let sink = DiagnosticSink()
        let definition = decode(value, sink: sink)
        return DefinitionReport(definition: definition, syntaxError: nil, diagnostics: sink.diagnostics)
    }

    /// The kind a top-level object describes: `containers` make a pod; `apps`, `groups` or `pods` make a group;
    /// anything else is an app.
    public static func kind(of object: JSONObject) -> Definition.Kind {
        func has(_ key: String) -> Bool { object[key].map { !$0.isNull } ?? false }
        if has("containers") { return .pod }
        if has("apps") || has("groups") || has("pods") { return .group }
        return .app
    }

    private static func decode(_ value: JSONValue, sink: DiagnosticSink) -> Definition? {
        guard case .object(var object) = value else {
            let hint = value.arrayValue != nil ? "; to deploy several apps, put them in a group: {\"id\": \"/my-group\", \"apps\": […]}" : ""
            sink.shapeError(.root, "expected an app, group or pod object, got \(describe(value))\(hint)")
            return nil
        }
        var path = JSONPath.root
        if object.keys == ["app"], case .object(let wrapped)? = object["app"] {
            object = wrapped
            path = path.appending("app")
        }
        switch kind(of: object) {
        case .pod:
            guard let pod = PodDecoder.decode(.object(object), at: path, group: .root, sink: sink) else { return nil }
            return .pod(pod)
        case .group:
            let group = GroupDecoder.decode(object, at: path, parent: nil, sink: sink)
            DependencyChecks.check(group, sink: sink)
            return .group(group)
        case .app:
            guard let app = AppDecoder.decode(.object(object), at: path, group: .root, sink: sink) else { return nil }
            sink.record(app.id, at: path)
            DependencyChecks.check(GroupDefinition(id: .root, apps: [app]), sink: sink)
            return .app(app)
        }
    }
}
