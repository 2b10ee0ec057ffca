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
            id = CommonDecoders.readId(reader, relativeTo: parent, requireDirectChild: true,
                                       missing: "is required: a nested group needs an id", fallback: parent.appending("unnamed-group"))
        } else if reader.has("id") {
            id = CommonDecoders.readId(reader, relativeTo: .root, requireDirectChild: false, missing: "", fallback: .root)
        } else {
            id = .root
        }
        sink.record(id, at: path)
        var group = GroupDefinition(id: id)
        var appPaths: [JSONPath] = [], podPaths: [JSONPath] = [], groupPaths: [JSONPath] = []
        for (index, value) in (reader.array("apps") ?? []).enumerated() {
            let appPath = path.appending("apps").appending(index)
            guard let app = AppDecoder.decode(value, at: appPath, group: id, sink: sink, requireDirectChild: true) else { continue }
            sink.record(app.id, at: appPath)
            group.apps.append(app)
            appPaths.append(appPath)
        }
        for (index, value) in (reader.array("pods") ?? []).enumerated() {
            let podPath = path.appending("pods").appending(index)
            guard let pod = PodDecoder.decode(value, at: podPath, group: id, sink: sink, requireDirectChild: true) else { continue }
            sink.record(pod.id, at: podPath)
            group.pods.append(pod)
            podPaths.append(podPath)
        }
        for (index, value) in (reader.array("groups") ?? []).enumerated() {
            let groupPath = path.appending("groups").appending(index)
            guard case .object(let members) = value else {
                sink.shapeError(groupPath, "expected a group object, got \(describe(value))")
                continue
            }
            group.groups.append(decode(members, at: groupPath, parent: id, sink: sink))
            groupPaths.append(groupPath)
        }
        group.dependencies = CommonDecoders.dependencies(reader, relativeTo: id)
        if reader.bool("enforceRole") == true && id.segments.count > 1 {
            sink.error(path.appending("enforceRole"), "enforceRole can only be set for top-level groups, and \(id) is not top-level")
        }
        group.otherFields = reader.keptFields()
        checkIdentifiers(group, at: path, paths: (appPaths, podPaths, groupPaths), sink: sink)
        return group
    }

    /// Apps, pods and groups of one group must not share ids, and no id may appear twice.
    private static func checkIdentifiers(_ group: GroupDefinition, at path: JSONPath,
                                         paths: (apps: [JSONPath], pods: [JSONPath], groups: [JSONPath]), sink: DiagnosticSink) {
        let appIds = Set(group.apps.map(\.id)), podIds = Set(group.pods.map(\.id)), groupIds = Set(group.groups.map(\.id))
        if !appIds.isDisjoint(with: podIds) { sink.error(path, "Applications and Pods may not share the same id") }
        if !appIds.isDisjoint(with: groupIds) { sink.error(path, "Groups and Applications may not have the same identifier.") }
        if !podIds.isDisjoint(with: groupIds) { sink.error(path, "Groups and Pods may not have the same identifier.") }
        for (ids, idPaths) in [(group.apps.map(\.id), paths.apps), (group.pods.map(\.id), paths.pods), (group.groups.map(\.id), paths.groups)] {
            var seen = Set<PathId>()
            for (id, idPath) in zip(ids, idPaths) where !seen.insert(id).inserted {
                sink.error(idPath.appending("id"), "\(id) is defined more than once in this group; Marathon would keep only the last one")
            }
        }
    }
}

/// Checks that span the whole file: dependencies that name nothing, and dependency cycles.
enum DependencyChecks {
    /// A dependency that names nothing in the file is only a warning: Marathon ignores it silently (it may name
    /// something deployed separately), but rollwatch then cannot order the deployment by it.
    static func check(_ root: GroupDefinition, sink: DiagnosticSink) {
        let graph = DependencyGraph(root)
        var owners: [(id: PathId, dependencies: [PathId])] = root.transitiveApps.map { ($0.id, $0.dependencies) }
        owners += root.transitiveGroups.map { ($0.id, $0.dependencies) }
        for owner in owners {
            for (index, dependency) in owner.dependencies.enumerated() where !graph.knows(dependency) {
                let path = (sink.locations[owner.id] ?? .root).appending("dependencies").appending(index)
                sink.warning(path, "\(dependency) is not an app, pod or group in this file; \(owner.id) will not wait for it")
            }
        }
        if let cycle = graph.findCycle() {
            sink.add(Diagnostic(severity: .error, stage: .rule, path: .root, message: "Dependency graph has cyclic dependencies.",
                                detail: "cycle: " + cycle.map(\.description).joined(separator: " → ")))
        }
    }
}
