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
}

extension GroupDefinition {
    /// This group with the app or pod `id` (anywhere inside) set to `instances`.
    public func scaling(_ id: PathId, to instances: Int) -> GroupDefinition {
        var copy = self
        for index in copy.apps.indices where copy.apps[index].id == id { copy.apps[index].instances = instances }
        for index in copy.pods.indices where copy.pods[index].id == id { copy.pods[index].instances = instances }
        copy.groups = copy.groups.map { $0.scaling(id, to: instances) }
        return copy
    }

    /// For each run spec, the length of the longest dependency path that starts at it: 1 for a spec without
    /// dependencies (Marathon's `dependencyOrderedSteps`).
    public var dependencyPathLengths: [PathId: Int] {
        DependencyGraph(self).pathLengths()
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
