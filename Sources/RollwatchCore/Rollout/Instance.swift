/// The id of one instance, e.g. `python-web.000f`.
///
/// Ids are dictionary keys on every event the scheduler handles, so the hash of the string is worked out once,
/// when the id is made.
public struct InstanceId: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let value: String
    private let precomputedHash: Int

    public init(_ value: String) {
        self.value = value
        self.precomputedHash = value.hashValue
    }

    public var description: String { value }

    /// The counter that ends an id made as the scheduler makes them (`web.000f` is 15): the lowercase hexadecimal
    /// digits after the last dot, up to 15 of them; nil for other ids. Several run specs' ids share counters, so it
    /// tells ids apart only within one run spec; `InstanceTable` keeps ids by it.
    public var ordinal: Int? {
        var text = value
        return text.withUTF8 { bytes in
            guard let dot = bytes.lastIndex(of: UInt8(ascii: ".")) else { return nil }
            return Self.counter(bytes[(dot + 1)...])
        }
    }

    /// The value of a counter written as in instance ids: 1 to 15 lowercase hexadecimal digits; nil for anything
    /// else.
    public static func counter<Digits: Collection<UInt8>>(_ digits: Digits) -> Int? {
        guard !digits.isEmpty, digits.count <= 15 else { return nil }
        var counter = 0
        for byte in digits {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): counter = counter << 4 | Int(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): counter = counter << 4 | Int(byte - UInt8(ascii: "a") + 10)
            default: return nil
            }
        }
        return counter
    }

    public static func == (lhs: InstanceId, rhs: InstanceId) -> Bool {
        lhs.precomputedHash == rhs.precomputedHash && lhs.value == rhs.value
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(precomputedHash)
    }

    /// The bucket hash, cheap on purpose (see `bucketHash`): ids are looked up on every event.
    public func _rawHashValue(seed: Int) -> Int {
        bucketHash(precomputedHash, seed: seed)
    }

    public static func < (lhs: InstanceId, rhs: InstanceId) -> Bool { lhs.value < rhs.value }
}

/// An instance's condition, with Marathon's names (`instance_changed_event.condition`).
public enum InstanceCondition: String, Sendable, Hashable, CaseIterable {
    /// Waiting for an agent with room for it; not yet launched anywhere.
    case scheduled = "Scheduled"
    case staging = "Staging"
    case starting = "Starting"
    case running = "Running"
    case killing = "Killing"
    case killed = "Killed"
    case failed = "Failed"
    case finished = "Finished"
    case error = "Error"
    case unreachable = "Unreachable"
    case gone = "Gone"
    case dropped = "Dropped"
    case unknown = "Unknown"

    /// Marathon's `considerTerminal`: the instance no longer runs.
    public var isTerminal: Bool {
        switch self {
        case .killed, .failed, .finished, .error, .unreachable, .gone, .dropped, .unknown: return true
        case .scheduled, .staging, .starting, .running, .killing: return false
        }
    }

    /// The Mesos task state reported for this condition in `status_update_event`, if there is one.
    public var taskStatus: String? {
        switch self {
        case .scheduled: return nil
        case .staging: return "TASK_STAGING"
        case .starting: return "TASK_STARTING"
        case .running: return "TASK_RUNNING"
        case .killing: return "TASK_KILLING"
        case .killed: return "TASK_KILLED"
        case .failed, .error: return "TASK_FAILED"
        case .finished: return "TASK_FINISHED"
        case .unreachable: return "TASK_UNREACHABLE"
        case .gone: return "TASK_GONE"
        case .dropped: return "TASK_DROPPED"
        case .unknown: return "TASK_UNKNOWN"
        }
    }
}

/// What the scheduler wants an instance to be. Marathon relaunches a terminal instance whose goal is `running`.
public enum InstanceGoal: String, Sendable, Hashable {
    case running = "Running"
    /// Stopped but keeping its reservation (resident instances).
    case stopped = "Stopped"
    /// Stopped for good.
    case decommissioned = "Decommissioned"

    public var isTerminal: Bool { self != .running }
}

/// What a deployment needs to know of one instance at a moment: enough to replay Marathon's decisions.
public struct InstanceSnapshot: Sendable, Hashable {
    public var id: InstanceId
    /// The version of the run spec the instance was launched with.
    public var version: String
    public var condition: InstanceCondition
    public var goal: InstanceGoal
    /// Marathon's `consideredHealthy`: true when the instance's own version has no health or readiness checks
    /// and it runs, or when its checks say healthy.
    public var consideredHealthy: Bool
    /// When the instance was launched (seconds on the scheduler's clock): scaling down kills by it.
    public var stagedAt: Double

    public init(id: InstanceId, version: String, condition: InstanceCondition, goal: InstanceGoal = .running,
                consideredHealthy: Bool, stagedAt: Double = 0) {
        self.id = id
        self.version = version
        self.condition = condition
        self.goal = goal
        self.consideredHealthy = consideredHealthy
        self.stagedAt = stagedAt
    }
}
