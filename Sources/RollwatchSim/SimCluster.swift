import CPrefetch
import RollwatchCore

/// The `sim` driver: a deterministic simulated cluster. Agents offer cpus, mem, disk and ports; placement honours
/// resources and every constraint operator; instances start after their start-up time, pass or fail their
/// health checks and crash as their version's `SimBehaviour` says; kills take a moment. Everything it does is a
/// report or a timer on the scheduler's clock, and all randomness comes from one seeded generator.
public final class SimCluster: InstanceDriver {
    /// Seconds from launch decision to `TASK_STARTING` at most, and from a kill to `TASK_KILLED`.
    public static let stagingSeconds = 0.5
    public static let killSeconds = 1.0

    /// An agent and what is in use on it.
    private struct AgentState {
        let agent: SimAgent
        /// The sentences reports about this agent use, made once rather than on every report.
        let startingMessage: String
        let runningMessage: String
        let killedMessage: String
        let crashMessage: String
        var cpus = 0.0, mem = 0.0, disk = 0.0
        var ports = 0
        /// Alive instances per run spec, for constraints.
        var instances: [PathId: Int] = [:]
        /// Resources held for stopped resident instances, per run spec.
        var reservations: [PathId: [Resources]] = [:]

        func fits(_ resources: Resources, ports needed: Int) -> Bool {
            cpus + resources.cpus <= agent.cpus + 1e-9 && mem + resources.mem <= agent.mem + 1e-9
                && disk + resources.disk <= agent.disk + 1e-9 && ports + needed <= agent.ports
        }
    }

    /// Where an instance is in its life on the simulated cluster.
    private enum Phase {
        case waiting, staging, running, killing, gone
    }

    /// What the simulator needs of one version of a run spec, worked out once per version and shared by its
    /// instances (a reference, so that moving instance records around does not copy definitions).
    private final class Profile {
        let specId: PathId
        let resources: Resources
        let ports: Int
        let constraints: [Constraint]
        let isResident: Bool
        let behaviour: SimBehaviour
        let healthKinds: [String]

        init(_ spec: RunSpec) {
            specId = spec.id
            resources = spec.resourcesPerInstance
            ports = spec.hostPortCount
            constraints = spec.constraints
            isResident = spec.isResident
            behaviour = SimBehaviour(spec)
            healthKinds = spec.healthCheckKinds
        }
    }

    /// One launch of an instance on the simulated cluster, kept by value at its place in `launches`. A timer's
    /// token names the place, and a place is not given to another launch while a timer of its launch waits: a
    /// launch that is over (forgotten, or replaced by a relaunch) is `gone` until then, so its timers do nothing.
    /// The fields every timer reads come first, in the first 64 bytes, which the prefetch before a wake always
    /// brings in whole (`prefetch(token:)`; the launch itself, 104 bytes, may span three cache lines): with 100,000
    /// instances a launch is seldom in the cache when its timer is due.
    private struct Launch {
        var phase: Phase = .waiting
        let passesChecks: Bool
        /// Whether the kill under way keeps a resident instance's reservation.
        var killKeepsReservation = false
        /// `agent`, kept in 4 bytes.
        private var agentIndex: Int32 = -1
        /// Its timers not yet due; its place is free again once it is over and this is 0.
        var pendingWakes: Int32 = 0
        var standing: Standing = .current
        let incarnation: Int
        /// The scheduler's slot for it, handed back with every report.
        let slot: Int
        let id: InstanceId
        let profile: Profile
        /// When its health checks started (nil before), their timings, and the number of each check's next probe
        /// (the first check's apart, so that an instance with one check needs no array of its own).
        var probesSince: Double?
        var probeChecks: [HealthCheckTiming] = []
        var firstCheckNextProbe: Int32 = 0
        var otherChecksNextProbe: [Int32] = []

        init(id: InstanceId, incarnation: Int, slot: Int, profile: Profile, passesChecks: Bool) {
            self.id = id
            self.incarnation = incarnation
            self.slot = slot
            self.profile = profile
            self.passesChecks = passesChecks
        }

        /// The index of the agent it occupies, if any.
        var agent: Int? {
            get { agentIndex < 0 ? nil : Int(agentIndex) }
            set { agentIndex = newValue.map { Int32(clamping: $0) } ?? -1 }
        }

