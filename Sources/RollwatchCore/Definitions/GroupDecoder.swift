/// Reads a group object: nested apps, pods and groups with ids resolved against their parents, and Marathon's
/// group rules (children of the right parent, no two kinds sharing an id, `enforceRole` only at the top).
enum GroupDecoder {
    static let fields = FieldSet(used: ["id", "apps", "pods", "groups", "dependencies"],
                                 kept: ["version", "enforceRole", "scaleBy", "versionInfo"],
                                 objectName: "group")

    /// Decodes a group. `parent` is the enclosing group's id; nil for the file's top-level group, whose id may
    /// be left out (it is then the root, `/`).
    static func decode(_ object: JSONObject, at path: JSONPath, parent: PathId?, sink: DiagnosticSink) -> GroupDefinition {
        let reader = ObjectReader(object, at: path, sink: sink, fields: fields)
        let id: PathId
        if let parent {
            id = readNestedId(reader, parent: parent)
        } else if let text = reader.string("id") {
            PathIdRules.validate(text, at: path.appending("id"), sink: sink)
            id = PathId(text).canonical(relativeTo: .root)
        } else {
            id = .root
        }
        sink.record(id, at: path)
        var group = GroupDefinition(id: id)
        group.apps = (reader.array("apps") ?? []).enumerated().compactMap { index, value in
            let appPath = path.appending("apps").appending(index)
            let app = AppDecoder.decode(value, at: appPath, group: id, sink: sink, requireDirectChild: true)
            if let app { sink.record(app.id, at: appPath) }
            return app
        }
        group.pods = (reader.array("pods") ?? []).enumerated().compactMap { index, value in
            let podPath = path.appending("pods").appending(index)
            let pod = PodDecoder.decode(value, at: podPath, group: id, sink: sink, requireDirectChild: true)
            if let pod { sink.record(pod.id, at: podPath) }
            return pod
        }
        group.groups = (reader.array("groups") ?? []).enumerated().compactMap { index, value in
            let groupPath = path.appending("groups").appending(index)
            guard case .object(let members) = value else {
                sink.shapeError(groupPath, "expected a group object, got \(describe(value))")
                return nil
            }
            return decode(members, at: groupPath, parent: id, sink: sink)
        }
        group.dependencies = AppDecoder.decodeDependencies(reader, relativeTo: id)
        if reader.bool("enforceRole") == true && id.segments.count > 1 {
            sink.error(path.appending("enforceRole"), "enforceRole can only be set for top-level groups, and \(id) is not top-level")
        }
        group.otherFields = reader.finish()
        checkIdentifiers(group, at: path, sink: sink)
        return group
    }

    private static func readNestedId(_ reader: ObjectReader, parent: PathId) -> PathId {
        let path = reader.path.appending("id")
        guard let text = reader.string("id") else {
            if !reader.has("id") { reader.sink.shapeError(path, "is required: a nested group needs an id") }
            return parent.appending("unnamed-group")
        }
        PathIdRules.validate(text, at: path, sink: reader.sink)
        let id = PathId(text).canonical(relativeTo: parent)
        if id.parent != parent || id.isRoot {
            reader.sink.error(path, "Identifier is not child of '\(parent)'")
        }
        return id
    }

    /// Apps, pods and groups of one group must not share ids, and no id may appear twice.
    private static func checkIdentifiers(_ group: GroupDefinition, at path: JSONPath, sink: DiagnosticSink) {
        let appIds = Set(group.apps.map(\.id)), podIds = Set(group.pods.map(\.id)), groupIds = Set(group.groups.map(\.id))
        if !appIds.isDisjoint(with: podIds) { sink.error(path, "Applications and Pods may not share the same id") }
        if !appIds.isDisjoint(with: groupIds) { sink.error(path, "Groups and Applications may not have the same identifier.") }
        if !podIds.isDisjoint(with: groupIds) { sink.error(path, "Groups and Pods may not have the same identifier.") }
        for (key, ids) in [("apps", group.apps.map(\.id)), ("pods", group.pods.map(\.id)), ("groups", group.groups.map(\.id))] {
            var seen = Set<PathId>()
            for (index, id) in ids.enumerated() where !seen.insert(id).inserted {
                sink.error(path.appending(key).appending(index).appending("id"),
                           "\(id) is defined more than once in this group; Marathon would keep only the last one")
            }
        }
    }
}

/// Checks that span the whole file: dependencies that name nothing, and dependency cycles.
enum DependencyChecks {
    /// `standalone` is true for a file holding one app: its dependencies live outside the file, so a
    /// dependency that names nothing here is only worth a warning.
    static func check(_ root: GroupDefinition, standalone: Bool, sink: DiagnosticSink) {
        let known = Set(root.transitiveRunSpecs.map(\.id)).union(root.transitiveGroups.map(\.id))
        var owners: [(id: PathId, dependencies: [PathId])] = root.transitiveApps.map { ($0.id, $0.dependencies) }
        owners += root.transitiveGroups.map { ($0.id, $0.dependencies) }
        for owner in owners {
            for (index, dependency) in owner.dependencies.enumerated() where !known.contains(dependency) {
                let path = (sink.locations[owner.id] ?? .root).appending("dependencies").appending(index)
                if standalone {
                    sink.warning(path, "\(dependency) is not defined in this file; rollwatch deploys \(owner.id) on its own and does not wait for it")
                } else {
                    sink.error(path, "\(dependency) is not an app, pod or group in this file; Marathon would ignore this dependency without a word")
                }
            }
        }
        if let cycle = findCycle(in: root.runSpecDependencies) {
            sink.add(Diagnostic(severity: .error, stage: .rule, path: .root, message: "Dependency graph has cyclic dependencies.",
                                detail: "cycle: " + cycle.map(\.description).joined(separator: " → ")))
        }
    }

    /// A cycle in the graph, as the ids along it with the first repeated at the end, or nil. Iterative depth-first
    /// search over sorted ids, so the answer is deterministic and deep graphs cannot overflow the stack.
    static func findCycle(in edges: [PathId: Set<PathId>]) -> [PathId]? {
        enum Mark { case active, done }
        var marks: [PathId: Mark] = [:]
        for start in edges.keys.sorted() where marks[start] == nil {
            var stack: [(node: PathId, next: [PathId])] = [(start, (edges[start] ?? []).sorted())]
            marks[start] = .active
            while !stack.isEmpty {
                guard let successor = stack[stack.count - 1].next.first else {
                    marks[stack.removeLast().node] = .done
                    continue
                }
                stack[stack.count - 1].next.removeFirst()
                switch marks[successor] {
                case .active?:
                    let path = stack.map(\.node)
                    let loopStart = path.firstIndex(of: successor) ?? 0
                    return Array(path[loopStart...]) + [successor]
                case .done?:
                    continue
                case nil:
                    marks[successor] = .active
                    stack.append((successor, (edges[successor] ?? []).sorted()))
                }
            }
        }
        return nil
    }
}
