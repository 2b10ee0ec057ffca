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
/// Indirect, so that a copy (deployment actions and machines carry one) is one reference, not every field.
public indirect enum RunSpec: Sendable, Hashable {
    case app(AppDefinition)
    case pod(PodDefinition)

    public var id: PathId {
        switch self {
        case .app(let app): return app.id
        case .pod(let pod): return pod.id
        }
    }

    /// The run spec's labels (Marathon ignores rollwatch's own, such as `ROLLWATCH_STRATEGY`).
    public var labels: [String: String] {
        switch self {
        case .app(let app): return app.labels
        case .pod(let pod): return pod.labels
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

    /// True when instances have health checks, so that running alone is not healthy. Readiness checks and Mesos
    /// `check`s do not count: Marathon's `ReadinessBehavior` waits for health only when there are health checks.
    /// (Marathon's `consideredHealthy` also counts readiness checks, which would leave an app with only readiness
    /// checks never healthy; rollwatch follows ARCHITECTURE.md §5.2, where running is healthy without checks.)
    public var hasHealthChecks: Bool {
        switch self {
        case .app(let app): return !app.healthChecks.isEmpty
        case .pod(let pod): return pod.hasConfiguredHealthChecks
        }
    }

    /// What one instance takes from an agent (a pod's containers plus its executor).
    public var resourcesPerInstance: Resources {
        switch self {
        case .app(let app): return app.resources
        case .pod(let pod): return pod.resources
        }
    }

    /// The launch back-off.
    public var backoff: BackoffStrategy {
        switch self {
        case .app(let app): return app.backoff
        case .pod(let pod): return pod.backoff
        }
    }

    /// True when a change from `old` needs new instances: anything but the instance count, the version stamp and
    /// the status fields of a definition saved from the API differs (Marathon's `isUpgrade`).
    public func needsRestart(comparedTo old: RunSpec) -> Bool {
        switch (self, old) {
        case (.app(let new), .app(let old)):
            return new.configuration != old.configuration
        case (.pod(var new), .pod(let old)):
            new.instances = old.instances
            new.version = old.version
            return new != old
        default:
            return true
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