        /// The number of the next probe of health check `check`.
        func nextProbe(of check: Int) -> Int {
            check == 0 ? Int(firstCheckNextProbe) : Int(otherChecksNextProbe[check - 1])
        }

        mutating func setNextProbe(of check: Int, to probe: Int) {
            if check == 0 {
                firstCheckNextProbe = Int32(clamping: probe)
            } else {
                otherChecksNextProbe[check - 1] = Int32(clamping: probe)
            }
        }
    }

    /// Whether a launch is its instance's current one; over (no longer current; its timers may still come, and
    /// find it `gone`); or over with its place free for another launch.
    private enum Standing {
        case current, over, free
    }

    /// What one of the simulator's timers does when it is due. The timer's token is the kind in its low 3 bits,
    /// the health check (for a probe) in the next 20 and the launch's place above them: the token says all, so a
    /// due timer costs no lookup in a table of timers.
    private enum Wake: Int {
        case starting, running, crash, probe, readiness, killed

        static var kindBits: Int { 3 }
        static var checkBits: Int { 20 }
        static var placeShift: Int { kindBits + checkBits }

        func token(place: Int, check: Int = 0) -> Int {
            precondition(check >= 0 && check < 1 << Self.checkBits, "health check \(check) of one instance is past the simulator's \(1 << Self.checkBits)")
            return place << Self.placeShift | check << Self.kindBits | rawValue
        }

        /// The kind, place and health check a token names; nil for a token the simulator did not make.
        static func decode(_ token: Int) -> (wake: Wake, place: Int, check: Int)? {
            guard token >= 0, let wake = Wake(rawValue: token & (1 << kindBits - 1)) else { return nil }
            return (wake, token >> placeShift, token >> kindBits & (1 << checkBits - 1))
        }
    }

    private weak var sink: (any DriverSink)?
    private var agents: [AgentState]
    /// Every launch the simulator still knows, by place; places of launches that are over are reused, last freed
    /// first (its line is likeliest to be in the cache).
    private var launches: [Launch] = []
    private var freePlaces: [Int] = []
    /// The place of each instance's current launch by the scheduler's slot for it (the launch request's), -1 for
    /// none, so that a call about an instance finds it without a lookup by id; launches requested without a slot
    /// are found by id.
    private var placeBySlot: [Int32] = []
    private var unslotted: [InstanceId: Int] = [:]
    /// The places of launches waiting for an agent with room, oldest first.
    private var waiting: [Int] = []
    /// The agent holding each resident instance's reservation while it is not running, so it comes back there.
    private var reservedAgents: [InstanceId: Int] = [:]
    private var cursor = 0
    private var random: SeededGenerator
    /// Profiles by the version they describe; the version is held too, so that its identity is never reused.
    private var profiles: [ObjectIdentifier: (definition: SpecVersion, profile: Profile)] = [:]
    private var regexCache: [String: Regex<AnyRegexOutput>?] = [:]

    public init(agents: [SimAgent], seed: UInt64) {
        self.agents = agents.map { agent in
            AgentState(agent: agent, startingMessage: "starting on \(agent.hostname)", runningMessage: "running on \(agent.hostname)",
                       killedMessage: "killed on \(agent.hostname)",
                       crashMessage: "exited with code 1 on \(agent.hostname) (\(SimBehaviour.crashLabel))")
        }
        self.random = SeededGenerator(seed: seed)
    }

    // MARK: InstanceDriver

    public func attach(_ sink: any DriverSink) {
        self.sink = sink
    }

    public func launch(_ request: LaunchRequest, now: Double) {
        let profile = profile(of: request)
        let place = remember(Launch(id: request.instanceId, incarnation: request.incarnation, slot: request.slot, profile: profile,
                                    passesChecks: decideHealth(profile)))
        if !tryPlace(place, now: now) {
            waiting.append(place)
        }
    }

