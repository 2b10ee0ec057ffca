import RollwatchCore

/// Everything the dashboard draws, apart from what the person at the keyboard chose: the fleet folded from the
/// scheduler's events, plus what a session knows beside them (the app, the strategy, the driver and its speed, the
/// agents). Pure: events in through `apply`, the screens read it; a session builds one, tests build them by hand.
public struct DashboardModel: Sendable {
    /// Healthy old and new instances at a moment, for the strip of health over time.
    public struct HealthSample: Sendable, Hashable {
        public var time: Double
        public var old: Int
        public var new: Int

        public init(time: Double, old: Int, new: Int) {
            self.time = time
            self.old = old
            self.new = new
        }
    }

    /// One agent of the cluster, for the agent view.
    public struct Agent: Sendable, Hashable {
        public var hostname: String
        /// `rack=r1 zone=a`: its attributes, for constraints.
        public var attributes: String
        public var cpus: Double
        public var mem: Double

        public init(hostname: String, attributes: String, cpus: Double, mem: Double) {
            self.hostname = hostname
            self.attributes = attributes
            self.cpus = cpus
            self.mem = mem
        }
    }

    /// What the grid, the filter and the agent view need of one instance, kept up to date event by event so that
    /// a frame reads a flat array instead of copying the fleet's instances (a 10,000-instance frame must take
    /// under 2 ms).
    /// Its fields are numbers and short strings (kept inline), so copying one touches no reference count.
    public struct Entry: Sendable, Hashable {
        public var id: InstanceId
        /// The run spec, as an index into `DashboardModel.apps`.
        public var app: Int
        /// The version's short label (`v2`).
        public var label: String
        public var host: String
        public var state: InstanceDisplayState
        public var isTerminal: Bool
    }

    /// The run specs the entries point at, in the order they appeared.
    public private(set) var apps: [PathId] = []
    private var appIndexes: [PathId: Int] = [:]

    public private(set) var fleet: FleetSnapshot
    /// The instances as the grid shows them, in the fleet's order.
    public private(set) var entries: [Entry] = []
    private var entryIndex: [InstanceId: Int] = [:]
    /// Ended instances and when they ended, for forgetting them without scanning the fleet.
    private var ended: [InstanceId: Double] = [:]
    /// The app's or group's id, as the header shows it.
    public var app: String
    /// `rolling 0.85 / 0.15`.
    public var strategy: String
    /// `SIM`, `LOCAL`.
    public var driver: String
    /// Simulated seconds per second; nil for as fast as the machine goes.
    public var speed: Double?
    /// The driver's time is the wall clock (real processes): no speed to show or change.
    public var realTime = false
    /// The last lines of an instance's error output, read by the session for the instance whose detail is open.
    public var outputTail: [InstanceId: [String]] = [:]
    /// Seconds since the run began, on the driver's clock.
    public var clock: Double
    /// The last deployment was cancelled and rolled back (and the roll back has finished when `fleet.phase` says so).
    public var rolledBack = false
    /// Resources one instance of each run spec takes, for the agent view.
    public var resources: [PathId: Resources] = [:]
    public var agents: [Agent] = []
    /// The predicted length of the deployment under way, from the plan confirmed before it started (nil for one
    /// started otherwise, a roll back, or a plan predicted not to finish).
    public private(set) var predictedDuration: Double?
    /// The prediction of a deployment just asked for, which becomes `predictedDuration` when it starts.
    public var pendingPrediction: Double?
    /// The event log, oldest first, at most `logLimit` entries.
    public private(set) var log: [EventLog.Entry] = []
    /// Healthy old and new over time, at most `sampleLimit` samples (older ones thinned out).
    public private(set) var samples: [HealthSample] = []
    /// Short names of versions in the order they appeared: `v1`, `v2`, …
    public private(set) var versionLabels: [String: String] = [:]
    /// The version the deployment under way (or the last one) replaces, and the one it deploys.
    public private(set) var oldVersion: String?
    public private(set) var newVersion: String?
    /// When the deployment under way (or the last one) started, and when it ended.
    public private(set) var deploymentStart: Double?
    public private(set) var deploymentEnd: Double?

