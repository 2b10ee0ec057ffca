/// The dependencies between the run specs of a group, as Marathon's `applicationDependencies` defines them: an
/// app's dependency on a group means every run spec in that group, and a group's dependency applies to every run
/// spec inside it. Dependencies on groups go through one node per group rather than an edge per pair of run
/// specs, so the graph stays linear in the size of the file however large the groups are.
struct DependencyGraph {
    /// A run spec, or a group standing for all the run specs inside it.
    enum Node: Hashable, Comparable, CustomStringConvertible {
        case spec(PathId)
        case group(PathId)

        var description: String {
            switch self {
            case .spec(let id): return id.description
            case .group(let id): return "group " + id.description
            }
        }

        /// Run specs before groups, each by id.
        static func < (lhs: Node, rhs: Node) -> Bool {
            switch (lhs, rhs) {
            case (.spec(let left), .spec(let right)), (.group(let left), .group(let right)): return left < right
            case (.spec, .group): return true
            case (.group, .spec): return false
            }
        }
    }

    private(set) var edges: [Node: [Node]] = [:]
    private let specIds: [PathId]
    private let knownIds: Set<PathId>

    init(_ root: GroupDefinition) {
        let groups = root.transitiveGroups
        let specs = root.transitiveRunSpecs
        specIds = specs.map(\.id).sorted()
        let specSet = Set(specIds)
        knownIds = specSet.union(groups.map(\.id))
        let groupsById = Dictionary(groups.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        func node(_ id: PathId) -> Node? {
            if specSet.contains(id) { return .spec(id) }
            return groupsById[id] == nil ? nil : .group(id)
        }
        var referencedGroups = Set<PathId>()
        func addEdges(from spec: PathId, to dependencies: [PathId]) {
            for target in dependencies.compactMap(node) {
                edges[.spec(spec), default: []].append(target)
                if case .group(let groupId) = target { referencedGroups.insert(groupId) }
            }
        }
        for spec in specs { addEdges(from: spec.id, to: spec.dependencies) }
        for group in groups where !group.dependencies.isEmpty {
            for spec in group.transitiveRunSpecs { addEdges(from: spec.id, to: group.dependencies) }
        }
        for groupId in referencedGroups {
            edges[.group(groupId)] = (groupsById[groupId]?.transitiveRunSpecs ?? []).map { .spec($0.id) }
        }
        for key in Array(edges.keys) where (edges[key]?.count ?? 0) > 1 { edges[key] = Array(Set(edges[key] ?? [])).sorted() }
    }

    /// True when the id names a run spec or a group of the file.
    func knows(_ id: PathId) -> Bool {
        knownIds.contains(id)
    }

    /// For each run spec, the length of the longest dependency path that starts at it (1 without dependencies;
    /// group nodes add no length). Iterative, so long chains cannot overflow the stack; an edge that closes a
    /// cycle is not followed.
    func pathLengths() -> [PathId: Int] {
        var value: [Node: Int] = [:]
        var onStack = Set<Node>()
        for start in specIds.map(Node.spec) where value[start] == nil {
            var stack: [(node: Node, next: Int)] = [(start, 0)]
            onStack.insert(start)
            while let top = stack.last {
                let successors = edges[top.node] ?? []
                if top.next < successors.count {
                    stack[stack.count - 1].next += 1
                    let successor = successors[top.next]
                    if value[successor] == nil && !onStack.contains(successor) {
                        onStack.insert(successor)
                        stack.append((successor, 0))
                    }
                    continue
                }
                let longest = successors.compactMap { value[$0] }.max() ?? 0
                if case .spec = top.node { value[top.node] = longest + 1 } else { value[top.node] = longest }
                onStack.remove(top.node)
                stack.removeLast()
            }
        }
        var lengths: [PathId: Int] = [:]
        for id in specIds { lengths[id] = value[.spec(id)] ?? 1 }
        return lengths
    }

    /// A cycle, as the nodes along it with the first repeated at the end, or nil. Iterative depth-first search
    /// over sorted nodes, so the answer is deterministic.
    func findCycle() -> [Node]? {
        enum Mark { case active, done }
        var marks: [Node: Mark] = [:]
        for start in specIds.map(Node.spec) where marks[start] == nil {
            var stack: [(node: Node, next: Int)] = [(start, 0)]
            marks[start] = .active
            while let top = stack.last {
                let successors = edges[top.node] ?? []
                guard top.next < successors.count else {
                    marks[top.node] = .done
                    stack.removeLast()
                    continue
                }
                stack[stack.count - 1].next += 1
                let successor = successors[top.next]
                switch marks[successor] {
                case .active?:
                    let path = stack.map(\.node)
                    let loopStart = path.firstIndex(of: successor) ?? 0
                    return Array(path[loopStart...]) + [successor]
                case .done?:
                    continue
                case nil:
                    marks[successor] = .active
                    stack.append((successor, 0))
                }
            }
        }
        return nil
    }
}