    public func adopt(_ request: LaunchRequest, condition: InstanceCondition, healthy: Bool?, now: Double) -> (agent: String, host: String)? {
        let profile = profile(of: request)
        let passesChecks = healthy ?? decideHealth(profile)
        guard let index = chooseAgent(for: profile).agent else { return nil }
        let place = remember(Launch(id: request.instanceId, incarnation: request.incarnation, slot: request.slot, profile: profile,
                                    passesChecks: passesChecks))
        occupy(index, with: place)
        launches[place].phase = condition == .running ? .running : .staging
        if condition == .running {
            scheduleCrash(place, runningAt: now)
        } else {
            schedule(.running, place: place, at: now + startup(of: profile))
        }
        let agent = agents[index].agent
        return (agent.hostname, agent.hostname)
    }

    public func kill(_ instance: InstanceId, slot: Int, keepReservation: Bool, now: Double) {
        guard let place = current(instance, slot: slot) else { return }
        switch launches[place].phase {
        case .waiting, .gone:
            let profile = launches[place].profile
            forget(place)
            if !keepReservation { dropReservation(of: instance, spec: profile) }
        case .staging, .running:
            launches[place].phase = .killing
            launches[place].killKeepsReservation = keepReservation
            schedule(.killed, place: place, at: now + Self.killSeconds)
        case .killing:
            break
        }
    }

    public func wake(token: Int, now: Double) {
        guard let (wake, place, check) = Wake.decode(token), launches.indices.contains(place),
              launches[place].pendingWakes > 0 else { return }
        launches[place].pendingWakes -= 1
        defer { freeIfOver(place) }
        let phase = launches[place].phase
        switch wake {
        case .starting:
            guard phase == .staging else { return }
            report(.condition(.starting, message: message(place, .starting)), place, at: now)
        case .running:
            guard phase == .staging else { return }
            launches[place].phase = .running
            report(.condition(.running, message: message(place, .running)), place, at: now)
            scheduleCrash(place, runningAt: now)
        case .crash:
            guard phase == .running else { return }
            let crashed = message(place, .crash)
            release(place, keepReservation: true)
            launches[place].phase = .gone
            report(.condition(.failed, message: crashed), place, at: now)
            placeWaiting(now: now)
        case .probe:
            guard phase == .running, check < launches[place].probeChecks.count else { return }
            if launches[place].passesChecks {
                report(.probe(check: check, result: .healthy), place, at: now)
            } else {
                report(.probe(check: check, result: .unhealthy(cause: failureCause(launches[place].profile, check: check))), place, at: now)
                scheduleProbe(place, check: check, probe: launches[place].nextProbe(of: check) + 1)
            }
        case .readiness:
            guard phase == .running, launches[place].passesChecks else { return }
            report(.readiness(ready: true), place, at: now)
        case .killed:
            guard phase == .killing else { return }
            let killed = message(place, .killed)
            release(place, keepReservation: launches[place].killKeepsReservation)
            forget(place)
            report(.condition(.killed, message: killed), place, at: now)
            placeWaiting(now: now)
        }
    }

    public func prefetch(token: Int) {
        guard let (_, place, _) = Wake.decode(token), place < launches.count else { return }
        launches.withUnsafeBufferPointer { launches in
            if let address = launches.baseAddress { rollwatch_prefetch(address + place) }
        }
    }

    public func slot(ofUpcoming token: Int) -> Int? {
        guard let (_, place, _) = Wake.decode(token), place < launches.count, launches[place].slot >= 0 else { return nil }
        return launches[place].slot
    }

    public func startHealthChecks(_ instance: InstanceId, slot: Int, tracker: HealthTracker, now: Double) {
        guard let place = current(instance, slot: slot) else { return }
        launches[place].probesSince = tracker.runningSince
        launches[place].probeChecks = tracker.checks
        launches[place].otherChecksNextProbe = Array(repeating: 0, count: max(0, tracker.checks.count - 1))
        // An instance whose checks already pass and will keep passing has nothing left to report.
        let passesChecks = launches[place].passesChecks
        if passesChecks && tracker.healthy == true { return }
        for check in tracker.checks.indices {
            // Failures before the grace period ends would be ignored, and answers after the first success change
            // nothing while the instance stays healthy: only the probes that matter are simulated.
            let earliest = passesChecks ? now : max(now, tracker.runningSince + tracker.checks[check].gracePeriodSeconds)
            var probe = 0
            let first = tracker.probeTime(check: check, probe: 0)
            if earliest > first {
                probe = Int(((earliest - first) / tracker.checks[check].probeInterval).rounded(.up))
            }
            scheduleProbe(place, check: check, probe: probe)
        }
    }