    /// How many log entries are kept.
    public static let logLimit = 500
    /// How many health samples are kept before every other one is dropped.
    public static let sampleLimit = 2_048

    /// A model of `fleet` as it is before any event: its versions get labels in the order of its instances.
    public init(fleet: FleetSnapshot, app: String, strategy: String, driver: String, speed: Double?, clock: Double = 0) {
        self.fleet = fleet
        self.app = app
        self.strategy = strategy
        self.driver = driver
        self.speed = speed
        self.clock = clock
        for instance in fleet.orderedInstances { label(instance.ref.version) }
        oldVersion = Self.mostCommonVersion(in: fleet)
        if fleet.plan != nil { deploymentStart = fleet.time }
        rebuildEntries()
    }

    /// The short label of a version (`v1`), or the version itself when it was never seen.
    public func label(of version: String) -> String {
        versionLabels[version] ?? version
    }

    /// Folds in a batch of events and moves the clock to `time`.
    public mutating func apply(_ events: [RolloutEvent], time: Double) {
        for event in events { apply(event) }
        clock = max(clock, time)
    }

    /// Folds in one event: the fleet, the log, the versions, the samples.
    public mutating func apply(_ event: RolloutEvent) {
        let planBefore = fleet.planId
        switch event.kind {
        case .statusUpdate(let ref, _, _), .instanceUnplaceable(let ref, _), .instanceHealthChanged(let ref, _),
             .failedHealthCheck(let ref, _), .unhealthyInstanceKill(let ref, _):
            label(ref.version)
            // The first launch of a deployment names the version it deploys; the version it replaces is then the
            // most common other one (a roll back launches the old version and replaces the new).
            if case .statusUpdate(_, "TASK_STAGING", _) = event.kind, fleet.phase == .running || fleet.phase == .paused,
               newVersion == nil, restarts(ref.appId) {
                newVersion = ref.version
                if oldVersion == ref.version { oldVersion = Self.mostCommonVersion(in: fleet, other: ref.version) ?? oldVersion }
            } else if case .statusUpdate(_, "TASK_STAGING", _) = event.kind, oldVersion == nil, newVersion == nil {
                // A fleet started from nothing (the local driver): the version it starts is the one that runs.
                oldVersion = ref.version
            }
        default:
            break
        }
        fleet.apply(event)
        switch event.kind {
        case .statusUpdate(let ref, _, _), .instanceUnplaceable(let ref, _), .instanceHealthChanged(let ref, _),
             .failedHealthCheck(let ref, _), .unhealthyInstanceKill(let ref, _):
            updateEntry(ref.instanceId)
        default:
            break
        }
        switch event.kind {
        case .deploymentInfo(let planId, _, _) where planId != planBefore:
            oldVersion = Self.mostCommonVersion(in: fleet)
            newVersion = nil
            deploymentStart = event.time
            deploymentEnd = nil
            predictedDuration = pendingPrediction
            pendingPrediction = nil
        case .deploymentSuccess, .deploymentFailed:
            deploymentEnd = event.time
        case .rolloutProgress:
            sample(at: event.time)
        default:
            break
        }
        if let entry = EventLog.entry(for: event, label: { label(of: $0) }) {
            log.append(entry)
            if log.count > Self.logLimit { log.removeFirst(log.count - Self.logLimit) }
        }
        clock = max(clock, event.time)
    }

    /// Forgets instances that ended more than `age` seconds before the clock (the grid shows what runs and what
    /// just stopped).
    public mutating func forgetTerminal(olderThan age: Double) {
        guard let oldest = ended.values.min(), clock - oldest > age else { return }
        fleet.forgetTerminal(olderThan: age, now: clock)
        rebuildEntries()
    }

    /// The entry of an instance, after its event was folded in: appended when new, replaced otherwise.
    private mutating func updateEntry(_ id: InstanceId) {
        guard let instance = fleet.instances[id] else { return }
        let entry = makeEntry(instance)
        if let index = entryIndex[id] {
            entries[index] = entry
        } else {
            entryIndex[id] = entries.count
            entries.append(entry)
        }
        if entry.isTerminal { ended[id] = instance.since } else { ended[id] = nil }
    }

