/// Resources one instance asks of an agent. Marathon's defaults: 1 cpu, 128 MiB, no disk, no GPU.
public struct Resources: Sendable, Hashable {
    public var cpus: Double
    public var mem: Double
    public var disk: Double
    public var gpus: Int

    public init(cpus: Double = 1, mem: Double = 128, disk: Double = 0, gpus: Int = 0) {
        self.cpus = cpus
        self.mem = mem
        self.disk = disk
        self.gpus = gpus
    }

    /// The sum of two requests (a pod's containers plus its executor).
    public static func + (lhs: Resources, rhs: Resources) -> Resources {
        Resources(cpus: lhs.cpus + rhs.cpus, mem: lhs.mem + rhs.mem, disk: lhs.disk + rhs.disk, gpus: lhs.gpus + rhs.gpus)
    }
}

/// Marathon's `upgradeStrategy`: the share of instances that must stay healthy during an upgrade, and the share
/// the fleet may grow beyond its size. Both lie in [0, 1].
public struct UpgradeStrategy: Sendable, Hashable {
    public var minimumHealthCapacity: Double
    public var maximumOverCapacity: Double

    public init(minimumHealthCapacity: Double, maximumOverCapacity: Double) {
        self.minimumHealthCapacity = minimumHealthCapacity
        self.maximumOverCapacity = maximumOverCapacity
    }

    /// Marathon's default for apps and pods, `(1, 1)`: start every new instance before stopping an old one.
    public static let standard = UpgradeStrategy(minimumHealthCapacity: 1, maximumOverCapacity: 1)
    /// Marathon's default for resident apps and pods (persistent or external volumes), `(0.5, 0)`.
    public static let resident = UpgradeStrategy(minimumHealthCapacity: 0.5, maximumOverCapacity: 0)

    /// `ceil(instances × minimumHealthCapacity)`: the healthy instances a restart keeps, as Marathon computes it.
    public func minimumHealthy(instances: Int) -> Int {
        Int((Double(instances) * minimumHealthCapacity).rounded(.up))
    }

    /// `floor(instances × (1 + maximumOverCapacity))`: the most instances alive at once during a restart, before
    /// Marathon's special case for `minHealthy == maxCapacity` (truncated as Scala's `toInt` does).
    public func maximumCapacity(instances: Int) -> Int {
        Int((Double(instances) * (1 + maximumOverCapacity)).rounded(.towardZero))
    }
}

/// How quickly a crashed instance is relaunched: `backoffSeconds × backoffFactor^n`, capped.
public struct BackoffStrategy: Sendable, Hashable {
    public var backoffSeconds: Double
    public var backoffFactor: Double
    public var maxLaunchDelaySeconds: Double

    public init(backoffSeconds: Double = 1, backoffFactor: Double = 1.15, maxLaunchDelaySeconds: Double = 300) {
        self.backoffSeconds = backoffSeconds
        self.backoffFactor = backoffFactor
        self.maxLaunchDelaySeconds = maxLaunchDelaySeconds
    }

    /// The delay before the launch that follows `failures` consecutive failures (0 for the first launch).
    public func delay(afterFailures failures: Int) -> Double {
        guard failures > 0 else { return 0 }
        var delay = backoffSeconds
        for _ in 1..<failures {
            delay *= backoffFactor
            if delay >= maxLaunchDelaySeconds { return maxLaunchDelaySeconds }
        }
        return min(delay, maxLaunchDelaySeconds)
    }
}

/// Which instances go first when an app scales down.
public enum KillSelection: String, Sendable, Hashable, CaseIterable {
    case youngestFirst = "YOUNGEST_FIRST"
    case oldestFirst = "OLDEST_FIRST"
}

/// A placement rule: `["hostname", "UNIQUE"]`, `["rack", "GROUP_BY", "3"]`.
public struct Constraint: Sendable, Hashable, CustomStringConvertible {
    /// The operators Marathon knows.
    public enum Operator: String, Sendable, Hashable, CaseIterable {
        case unique = "UNIQUE"
        case cluster = "CLUSTER"
        case groupBy = "GROUP_BY"
        case like = "LIKE"
        case unlike = "UNLIKE"
        case maxPer = "MAX_PER"
        case `is` = "IS"
    }

    /// `hostname` (or `@hostname`), `@region`, `@zone`, or an agent attribute name.
    public var field: String
    public var `operator`: Operator
    public var value: String?

    public init(field: String, operator: Operator, value: String? = nil) {
        self.field = field
        self.operator = `operator`
        self.value = value
    }

    /// `hostname:UNIQUE`, `rack:GROUP_BY:3`: the form the DC/OS CLI uses.
    public var description: String {
        [field, `operator`.rawValue, value].compactMap { $0 }.joined(separator: ":")
    }
}

/// A network an app or pod joins. Marathon's default is one `host` network.
public struct Network: Sendable, Hashable {
    /// `host`, `container/bridge`, or `container` (a named virtual network).
    public enum Mode: String, Sendable, Hashable, CaseIterable {
        case host
        case containerBridge = "container/bridge"
        case container
    }

    public var mode: Mode
    public var name: String?
    public var labels: [String: String]

    public init(mode: Mode, name: String? = nil, labels: [String: String] = [:]) {
        self.mode = mode
        self.name = name
        self.labels = labels
    }
}

/// A port an app asks for on the agent in host networking (`portDefinitions`). Port 0 asks for any free port.
public struct PortDefinition: Sendable, Hashable {
    public var port: Int
    public var `protocol`: String
    public var name: String?
    public var labels: [String: String]

    public init(port: Int = 0, protocol: String = "tcp", name: String? = nil, labels: [String: String] = [:]) {
        self.port = port
        self.protocol = `protocol`
        self.name = name
        self.labels = labels
    }
}

/// A container port and the host port it is published on, in bridge or container networking.
public struct PortMapping: Sendable, Hashable {
    public var containerPort: Int
    /// Nil means no host port (container networking); 0 asks for any free host port.
    public var hostPort: Int?
    public var servicePort: Int
    public var `protocol`: String
    public var name: String?
    public var labels: [String: String]
    public var networkNames: [String]

    public init(containerPort: Int = 0, hostPort: Int? = nil, servicePort: Int = 0, protocol: String = "tcp",
                name: String? = nil, labels: [String: String] = [:], networkNames: [String] = []) {
        self.containerPort = containerPort
        self.hostPort = hostPort
        self.servicePort = servicePort
        self.protocol = `protocol`
        self.name = name
        self.labels = labels
        self.networkNames = networkNames
    }
}

/// A value in an app's `env`: a literal string, or a reference to one of the app's `secrets`.
public enum EnvValue: Sendable, Hashable {
    case value(String)
    case secret(String)
}