    public func startReadinessChecks(_ instance: InstanceId, slot: Int, check: ReadinessCheck, now: Double) {
        guard let place = current(instance, slot: slot), launches[place].passesChecks else { return }
        schedule(.readiness, place: place, at: now)
    }

    // MARK: Placement

    /// Places a waiting instance if some agent can take it, reporting where; otherwise reports why not.
    private func tryPlace(_ place: Int, now: Double) -> Bool {
        let profile = launches[place].profile
        let choice = chooseAgent(for: profile, instance: launches[place].id)
        guard let index = choice.agent else {
            report(.unplaceable(reason: choice.reason), place, at: now)
            return false
        }
        occupy(index, with: place)
        launches[place].phase = .staging
        let startup = startup(of: profile)
        report(.placed(agent: agents[index].agent.hostname, host: agents[index].agent.hostname), place, at: now)
        schedule(.starting, place: place, at: now + min(Self.stagingSeconds, startup / 2))
        schedule(.running, place: place, at: now + startup)
        return true
    }

    private func placeWaiting(now: Double) {
        guard !waiting.isEmpty else { return }
        let candidates = waiting
        waiting.removeAll(keepingCapacity: true)
        for place in candidates where launches[place].phase == .waiting {
            if !tryPlace(place, now: now) { waiting.append(place) }
        }
    }

    /// The agent for an instance: a reservation of its run spec first (resident instances come back there), then
    /// the first agent from a rotating cursor that has room and satisfies every constraint. Without one, why not.
    private func chooseAgent(for profile: Profile, instance: InstanceId? = nil) -> (agent: Int?, reason: String) {
        if profile.isResident {
            if let id = instance, let own = reservedAgents[id] { return (own, "") }
            if let index = agents.indices.first(where: { !(agents[$0].reservations[profile.specId] ?? []).isEmpty }) {
                return (index, "")
            }
        }
        guard !agents.isEmpty else { return (nil, "the cluster has no agents") }
        let resources = profile.resources
        let ports = profile.ports
        let constraints = profile.constraints
        var lacking = 0
        var broken: [String: Int] = [:]
        for offset in 0..<agents.count {
            let index = (cursor + offset) % agents.count
            guard agents[index].fits(resources, ports: ports) else {
                lacking += 1
                continue
            }
            if let failed = constraints.first(where: { !satisfies($0, agent: index, spec: profile.specId) }) {
                broken[failed.description, default: 0] += 1
                continue
            }
            cursor = (index + 1) % agents.count
            return (index, "")
        }
        var parts = broken.sorted { $0.key < $1.key }.map { "\($0.value) break \($0.key)" }
        if lacking > 0 {
            parts.append("\(lacking) lack room for \(Self.describe(resources))\(ports > 0 ? " and \(ports) port\(ports == 1 ? "" : "s")" : "")")
        }
        return (nil, "no agent can take it: of \(agents.count) agents, " + parts.joined(separator: ", "))
    }

    /// Whether placing one more instance of `spec` on `agent` keeps the constraint.
    private func satisfies(_ constraint: Constraint, agent index: Int, spec: PathId) -> Bool {
        let value = agents[index].agent.value(of: constraint.field)
        switch constraint.operator {
        case .unique:
            guard let value else { return false }
            return count(of: spec, where: constraint.field, is: value) == 0
        case .cluster:
            guard let value else { return false }
            if let wanted = constraint.value { return value == wanted }
            let occupied = agents.filter { ($0.instances[spec] ?? 0) > 0 }.compactMap { $0.agent.value(of: constraint.field) }
            return occupied.isEmpty || occupied.allSatisfy { $0 == value }
        case .groupBy:
            guard let value else { return false }
            var perValue: [String: Int] = [:]
            for state in agents { if let other = state.agent.value(of: constraint.field) { perValue[other, default: 0] += state.instances[spec] ?? 0 } }
            let fewest = perValue.values.min() ?? 0
            return (perValue[value] ?? 0) <= fewest
        case .maxPer:
            guard let value, let limit = constraint.value.flatMap({ Int($0) }) else { return false }
            return count(of: spec, where: constraint.field, is: value) < limit
        case .like:
            guard let value else { return false }
            return matches(value, constraint.value ?? "")
        case .unlike:
            guard let value else { return true }
            return !matches(value, constraint.value ?? "")
        case .is:
            guard let value else { return false }
            let wanted = constraint.value ?? ""
            if let left = Double(value), let right = Double(wanted) { return abs(left - right) < 0.001 }
            return value == wanted
        }
    }