    private mutating func rebuildEntries() {
        entries = []
        for instance in fleet.orderedInstances { entries.append(makeEntry(instance)) }
        entryIndex = Dictionary(entries.enumerated().map { ($0.element.id, $0.offset) }, uniquingKeysWith: { _, last in last })
        ended = [:]
        for instance in fleet.orderedInstances where instance.isTerminal { ended[instance.ref.instanceId] = instance.since }
    }

    private mutating func makeEntry(_ instance: FleetSnapshot.Instance) -> Entry {
        let app: Int
        if let known = appIndexes[instance.ref.appId] {
            app = known
        } else {
            app = apps.count
            appIndexes[instance.ref.appId] = app
            apps.append(instance.ref.appId)
        }
        return Entry(id: instance.ref.instanceId, app: app, label: label(of: instance.ref.version), host: instance.ref.host,
                     state: InstanceDisplayState(instance), isTerminal: instance.isTerminal)
    }

    /// The counts of every run spec under deployment, added up.
    public var totals: RolloutProgress? {
        let all = fleet.progress.values.sorted { $0.appId < $1.appId }
        guard let first = all.first else { return nil }
        return all.dropFirst().reduce(into: first) { sum, next in
            sum.target += next.target
            sum.minHealthy += next.minHealthy
            sum.maxCapacity += next.maxCapacity
            sum.old.alive += next.old.alive
            sum.old.healthy += next.old.healthy
            sum.new.alive += next.new.alive
            sum.new.healthy += next.new.healthy
        }
    }

    /// Seconds the deployment has run (or ran), on the driver's clock.
    public var elapsed: Double? {
        deploymentStart.map { (deploymentEnd ?? clock) - $0 }
    }

    /// Seconds left: from the pace so far once a new instance is healthy, else from the prediction.
    public var remaining: Double? {
        guard fleet.phase == .running || fleet.phase == .paused, let elapsed, let totals else { return nil }
        let done = totals.new.healthy, target = totals.target
        if done >= target { return 0 }
        if done > 0 { return elapsed / Double(done) * Double(target - done) }
        // Past the prediction with nothing new healthy: no estimate is honest (the screen says `ETA -`).
        guard let predicted = predictedDuration, predicted > elapsed else { return nil }
        return predicted - elapsed
    }

    /// True when the deployment under way restarts `app` (so its launches are of the version deployed; a scale's
    /// or a relaunch's are not).
    private func restarts(_ app: PathId) -> Bool {
        fleet.plan?.steps.contains { step in
            step.actions.contains { if case .restart(let spec) = $0 { spec.id == app } else { false } }
        } ?? false
    }

    @discardableResult
    private mutating func label(_ version: String) -> String {
        if let known = versionLabels[version] { return known }
        let name = "v\(versionLabels.count + 1)"
        versionLabels[version] = name
        return name
    }

    /// Records the healthy counts at `time` (one sample per moment); past `sampleLimit`, every other sample is
    /// dropped, so the strip keeps the whole deployment at a coarser grain.
    private mutating func sample(at time: Double) {
        guard let totals else { return }
        let next = HealthSample(time: time, old: totals.old.healthy, new: totals.new.healthy)
        if let last = samples.last, last.time == time {
            samples[samples.count - 1] = next
        } else {
            samples.append(next)
        }
        if samples.count > Self.sampleLimit {
            samples = samples.enumerated().filter { $0.offset % 2 == 0 || $0.offset == samples.count - 1 }.map(\.element)
        }
    }

    /// The version most alive instances run (leaving `other` aside), ties to the one seen first.
    private static func mostCommonVersion(in fleet: FleetSnapshot, other: String? = nil) -> String? {
        var counts: [String: Int] = [:]
        var order: [String] = []
        for instance in fleet.orderedInstances where !instance.isTerminal && instance.ref.version != other {
            if counts[instance.ref.version] == nil { order.append(instance.ref.version) }
            counts[instance.ref.version, default: 0] += 1
        }
        return order.max { (counts[$0] ?? 0) < (counts[$1] ?? 0) }
    }
}
