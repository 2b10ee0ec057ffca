/// An app health check with Marathon's defaults applied (grace 300 s, interval 60 s, timeout 20 s,
/// 3 consecutive failures, delay 15 s).
public struct HealthCheck: Sendable, Hashable {
    /// How the check probes an instance. Marathon-level checks (HTTP, HTTPS, TCP) are run by the scheduler;
    /// the others are run next to the instance (by Mesos in Marathon, by the driver in rollwatch).
    public enum ProbeProtocol: String, Sendable, Hashable, CaseIterable {
        case http = "HTTP"
        case https = "HTTPS"
        case tcp = "TCP"
        case command = "COMMAND"
        case mesosTCP = "MESOS_TCP"
        case mesosHTTP = "MESOS_HTTP"
        case mesosHTTPS = "MESOS_HTTPS"

        /// True for checks Marathon itself performs.
        public var isMarathonLevel: Bool { self == .http || self == .https || self == .tcp }
        /// True for checks that send an HTTP request.
        public var isHTTP: Bool { self == .http || self == .https || self == .mesosHTTP || self == .mesosHTTPS }
        /// True for checks that need a port.
        public var needsPort: Bool { self != .command }
    }

    /// The IP version a check connects with.
    public enum IPProtocol: String, Sendable, Hashable, CaseIterable {
        case ipv4 = "IPv4"
        case ipv6 = "IPv6"
    }

    public var `protocol`: ProbeProtocol
    /// The request path for HTTP checks, always starting with `/`.
    public var path: String?
    /// Index into the app's port mappings (if it has any) or port definitions; Marathon sets 0 when neither port
    /// nor index is given and the app has ports.
    public var portIndex: Int?
    /// A fixed port, which takes precedence over `portIndex`.
    public var port: Int?
    /// The shell command of a COMMAND check.
    public var command: String?
    public var gracePeriodSeconds: Double
    public var intervalSeconds: Double
    public var timeoutSeconds: Double
    /// Failures tolerated before the instance is killed; 0 never kills.
    public var maxConsecutiveFailures: Int
    public var delaySeconds: Double
    public var ignoreHttp1xx: Bool
    public var ipProtocol: IPProtocol

    public init(protocol: ProbeProtocol = .http, path: String? = nil, portIndex: Int? = nil, port: Int? = nil,
                command: String? = nil, gracePeriodSeconds: Double = 300, intervalSeconds: Double = 60,
                timeoutSeconds: Double = 20, maxConsecutiveFailures: Int = 3, delaySeconds: Double = 15,
                ignoreHttp1xx: Bool = false, ipProtocol: IPProtocol = .ipv4) {
        self.protocol = `protocol`
        self.path = path
        self.portIndex = portIndex
        self.port = port
        self.command = command
        self.gracePeriodSeconds = gracePeriodSeconds
        self.intervalSeconds = intervalSeconds
        self.timeoutSeconds = timeoutSeconds
        self.maxConsecutiveFailures = maxConsecutiveFailures
        self.delaySeconds = delaySeconds
        self.ignoreHttp1xx = ignoreHttp1xx
        self.ipProtocol = ipProtocol
    }
}

/// A readiness check: an HTTP request that must answer one of `httpStatusCodesForReady` before a new instance
/// counts as ready during a deployment. Defaults from Marathon: interval 30 s, timeout 10 s, `[200]`.
public struct ReadinessCheck: Sendable, Hashable {
    /// The scheme of the readiness request.
    public enum ProbeProtocol: String, Sendable, Hashable, CaseIterable {
        case http = "HTTP"
        case https = "HTTPS"
    }

    public var name: String
    public var `protocol`: ProbeProtocol
    public var path: String
    /// The name of a port definition or port mapping.
    public var portName: String
    public var intervalSeconds: Double
    public var timeoutSeconds: Double
    public var httpStatusCodesForReady: [Int]
    public var preserveLastResponse: Bool

    public init(name: String = "readinessCheck", protocol: ProbeProtocol = .http, path: String = "/",
                portName: String = "http-api", intervalSeconds: Double = 30, timeoutSeconds: Double = 10,
                httpStatusCodesForReady: [Int] = [200], preserveLastResponse: Bool = false) {
        self.name = name
        self.protocol = `protocol`
        self.path = path
        self.portName = portName
        self.intervalSeconds = intervalSeconds
        self.timeoutSeconds = timeoutSeconds
        self.httpStatusCodesForReady = httpStatusCodesForReady
        self.preserveLastResponse = preserveLastResponse
    }
}
