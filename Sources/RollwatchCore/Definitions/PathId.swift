/// A Marathon path id such as `/shop/backend/api`: the name of an app, pod or group. Ids in a file may be
/// relative (`api`, `../db`); they are resolved against the enclosing group, as Marathon does.
///
/// Ids key the scheduler's dictionaries on every event, so their hash is worked out once, when the id is made.
public struct PathId: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The path's segments, without slashes.
    public let segments: [String]
    /// True when the id was written with a leading `/`.
    public let isAbsolute: Bool
    private let precomputedHash: Int

    /// The root group, `/`.
    public static let root = PathId(segments: [], isAbsolute: true)

    public init(segments: [String], isAbsolute: Bool = true) {
        self.segments = segments
        self.isAbsolute = isAbsolute
        var hasher = Hasher()
        hasher.combine(segments)
        hasher.combine(isAbsolute)
        self.precomputedHash = hasher.finalize()
    }

    /// Parses `/a/b`, `a/b` or `a`; empty segments (`a//b`, a trailing `/`) are dropped, as Marathon does.
    public init(_ text: String) {
        self.init(segments: text.split(separator: "/", omittingEmptySubsequences: true).map(String.init), isAbsolute: text.hasPrefix("/"))
    }

    public static func == (lhs: PathId, rhs: PathId) -> Bool {
        lhs.precomputedHash == rhs.precomputedHash && lhs.isAbsolute == rhs.isAbsolute && lhs.segments == rhs.segments
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(precomputedHash)
    }

    /// The bucket hash, cheap on purpose (see `bucketHash`): run specs are looked up on every event.
    public func _rawHashValue(seed: Int) -> Int {
        bucketHash(precomputedHash, seed: seed)
    }

    /// The group that contains this id; the root's parent is the root.
    public var parent: PathId {
        PathId(segments: Array(segments.dropLast()), isAbsolute: isAbsolute)
    }

    /// The last segment, or an empty string for the root.
    public var name: String { segments.last ?? "" }

    /// True for `/`.
    public var isRoot: Bool { segments.isEmpty }

    /// The id made absolute: relative ids are appended to `base`, then `.` and `..` segments are resolved.
    public func canonical(relativeTo base: PathId) -> PathId {
        let joined = isAbsolute ? segments : base.segments + segments
        var resolved: [String] = []
        for segment in joined {
            switch segment {
            case ".": continue
            case "..": if !resolved.isEmpty { resolved.removeLast() }
            default: resolved.append(segment)
            }
        }
        return PathId(segments: resolved, isAbsolute: true)
    }

    /// This id with one more segment.
    public func appending(_ segment: String) -> PathId {
        PathId(segments: segments + [segment], isAbsolute: isAbsolute)
    }

    public var description: String {
        (isAbsolute ? "/" : "") + segments.joined(separator: "/")
    }

    public static func < (lhs: PathId, rhs: PathId) -> Bool {
        lhs.segments.lexicographicallyPrecedes(rhs.segments)
    }
}

/// Marathon's id rules (`state/PathId.scala`): every segment matches `idSegmentPattern` or is `.`/`..`,
/// and no id ends in a reserved word.
enum PathIdRules {
    /// The pattern Marathon quotes in its error message.
    static let idSegmentPattern = #"^(([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])|(\.|\.\.)$"#

    /// Words an id may not end with: they clash with Marathon's REST routes.
    static let reservedKeywords = ["restart", "tasks", "versions", ".", ".."]

    /// True when the segment fully matches `idSegmentPattern`: dot-separated labels of lowercase letters,
    /// digits and inner hyphens, or a lone `.` or `..`.
    static func isValidSegment(_ segment: String) -> Bool {
        if segment == "." || segment == ".." { return true }
        return segment.split(separator: ".", omittingEmptySubsequences: false).allSatisfy(isValidLabel)
    }

    /// True for `[a-z0-9]([-a-z0-9]*[a-z0-9])?`: lowercase letters, digits and inner hyphens. Id segments are
    /// dot-separated labels; port, endpoint and container names are single labels.
    static func isValidLabel(_ label: Substring) -> Bool {
        guard let first = label.first, let last = label.last, first != "-", last != "-" else { return false }
        return label.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }
    }

    /// Checks an id as written (before resolution) and reports each problem at `path`.
    static func validate(_ text: String, at path: JSONPath, sink: DiagnosticSink) {
        let id = PathId(text)
        for segment in id.segments where !isValidSegment(segment) {
            sink.error(path, "must fully match regular expression '\(idSegmentPattern)'")
            break
        }
        if let last = id.segments.last, reservedKeywords.contains(last) {
            sink.error(path, "must not end with any of the following reserved keywords: \(reservedKeywords.joined(separator: ", "))")
        }
    }
}
