/// A Marathon pod: containers that are scheduled, started and stopped together as one instance.
public struct PodDefinition: Sendable, Hashable {
    public var id: PathId
    public var labels: [String: String]
    public var environment: [String: EnvValue]
    public var user: String?
    public var containers: [PodContainer]
    public var volumes: [PodVolume]
    public var networks: [Network]
    /// `scaling.instances`, 1 by default.
    public var instances: Int
    /// `scaling.maxInstances`, if set.
    public var maxInstances: Int?
    public var backoff: BackoffStrategy
    /// `scheduling.upgrade`: (1, 1) by default, (0.5, 0) for resident pods.
    public var upgradeStrategy: UpgradeStrategy
    /// `scheduling.placement.constraints`.
    public var constraints: [Constraint]
    public var killSelection: KillSelection
    /// What the pod's executor itself takes: Marathon's default is 0.1 cpus, 32 MiB, 10 MiB of disk.
    public var executorResources: Resources
    public var version: String?
    /// Fields Marathon knows that rollwatch does not use (`secrets`, `linuxInfo`, …), kept verbatim.
    public var otherFields: JSONObject

    public init(id: PathId, labels: [String: String] = [:], environment: [String: EnvValue] = [:], user: String? = nil,
                containers: [PodContainer] = [], volumes: [PodVolume] = [], networks: [Network] = [Network(mode: .host)],
                instances: Int = 1, maxInstances: Int? = nil, backoff: BackoffStrategy = BackoffStrategy(),
                upgradeStrategy: UpgradeStrategy = .standard, constraints: [Constraint] = [],
                killSelection: KillSelection = .youngestFirst,
                executorResources: Resources = Resources(cpus: 0.1, mem: 32, disk: 10, gpus: 0),
                version: String? = nil, otherFields: JSONObject = JSONObject()) {
        self.id = id
        self.labels = labels
        self.environment = environment
        self.user = user
        self.containers = containers
        self.volumes = volumes
        self.networks = networks
        self.instances = instances
        self.maxInstances = maxInstances
        self.backoff = backoff
        self.upgradeStrategy = upgradeStrategy
        self.constraints = constraints
        self.killSelection = killSelection
        self.executorResources = executorResources
        self.version = version
        self.otherFields = otherFields
    }

    /// A pod with persistent volumes keeps its reservations across restarts, like a resident app.
    public var isResident: Bool { volumes.contains { $0.persistent != nil } }

    /// What one instance takes from an agent: every container plus the executor.
    public var resources: Resources {
        containers.map(\.resources).reduce(executorResources, +)
    }

    /// True when any container has a health check.
    public var hasConfiguredHealthChecks: Bool { containers.contains { $0.healthCheck != nil } }
}

/// One container of a pod.
public struct PodContainer: Sendable, Hashable {
    /// How the container's process is started.
    public enum Command: Sendable, Hashable {
        /// `exec.command.shell`, run through `/bin/sh -c`.
        case shell(String)
        /// `exec.command.argv`, run directly.
        case argv([String])
    }

    public var name: String
    public var command: Command?
    public var resources: Resources
    public var endpoints: [Endpoint]
    /// The container image (`image.id`), if any; without one the command runs on the agent's file system.
    public var image: String?
    public var forcePull: Bool
    public var healthCheck: PodHealthCheck?
    public var volumeMounts: [VolumeMount]
    public var environment: [String: EnvValue]
    public var labels: [String: String]
    public var user: String?
    public var killGracePeriodSeconds: Double?
    /// Container fields Marathon knows that rollwatch does not use (`artifacts`, `tty`, …), kept verbatim.
    public var otherFields: JSONObject

