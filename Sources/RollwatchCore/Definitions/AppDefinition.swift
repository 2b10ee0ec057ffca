/// A Marathon app, decoded, normalised with Marathon's defaults, and validated.
///
/// Relative ids (the app's own, and its dependencies) are already resolved against the enclosing group.
/// Fields Marathon knows that rollwatch does not use are in `otherFields`, exactly as written.
public struct AppDefinition: Sendable, Hashable {
    public var id: PathId
    public var cmd: String?
    public var args: [String]?
    public var user: String?
    public var container: Container?
    public var networks: [Network]
    /// The host ports asked for in host networking; Marathon's default is one port named `default`.
    public var portDefinitions: [PortDefinition]
    public var requirePorts: Bool
    public var env: [String: EnvValue]
    public var labels: [String: String]
    public var instances: Int
    public var resources: Resources
    public var constraints: [Constraint]
    /// Absolute ids of the apps and groups this app depends on.
    public var dependencies: [PathId]
    public var healthChecks: [HealthCheck]
    public var readinessChecks: [ReadinessCheck]
    public var upgradeStrategy: UpgradeStrategy
    public var backoff: BackoffStrategy
    public var killSelection: KillSelection
    public var taskKillGracePeriodSeconds: Double?
    /// Marathon's `version` timestamp when the file carries one (files saved from the API do).
    public var version: String?
    /// Fields Marathon knows that rollwatch does not use (`fetch`, `secrets`, `unreachableStrategy`, …), kept verbatim.
    public var otherFields: JSONObject

    public init(id: PathId, cmd: String? = nil, args: [String]? = nil, user: String? = nil, container: Container? = nil,
                networks: [Network] = [Network(mode: .host)], portDefinitions: [PortDefinition] = [PortDefinition(name: "default")],
                requirePorts: Bool = false, env: [String: EnvValue] = [:], labels: [String: String] = [:],
                instances: Int = 1, resources: Resources = Resources(), constraints: [Constraint] = [],
                dependencies: [PathId] = [], healthChecks: [HealthCheck] = [], readinessChecks: [ReadinessCheck] = [],
                upgradeStrategy: UpgradeStrategy = .standard, backoff: BackoffStrategy = BackoffStrategy(),
                killSelection: KillSelection = .youngestFirst, taskKillGracePeriodSeconds: Double? = nil,
                version: String? = nil, otherFields: JSONObject = JSONObject()) {
        self.id = id
        self.cmd = cmd
        self.args = args
        self.user = user
        self.container = container
        self.networks = networks
        self.portDefinitions = portDefinitions
        self.requirePorts = requirePorts
        self.env = env
        self.labels = labels
        self.instances = instances
        self.resources = resources
        self.constraints = constraints
        self.dependencies = dependencies
        self.healthChecks = healthChecks
        self.readinessChecks = readinessChecks
        self.upgradeStrategy = upgradeStrategy
        self.backoff = backoff
        self.killSelection = killSelection
        self.taskKillGracePeriodSeconds = taskKillGracePeriodSeconds
        self.version = version
        self.otherFields = otherFields
    }

    /// Marathon's `isResident`: an app with local persistent volumes keeps its reservations across restarts.
    public var isResident: Bool {
        container?.volumes.contains(where: \.isPersistent) ?? false
    }

    /// True when the app has health checks, readiness checks or Mesos `check`s, so that an instance counts as
    /// healthy only once they say so (Marathon's `hasConfiguredHealthChecks`).
    public var hasConfiguredHealthChecks: Bool {
        !healthChecks.isEmpty || !readinessChecks.isEmpty || otherFields["check"] != nil
    }

    /// Fields of `GET /v2/apps` answers that describe the app's state, not its definition.
    static let statusFields = ["tasksStaged", "tasksRunning", "tasksHealthy", "tasksUnhealthy", "deployments", "tasks",
                               "lastTaskFailure", "readinessCheckResults", "taskStats", "tasksStats", "versionInfo"]

    /// The definition without what does not change how instances run: the instance count, the version stamp
    /// and the status fields. Two apps with the same configuration need no restart to go from one to the other.
    public var configuration: AppDefinition {
        var copy = self
        copy.instances = 0
        copy.version = nil
        for field in Self.statusFields { copy.otherFields[field] = nil }
        return copy
    }

    /// True when every network is `host`: ports come from `portDefinitions` rather than port mappings.
    public var usesHostNetworking: Bool {
        networks.allSatisfy { $0.mode == .host }
    }

    /// Each port's name, in order: the port definitions' with host networking, else the port mappings'.
    public var portNames: [String?] {
        usesHostNetworking ? portDefinitions.map(\.name) : (container?.portMappings ?? []).map(\.name)
    }

    /// Each port's number as the definition asks for it: a port definition's `port`, or a mapping's
    /// `containerPort` (0: any).
    public var requestedPorts: [Int] {
        usesHostNetworking ? portDefinitions.map(\.port) : (container?.portMappings ?? []).map(\.containerPort)
    }

    /// How many ports a health check's `portIndex` can address: the port mappings if there are any, else the
    /// port definitions (Marathon's `portIndices`).
    public var portCount: Int {
        let mappings = container?.portMappings.count ?? 0
        return mappings > 0 ? mappings : portDefinitions.count
    }

    /// The Docker image, if the app runs one.
    public var image: String? { container?.docker?.image }

    /// True when the app carries the `MARATHON_SINGLE_INSTANCE_APP=true` label.
    public var isSingleInstance: Bool {
        labels["MARATHON_SINGLE_INSTANCE_APP"] == "true"
    }
}
