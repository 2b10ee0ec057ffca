/// The timing and kill rule of one health check, shared by app checks and pod container checks.
public struct HealthCheckTiming: Sendable, Hashable {
    public var gracePeriodSeconds: Double
    public var intervalSeconds: Double
    public var timeoutSeconds: Double
    /// Failures tolerated before a kill; 0 never kills.
    public var maxConsecutiveFailures: Int
    /// Run next to the instance (Mesos-level in Marathon: COMMAND, MESOS_*, pod checks) rather than by the scheduler.
    public var isMesosLevel: Bool
    /// Mesos-level checks wait this long before the first probe.
    public var delaySeconds: Double

    public init(gracePeriodSeconds: Double = 300, intervalSeconds: Double = 60, timeoutSeconds: Double = 20,
                maxConsecutiveFailures: Int = 3, isMesosLevel: Bool = false, delaySeconds: Double = 15) {
        self.gracePeriodSeconds = gracePeriodSeconds
        self.intervalSeconds = intervalSeconds
        self.timeoutSeconds = timeoutSeconds
        self.maxConsecutiveFailures = maxConsecutiveFailures
        self.isMesosLevel = isMesosLevel
        self.delaySeconds = delaySeconds
    }

    /// The timing of an app health check.
    public init(_ check: HealthCheck) {
        self.init(gracePeriodSeconds: check.gracePeriodSeconds, intervalSeconds: check.intervalSeconds,
                  timeoutSeconds: check.timeoutSeconds, maxConsecutiveFailures: check.maxConsecutiveFailures,
                  isMesosLevel: !check.protocol.isMarathonLevel, delaySeconds: check.delaySeconds)
    }

    /// The timing of a pod container's health check (always Mesos-level).
    public init(_ check: PodHealthCheck) {
        self.init(gracePeriodSeconds: check.gracePeriodSeconds, intervalSeconds: check.intervalSeconds,
                  timeoutSeconds: check.timeoutSeconds, maxConsecutiveFailures: check.maxConsecutiveFailures,
                  isMesosLevel: true, delaySeconds: check.delaySeconds)
    }

    /// Seconds after the instance starts running until the first probe: `min(interval, 5)` for Marathon's own
    /// checks (its check actor ticks first after that), `delaySeconds` for Mesos-level ones.
    public var firstProbeDelay: Double {
        isMesosLevel ? delaySeconds : min(intervalSeconds, 5)
    }

    /// The shortest time between probes: an interval of 0 (which Marathon accepts) probes this often rather than
    /// without pause, so that simulated time moves on.
    public static let minimumProbeInterval = 0.05

    /// Seconds between probes.
    public var probeInterval: Double {
        max(intervalSeconds, Self.minimumProbeInterval)
    }

    /// When the `probe`-th probe (0 is the first) of an instance running since `runningSince` is due.
    public func probeTime(runningSince: Double, probe: Int) -> Double {
        runningSince + firstProbeDelay + Double(probe) * probeInterval
    }
}

/// What one probe found.
public enum ProbeResult: Sendable, Hashable {
    case healthy
    case unhealthy(cause: String)
    /// An HTTP 1xx answer with `ignoreHttp1xx`: changes nothing.
    case ignored
}

/// Marathon's `Health` record of one check for one instance (§7.1).
///
/// The times are kept as plain numbers, with minus infinity for "never", and read as optionals: 48 bytes
/// rather than 72, which takes a third of a cache line off each tracked instance's record.
public struct HealthRecord: Sendable, Hashable {
    public var consecutiveFailures = 0
    private var firstSuccessTime = -Double.infinity
    private var lastSuccessTime = -Double.infinity
    private var lastFailureTime = -Double.infinity
    public var lastFailureCause: String?

    public var firstSuccess: Double? {
        get { Self.time(firstSuccessTime) }
        set { firstSuccessTime = newValue ?? -.infinity }
    }

    public var lastSuccess: Double? {
        get { Self.time(lastSuccessTime) }
        set { lastSuccessTime = newValue ?? -.infinity }
    }

    public var lastFailure: Double? {
        get { Self.time(lastFailureTime) }
        set { lastFailureTime = newValue ?? -.infinity }
    }

    private static func time(_ stored: Double) -> Double? {
        stored == -.infinity ? nil : stored
    }