    public init(name: String, command: Command? = nil, resources: Resources = Resources(),
                endpoints: [Endpoint] = [], image: String? = nil, forcePull: Bool = false,
                healthCheck: PodHealthCheck? = nil, volumeMounts: [VolumeMount] = [],
                environment: [String: EnvValue] = [:], labels: [String: String] = [:], user: String? = nil,
                killGracePeriodSeconds: Double? = nil, otherFields: JSONObject = JSONObject()) {
        self.name = name
        self.command = command
        self.resources = resources
        self.endpoints = endpoints
        self.image = image
        self.forcePull = forcePull
        self.healthCheck = healthCheck
        self.volumeMounts = volumeMounts
        self.environment = environment
        self.labels = labels
        self.user = user
        self.killGracePeriodSeconds = killGracePeriodSeconds
        self.otherFields = otherFields
    }

    /// A named port of a pod container.
    public struct Endpoint: Sendable, Hashable {
        public var name: String
        public var containerPort: Int?
        /// 0 asks for any free host port; nil publishes none.
        public var hostPort: Int?
        public var protocols: [String]
        public var labels: [String: String]
        public var networkNames: [String]

        public init(name: String, containerPort: Int? = nil, hostPort: Int? = nil, protocols: [String] = ["tcp"],
                    labels: [String: String] = [:], networkNames: [String] = []) {
            self.name = name
            self.containerPort = containerPort
            self.hostPort = hostPort
            self.protocols = protocols
            self.labels = labels
            self.networkNames = networkNames
        }
    }

    /// A pod volume mounted into this container.
    public struct VolumeMount: Sendable, Hashable {
        public var name: String
        public var mountPath: String
        public var readOnly: Bool

        public init(name: String, mountPath: String, readOnly: Bool = false) {
            self.name = name
            self.mountPath = mountPath
            self.readOnly = readOnly
        }
    }
}

/// A pod container's health check (Mesos-level): HTTP to an endpoint, TCP to an endpoint, or a command.
public struct PodHealthCheck: Sendable, Hashable {
    /// What the check probes.
    public enum Probe: Sendable, Hashable {
        case http(endpoint: String, path: String, scheme: String)
        case tcp(endpoint: String)
        case exec(command: PodContainer.Command)

        /// The endpoint probed, if the check uses one.
        public var endpoint: String? {
            switch self {
            case .http(let endpoint, _, _), .tcp(let endpoint): return endpoint
            case .exec: return nil
            }
        }
    }

    public var probe: Probe
    public var gracePeriodSeconds: Double
    public var intervalSeconds: Double
    public var maxConsecutiveFailures: Int
    public var timeoutSeconds: Double
    public var delaySeconds: Double

    public init(probe: Probe, gracePeriodSeconds: Double = 300, intervalSeconds: Double = 60, maxConsecutiveFailures: Int = 3,
                timeoutSeconds: Double = 20, delaySeconds: Double = 2) {
        self.probe = probe
        self.gracePeriodSeconds = gracePeriodSeconds
        self.intervalSeconds = intervalSeconds
        self.maxConsecutiveFailures = maxConsecutiveFailures
        self.timeoutSeconds = timeoutSeconds
        self.delaySeconds = delaySeconds
    }
}

/// A volume declared at pod level and mounted by name into containers.
public struct PodVolume: Sendable, Hashable {
    public var name: String
    /// A folder of the agent, for a host volume.
    public var hostPath: String?
    /// Size (MiB) and type of a local persistent volume; it makes the pod resident.
    public var persistent: (sizeMiB: Int, type: String)? {
        get { persistentSize.map { ($0, persistentType) } }
        set {
            persistentSize = newValue?.sizeMiB
            persistentType = newValue?.type ?? "root"
        }
    }
    /// The secret a secret volume holds.
    public var secret: String?
    /// Fields Marathon knows that rollwatch does not use (`persistent.profileName`, …), kept verbatim.
    public var otherFields: JSONObject
    private var persistentSize: Int?
    private var persistentType: String = "root"

    public init(name: String, hostPath: String? = nil, persistent: (sizeMiB: Int, type: String)? = nil, secret: String? = nil,
                otherFields: JSONObject = JSONObject()) {
        self.name = name
        self.hostPath = hostPath
        self.secret = secret
        self.otherFields = otherFields
        self.persistent = persistent
    }
}