    private func count(of spec: PathId, where field: String, is value: String) -> Int {
        agents.reduce(0) { total, state in total + (state.agent.value(of: field) == value ? state.instances[spec] ?? 0 : 0) }
    }

    private func matches(_ value: String, _ pattern: String) -> Bool {
        if regexCache[pattern] == nil { regexCache[pattern] = .some(try? Regex(pattern)) }
        guard let regex = regexCache[pattern] ?? nil else { return false }
        return (try? regex.wholeMatch(in: value)) != nil
    }

    private func occupy(_ index: Int, with place: Int) {
        let profile = launches[place].profile
        let resources = profile.resources
        if profile.isResident { reservedAgents[launches[place].id] = nil }
        if profile.isResident, var held = agents[index].reservations[profile.specId], !held.isEmpty {
            held.removeLast()
            agents[index].reservations[profile.specId] = held
        } else {
            agents[index].cpus += resources.cpus
            agents[index].mem += resources.mem
            agents[index].disk += resources.disk
        }
        agents[index].ports += profile.ports
        agents[index].instances[profile.specId, default: 0] += 1
        launches[place].agent = index
    }

    private func release(_ place: Int, keepReservation: Bool) {
        guard let index = launches[place].agent else { return }
        let profile = launches[place].profile
        if keepReservation && profile.isResident {
            agents[index].reservations[profile.specId, default: []].append(profile.resources)
            reservedAgents[launches[place].id] = index
        } else {
            agents[index].cpus -= profile.resources.cpus
            agents[index].mem -= profile.resources.mem
            agents[index].disk -= profile.resources.disk
        }
        agents[index].ports -= profile.ports
        agents[index].instances[profile.specId, default: 0] -= 1
        launches[place].agent = nil
    }

    /// Gives up the reservation a stopped resident instance held, when it is decommissioned for good.
    private func dropReservation(of id: InstanceId, spec profile: Profile) {
        guard let index = reservedAgents.removeValue(forKey: id), var held = agents[index].reservations[profile.specId],
              !held.isEmpty else { return }
        held.removeLast()
        agents[index].reservations[profile.specId] = held
        agents[index].cpus -= profile.resources.cpus
        agents[index].mem -= profile.resources.mem
        agents[index].disk -= profile.resources.disk
    }

    // MARK: Behaviour

    /// The profile of the request's run spec version, worked out on first use.
    private func profile(of request: LaunchRequest) -> Profile {
        let key = ObjectIdentifier(request.definition)
        if let known = profiles[key] { return known.profile }
        let profile = Profile(request.spec)
        profiles[key] = (request.definition, profile)
        return profile
    }

    /// Start-up time with ±20 % seeded jitter.
    private func startup(of profile: Profile) -> Double {
        profile.behaviour.startupSeconds * Double.random(in: 0.8...1.2, using: &random)
    }

    private func decideHealth(_ profile: Profile) -> Bool {
        switch profile.behaviour.health {
        case .always: return true
        case .never: return false
        case .probability(let probability): return Double.random(in: 0..<1, using: &random) < probability
        }
    }

    private func scheduleCrash(_ place: Int, runningAt now: Double) {
        if let after = launches[place].profile.behaviour.crashAfterSeconds {
            schedule(.crash, place: place, at: now + after)
        }
    }

    /// Schedules the `probe`-th probe of a health check of a launch whose checks have started.
    private func scheduleProbe(_ place: Int, check: Int, probe: Int) {
        guard let since = launches[place].probesSince, launches[place].probeChecks.indices.contains(check) else { return }
        launches[place].setNextProbe(of: check, to: probe)
        schedule(.probe, place: place, check: check, at: launches[place].probeChecks[check].probeTime(runningSince: since, probe: probe))
    }

