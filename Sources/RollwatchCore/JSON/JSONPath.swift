/// A location inside a JSON document, rendered the way Marathon's 422 bodies name it (play-json's `JsPath`):
/// `/upgradeStrategy/minimumHealthCapacity`, `/healthChecks(0)/portIndex`; the document itself is `/`.
public struct JSONPath: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// One step into a document.
    public enum Component: Sendable, Hashable {
        case key(String)
        case index(Int)
    }

    /// The steps from the document's root.
    public private(set) var components: [Component]

    public init(_ components: [Component] = []) {
        self.components = components
    }

    /// The document's root.
    public static let root = JSONPath()

    /// This path extended by a member name.
    public func appending(_ key: String) -> JSONPath {
        var copy = self
        copy.components.append(.key(key))
        return copy
    }

    /// This path extended by an array index.
    public func appending(_ index: Int) -> JSONPath {
        var copy = self
        copy.components.append(.index(index))
        return copy
    }

    /// The rendered path.
    public var description: String {
        guard !components.isEmpty else { return "/" }
        return components.map { component in
            switch component {
            case .key(let key): return "/" + key
            case .index(let index): return "(\(index))"
            }
        }.joined()
    }

    public static func < (lhs: JSONPath, rhs: JSONPath) -> Bool {
        lhs.description < rhs.description
    }
}
