/// A Marathon group: apps, pods and nested groups under one id, with dependencies between them.
public struct GroupDefinition: Sendable, Hashable {
    public var id: PathId
    public var apps: [AppDefinition]
    public var pods: [PodDefinition]
    public var groups: [GroupDefinition]
    /// Absolute ids of the apps and groups every app of this group depends on.
    public var dependencies: [PathId]
    /// Fields Marathon knows that rollwatch does not use (`version`, `enforceRole`, …), kept verbatim.
    public var otherFields: JSONObject

    public init(id: PathId, apps: [AppDefinition] = [], pods: [PodDefinition] = [], groups: [GroupDefinition] = [],
                dependencies: [PathId] = [], otherFields: JSONObject = JSONObject()) {
        self.id = id
        self.apps = apps
        self.pods = pods
        self.groups = groups
        self.dependencies = dependencies
        self.otherFields = otherFields
    }

    /// Every app in this group and the groups below it, depth first in file order.
    public var transitiveApps: [AppDefinition] {
        apps + groups.flatMap(\.transitiveApps)
    }

    /// Every pod in this group and the groups below it.
    public var transitivePods: [PodDefinition] {
        pods + groups.flatMap(\.transitivePods)
    }

    /// This group and every group below it.
    public var transitiveGroups: [GroupDefinition] {
        [self] + groups.flatMap(\.transitiveGroups)
    }

    /// Every app and pod below this group, as run specs.
    public var transitiveRunSpecs: [RunSpec] {
        transitiveApps.map(RunSpec.app) + transitivePods.map(RunSpec.pod)
    }

    /// Marathon's `applicationDependencies`: for each run spec, the run specs it waits for. An app's
    /// dependency on a group means every app and pod in that group; a group's dependency applies to every run
    /// spec inside it. Ids that name nothing are skipped, as Marathon skips them.
    public var runSpecDependencies: [PathId: Set<PathId>] {
        let groupsById = Dictionary(transitiveGroups.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let specIds = Set(transitiveRunSpecs.map(\.id))
        func expand(_ id: PathId) -> [PathId] {
            if specIds.contains(id) { return [id] }
            return groupsById[id]?.transitiveRunSpecs.map(\.id) ?? []
        }
        var edges: [PathId: Set<PathId>] = [:]
        for spec in transitiveRunSpecs { edges[spec.id, default: []].formUnion(spec.dependencies.flatMap(expand)) }
        for group in transitiveGroups where !group.dependencies.isEmpty {
            let targets = group.dependencies.flatMap(expand)
            for spec in group.transitiveRunSpecs { edges[spec.id, default: []].formUnion(targets) }
        }
        return edges
    }
}

extension GroupDefinition {
    /// For each run spec, the length of the longest dependency path that starts at it: 1 for a spec without
    /// dependencies. An edge that would close a cycle is not followed, so the answer exists even for an invalid
    /// graph.
    public var dependencyPathLengths: [PathId: Int] {
        let edges = runSpecDependencies
        var length: [PathId: Int] = [:]
        var visiting = Set<PathId>()
        func longestPath(from id: PathId) -> Int {
            if let known = length[id] { return known }
            visiting.insert(id)
            var longest = 1
            for next in (edges[id] ?? []).sorted() where !visiting.contains(next) {
                longest = max(longest, longestPath(from: next) + 1)
            }
            visiting.remove(id)
            length[id] = longest
            return longest
        }
        for spec in transitiveRunSpecs { _ = longestPath(from: spec.id) }
        return length
    }

    /// Run specs grouped by `dependencyPathLengths`, shortest first: the order in which Marathon's deployment
    /// plan restarts them. Ids within a class are sorted.
    public var dependencyClasses: [[PathId]] {
        let byLength = Dictionary(grouping: dependencyPathLengths, by: \.value)
        return byLength.keys.sorted().map { (byLength[$0] ?? []).map(\.key).sorted() }
    }
}

/// Something that runs instances: an app or a pod. Deployment plans and the scheduler treat both alike.
public enum RunSpec: Sendable, Hashable {
    case app(AppDefinition)
    case pod(PodDefinition)

    public var id: PathId {
        switch self {
        case .app(let app): return app.id
        case .pod(let pod): return pod.id
        }
    }

    public var instances: Int {
        switch self {
        case .app(let app): return app.instances
        case .pod(let pod): return pod.instances
        }
    }

    public var upgradeStrategy: UpgradeStrategy {
        switch self {
        case .app(let app): return app.upgradeStrategy
        case .pod(let pod): return pod.upgradeStrategy
        }
    }

    /// True for apps and pods with persistent volumes.
    public var isResident: Bool {
        switch self {
        case .app(let app): return app.isResident
        case .pod(let pod): return pod.isResident
        }
    }

    /// Marathon's `hasConfiguredHealthChecks`: an instance counts as healthy only once its checks say so.
    public var hasConfiguredHealthChecks: Bool {
        switch self {
        case .app(let app): return app.hasConfiguredHealthChecks
        case .pod(let pod): return pod.hasConfiguredHealthChecks
        }
    }

    /// True when new instances must also pass a readiness check (pods have none).
    public var hasReadinessChecks: Bool {
        if case .app(let app) = self { return !app.readinessChecks.isEmpty }
        return false
    }

    /// The order in which scaling down picks instances.
    public var killSelection: KillSelection {
        switch self {
        case .app(let app): return app.killSelection
        case .pod(let pod): return pod.killSelection
        }
    }

    /// Absolute ids this run spec depends on directly (pods have none of their own).
    public var dependencies: [PathId] {
        switch self {
        case .app(let app): return app.dependencies
        case .pod: return []
        }
    }
}