    /// `lastSuccess exists && (no lastFailure || lastSuccess > lastFailure)`.
    public var alive: Bool {
        guard let lastSuccess else { return false }
        guard let lastFailure else { return true }
        return lastSuccess > lastFailure
    }
}

/// What recording a probe result leads to.
public enum HealthEffect: Sendable, Hashable {
    /// A counted failure (`failed_health_check_event`).
    case failedCheck(check: Int, cause: String)
    /// One check's `alive` flipped (`health_status_changed_event`).
    case aliveChanged(check: Int, alive: Bool)
    /// The instance's aggregate health changed (`instance_health_changed_event`): true when every check is
    /// alive, nil while any check has no result, false otherwise.
    case healthChanged(Bool?)
    /// Too many failures: kill the instance (`unhealthy_instance_kill_event`); it is relaunched with back-off.
    case kill(reason: String)
}

/// The health records of an instance's checks, one per check (nil until it answers). The first is kept inline,
/// in the tracker itself, so that the common instance with one check has no array of its own to allocate, find
/// in memory, and check for uniqueness on every probe: at 100,000 instances those misses were a good part of a
/// probe's cost.
public struct HealthRecords: Sendable, Hashable, RandomAccessCollection, MutableCollection {
    private let size: Int
    private var head: HealthRecord?
    private var rest: [HealthRecord?]

    /// `count` records, none answered yet.
    public init(count: Int) {
        size = Swift.max(0, count)
        head = nil
        rest = count > 1 ? Array(repeating: nil, count: count - 1) : []
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { size }

    public subscript(position: Int) -> HealthRecord? {
        get { position == 0 ? head : rest[position - 1] }
        set {
            if position == 0 {
                head = newValue
            } else {
                rest[position - 1] = newValue
            }
        }
    }
}

/// The health of one instance under its checks, with Marathon's rules (§4.2): failures before the first success
/// are ignored during the grace period; a Marathon-level check kills on the failure that arrives when
/// `maxConsecutiveFailures` are already counted (the 4th with the default 3), a Mesos-level one when the count
/// reaches it; 0 never kills.
public struct HealthTracker: Sendable, Hashable {
    public let checks: [HealthCheckTiming]
    /// When the instance started running, the start of its grace period.
    public let runningSince: Double
    public private(set) var records: HealthRecords
    public private(set) var isKilled = false

    public init(checks: [HealthCheckTiming], runningSince: Double) {
        self.checks = checks
        self.runningSince = runningSince
        self.records = HealthRecords(count: checks.count)
    }

    /// The aggregate: true when every check is alive, nil while any has no result, false otherwise.
    public var healthy: Bool? {
        if records.contains(where: { $0 == nil }) { return nil }
        return records.allSatisfy { $0?.alive == true }
    }

    /// When check `index` probes for the `probe`-th time (0 is the first).
    public func probeTime(check index: Int, probe: Int) -> Double {
        checks[index].probeTime(runningSince: runningSince, probe: probe)
    }

    /// Records one probe result of check `index` at time `now`.
    public mutating func record(_ result: ProbeResult, check index: Int, at now: Double) -> [HealthEffect] {
        guard checks.indices.contains(index), !isKilled else { return [] }
        let timing = checks[index]
        let before = records[index]
        let aggregateBefore = healthy
        var effects: [HealthEffect] = []
        var record = before ?? HealthRecord()
        switch result {
        case .ignored:
            return []
        case .healthy:
            record.consecutiveFailures = 0
            if record.firstSuccess == nil { record.firstSuccess = now }
            record.lastSuccess = now
        case .unhealthy(let cause):
            if record.firstSuccess == nil && runningSince + timing.gracePeriodSeconds > now { return [] }
            effects.append(.failedCheck(check: index, cause: cause))
            let counted = timing.isMesosLevel ? record.consecutiveFailures + 1 : record.consecutiveFailures
            if timing.maxConsecutiveFailures > 0 && counted >= timing.maxConsecutiveFailures {
                isKilled = true
                effects.append(.kill(reason: cause))
            }
            record.consecutiveFailures += 1
            record.lastFailure = now
            record.lastFailureCause = cause
        }
        records[index] = record
        if (before?.alive ?? false) != record.alive {
            effects.append(.aliveChanged(check: index, alive: record.alive))
        }
        if healthy != aggregateBefore { effects.append(.healthChanged(healthy)) }
        return effects
    }
}