    private func failureCause(_ profile: Profile, check: Int) -> String {
        let kinds = profile.healthKinds
        switch kinds.indices.contains(check) ? kinds[check] : "HTTP" {
        case "TCP", "MESOS_TCP": return "Connection refused"
        case "COMMAND": return "command exited with code 1"
        default: return "503 Service Unavailable"
        }
    }

    // MARK: Plumbing

    /// Keeps a new launch as the instance's current one, at a free place, and returns the place. An earlier
    /// launch in its slot is over: of the same instance, or of one the scheduler has forgotten and whose slot it
    /// gave to this one.
    private func remember(_ launch: Launch) -> Int {
        let place: Int
        if let free = freePlaces.popLast() {
            place = free
            launches[place] = launch
        } else {
            place = launches.count
            launches.append(launch)
        }
        let slot = launch.slot
        if slot < 0 {
            if let earlier = unslotted.updateValue(place, forKey: launch.id) { end(earlier) }
            return place
        }
        if slot >= placeBySlot.count { placeBySlot.append(contentsOf: repeatElement(-1, count: slot - placeBySlot.count + 1)) }
        let earlier = Int(placeBySlot[slot])
        placeBySlot[slot] = Int32(clamping: place)
        if earlier >= 0 { end(earlier) }
        return place
    }

    /// The place of an instance's current launch: the one in its slot if it is that instance's, else none.
    private func current(_ id: InstanceId, slot: Int) -> Int? {
        guard slot >= 0 else { return unslotted[id] }
        guard slot < placeBySlot.count else { return nil }
        let place = Int(placeBySlot[slot])
        guard place >= 0, launches[place].id == id else { return nil }
        return place
    }

    /// Forgets a launch for good: it is no longer its instance's current one, and its pending timers find it gone.
    private func forget(_ place: Int) {
        let slot = launches[place].slot
        if slot >= 0 {
            if slot < placeBySlot.count, Int(placeBySlot[slot]) == place { placeBySlot[slot] = -1 }
        } else if unslotted[launches[place].id] == place {
            unslotted[launches[place].id] = nil
        }
        end(place)
    }

    /// Marks a launch over: no longer waiting for an agent, nor holding one (a launch replaced while it runs gives
    /// its resources back, its reservation kept); its place is free once none of its timers waits.
    private func end(_ place: Int) {
        if launches[place].phase == .waiting { waiting.removeAll { $0 == place } }
        release(place, keepReservation: true)
        launches[place].phase = .gone
        launches[place].standing = .over
        freeIfOver(place)
    }

    /// Frees the place of a launch that is over and has no timer waiting.
    private func freeIfOver(_ place: Int) {
        guard launches[place].standing == .over, launches[place].pendingWakes == 0 else { return }
        launches[place].standing = .free
        launches[place].probeChecks = []
        launches[place].otherChecksNextProbe = []
        freePlaces.append(place)
    }

    /// The sentences of condition reports, one per agent, made when the cluster is.
    private enum Sentence {
        case starting, running, killed, crash
    }

    /// The sentence for a report about a launch, read straight from its agent's state (a key path would copy
    /// the whole agent state, dictionaries and all, on every report).
    private func message(_ place: Int, _ sentence: Sentence) -> String {
        guard let index = launches[place].agent else { return "no agent" }
        switch sentence {
        case .starting: return agents[index].startingMessage
        case .running: return agents[index].runningMessage
        case .killed: return agents[index].killedMessage
        case .crash: return agents[index].crashMessage
        }
    }

    private func report(_ report: DriverReport, _ place: Int, at time: Double) {
        sink?.report(report, instance: launches[place].id, incarnation: launches[place].incarnation, slot: launches[place].slot, at: time)
    }

    /// Asks the scheduler for a timer of a launch; it holds the launch's place until it is due.
    private func schedule(_ wake: Wake, place: Int, check: Int = 0, at time: Double) {
        guard let sink else { return }
        launches[place].pendingWakes += 1
        sink.wake(token: wake.token(place: place, check: check), at: time)
    }

    private static func describe(_ resources: Resources) -> String {
        func number(_ value: Double) -> String {
            value == value.rounded() ? String(Int(value)) : String(value)
        }
        return "\(number(resources.cpus)) cpus, \(number(resources.mem)) MiB"
    }
}
