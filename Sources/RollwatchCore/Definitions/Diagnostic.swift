/// One finding about a definition file: an error that makes it unusable, or a warning worth reading.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    /// How serious the finding is.
    public enum Severity: String, Sendable, Hashable {
        case error
        case warning
    }

    /// Which layer found it. Marathon answers shape errors (wrong JSON types) with 400 "Invalid JSON" and rule
    /// violations with 422 "Object is not valid"; rollwatch keeps the distinction for `validate --output json`.
    public enum Stage: String, Sendable, Hashable {
        /// The value has the wrong JSON type or shape (Marathon's play-json layer).
        case shape
        /// The value breaks one of Marathon's validation rules.
        case rule
    }

    public var severity: Severity
    public var stage: Stage
    /// Where in the document: `/upgradeStrategy/minimumHealthCapacity`.
    public var path: JSONPath
    /// What is wrong, in Marathon's words where Marathon has them.
    public var message: String
    /// More than Marathon says, for people: the members of a dependency cycle, say. Text output shows it after
    /// the message; Marathon-style JSON bodies leave it out so that `message` stays Marathon's own.
    public var detail: String?

    public init(severity: Severity, stage: Stage, path: JSONPath, message: String, detail: String? = nil) {
        self.severity = severity
        self.stage = stage
        self.path = path
        self.message = message
        self.detail = detail
    }

    /// An error found by a validation rule.
    public static func error(_ path: JSONPath, _ message: String) -> Diagnostic {
        Diagnostic(severity: .error, stage: .rule, path: path, message: message)
    }

    /// A value of the wrong JSON type or shape.
    public static func shapeError(_ path: JSONPath, _ message: String) -> Diagnostic {
        Diagnostic(severity: .error, stage: .shape, path: path, message: message)
    }

    /// A warning: the definition is usable, but something in it deserves attention.
    public static func warning(_ path: JSONPath, _ message: String) -> Diagnostic {
        Diagnostic(severity: .warning, stage: .rule, path: path, message: message)
    }

    /// `/path: message (detail)`, the form `rollwatch validate` prints after the file name.
    public var description: String {
        "\(path): \(message)" + (detail.map { " (\($0))" } ?? "")
    }
}

/// Collects diagnostics while a document is read. Reference semantics let nested readers share one list;
/// it lives only for the duration of one decode and is never shared across threads.
final class DiagnosticSink {
    private(set) var diagnostics: [Diagnostic] = []
    /// Where each app, pod and group was read, so that checks made after decoding (dependencies) can name
    /// the JSON path of what they complain about. The first definition of an id wins.
    private(set) var locations: [PathId: JSONPath] = [:]

    func record(_ id: PathId, at path: JSONPath) {
        if locations[id] == nil { locations[id] = path }
    }

    func add(_ diagnostic: Diagnostic) {
        diagnostics.append(diagnostic)
    }

    func error(_ path: JSONPath, _ message: String) {
        add(.error(path, message))
    }

    func shapeError(_ path: JSONPath, _ message: String) {
        add(.shapeError(path, message))
    }

    func warning(_ path: JSONPath, _ message: String) {
        add(.warning(path, message))
    }
}
