/// One version of a run spec: the definition its instances are launched from, with what the scheduler and the
/// drivers keep asking of it worked out once. Shared by reference among the version's instances.
public final class SpecVersion: Sendable {
    public let spec: RunSpec
    /// The run spec's id (`spec.id`, kept at hand).
    public let specId: PathId
    public let version: String
    /// Whether this version's instances have health checks (`RunSpec.hasHealthChecks`).
    public let hasHealthChecks: Bool
    /// The timing of each health check (an app's checks, or each pod container's check).
    public let healthTimings: [HealthCheckTiming]

    public init(spec: RunSpec, version: String) {
        self.spec = spec
        self.specId = spec.id
        self.version = version
        self.hasHealthChecks = spec.hasHealthChecks
        switch spec {
        case .app(let app): healthTimings = app.healthChecks.map(HealthCheckTiming.init)
        case .pod(let pod): healthTimings = pod.containers.compactMap(\.healthCheck).map(HealthCheckTiming.init)
        }
    }
}

/// Everything a driver needs to start one instance.
public struct LaunchRequest: Sendable {
    public var instanceId: InstanceId
    /// Counts the launches of this instance id; reports about an earlier launch are stale and ignored.
    public var incarnation: Int
    /// The version launched.
    public let definition: SpecVersion
    /// The scheduler's number for the instance, which the driver hands back with every report: it spares the
    /// scheduler a lookup by id per report (-1: none; the report is then looked up by id).
    public var slot: Int

    public init(instanceId: InstanceId, incarnation: Int, definition: SpecVersion, slot: Int = -1) {
        self.instanceId = instanceId
        self.incarnation = incarnation
        self.definition = definition
        self.slot = slot
    }

    /// A request for a definition at a version, for callers that have no shared `SpecVersion`.
    public init(instanceId: InstanceId, incarnation: Int, spec: RunSpec, version: String) {
        self.init(instanceId: instanceId, incarnation: incarnation, definition: SpecVersion(spec: spec, version: version))
    }

    public var spec: RunSpec { definition.spec }
    public var version: String { definition.version }
}

/// What a driver reports about an instance (one launch of it: `incarnation`).
public enum DriverReport: Sendable, Hashable {
    /// Placed on an agent: the instance is staging there.
    case placed(agent: String, host: String)
    /// No agent can take it now; it waits.
    case unplaceable(reason: String)
    /// The task changed state (starting, running, failed, finished, killed), with a sentence saying why.
    case condition(InstanceCondition, message: String)
    /// One health check probe answered.
    case probe(check: Int, result: ProbeResult)
    /// The readiness check answered.
    case readiness(ready: Bool)
    /// A real process runs the instance: its pid, host ports and sandbox folder (the local driver).
    case process(InstanceProcess)
}

/// Where a driver sends its reports: now or at a later time on the scheduler's clock.
public protocol DriverSink: AnyObject {
    /// Delivers a report about one launch of an instance at `time` (not before the scheduler's now); `slot` is the
    /// launch request's.
    func report(_ report: DriverReport, instance: InstanceId, incarnation: Int, slot: Int, at time: Double)
    /// Asks for `InstanceDriver.wake(token:now:)` at `time`: a driver's own timer (the simulator's start-ups,
    /// probes and kill completions) on the scheduler's clock. The scheduler wakes the driver once for each call,
    /// when its clock reaches `time` (at once if that has passed); the simulator counts on it to know when a
    /// launch's last timer has come.
    func wake(token: Int, at time: Double)
}

/// Carries the scheduler's decisions out: on a simulated cluster, on real processes, or on a remote engine.
/// Calls come from the scheduler's single thread of control.
public protocol InstanceDriver: AnyObject {
    /// Connects the driver to the scheduler that will receive its reports.
    func attach(_ sink: DriverSink)
    /// Places and starts an instance; reports `.placed` / `.unplaceable`, then its conditions.
    func launch(_ request: LaunchRequest, now: Double)
    /// Takes over an instance that is already running when the scheduler starts (a steady fleet or a
    /// scenario); returns the agent and host it runs on, or nil when it does not fit anywhere.
    func adopt(_ request: LaunchRequest, condition: InstanceCondition, healthy: Bool?, now: Double) -> (agent: String, host: String)?
    /// Kills an instance; reports `.condition(.killed, …)` when it is gone. With `keepReservation` (a resident
    /// instance stopped for an upgrade) its agent keeps the resources for the next instance of the run spec.
    /// `slot` is its launch request's, as in the calls below: a driver may find the instance by it without a
    /// lookup by id, as long as the id matches.
    func kill(_ instance: InstanceId, slot: Int, keepReservation: Bool, now: Double)
    /// A timer asked for with `DriverSink.wake(token:at:)` is due.
    func wake(token: Int, now: Double)
    /// Starts probing a running instance with its health checks; reports `.probe` results at `tracker`'s times.
    func startHealthChecks(_ instance: InstanceId, slot: Int, tracker: HealthTracker, now: Double)
    /// Starts polling the readiness check of a running instance; reports `.readiness` results.
    func startReadinessChecks(_ instance: InstanceId, slot: Int, check: ReadinessCheck, now: Double)
    /// Reports what happened outside the scheduler's control since the last call (a real process ended, a real
    /// probe answered), as of `now`. A driver with such events asks its scheduler to call this; the simulator has none.
    func poll(now: Double)
    /// Stops every instance the driver runs (real processes); the simulator has nothing to stop.
    func shutdown()
    /// A hint that changes nothing the driver does: the wake with `token` comes two wakes from now, so the driver
    /// may start fetching what it will touch. It is for drivers whose wakes find their state outside the caches
    /// (the simulator's launches at 100,000 instances).
    func prefetch(token: Int)
    /// The scheduler's slot of the instance the wake with `token` (the next one) concerns, if the driver can tell
    /// without waiting for memory (it was asked to prefetch that wake's state the step before): a hint too, with
    /// which the scheduler starts fetching the instance's record.
    func slot(ofUpcoming token: Int) -> Int?
}

extension InstanceDriver {
    public func poll(now: Double) {}
    public func shutdown() {}
    public func prefetch(token: Int) {}
    public func slot(ofUpcoming token: Int) -> Int? { nil }
}
