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

    /// One launch of an instance on the simulated cluster. A reference, held by its timers too: a timer finds its
    /// launch without a lookup by id, and a launch that is over (forgotten, or replaced by a relaunch) is `gone`,
    /// so its timers do nothing. The fields a timer reads come first, next to the object's header: with 100,000
    /// instances the object is seldom in the cache when its timer is due, and one line is cheaper than two.
    private final class SimInstance {
        var phase: Phase = .waiting
        let passesChecks: Bool
        /// `agent`, kept in 4 bytes so that it shares the first line with the fields before and after it.
        private var agentIndex: Int32 = -1
        let incarnation: Int
        /// The scheduler's slot for it, handed back with every report.
        let slot: Int
        let id: InstanceId
        let profile: Profile
        /// When its health checks started and their timings: the probe schedule.
        var probes: (since: Double, checks: [HealthCheckTiming])?

        /// The index of the agent it occupies, if any.
        var agent: Int? {
            get { agentIndex < 0 ? nil : Int(agentIndex) }
            set { agentIndex = newValue.map { Int32(clamping: $0) } ?? -1 }
        }

        init(id: InstanceId, incarnation: Int, slot: Int, profile: Profile, passesChecks: Bool) {
            self.id = id
            self.incarnation = incarnation
            self.slot = slot
            self.profile = profile
            self.passesChecks = passesChecks
        }
    }

    /// What one of the simulator's timers does when it is due, and to which launch.
    private enum Wake {
        case starting(SimInstance)
        case running(SimInstance)
        case crash(SimInstance)
        /// Check and probe numbers in 4 bytes each (2^31 probes are 68 years at one a second), which keeps a
        /// wake in 16 bytes rather than 24: the slots of pending wakes take two thirds of the cache.
        case probe(SimInstance, check: Int32, probe: Int32)
        case readiness(SimInstance)
        case killed(SimInstance, keepReservation: Bool)
    }

    private weak var sink: (any DriverSink)?
    private var agents: [AgentState]
    /// The current launch of each instance by the scheduler's slot for it (the launch request's), so that a call
    /// about an instance finds it without a lookup by id; launches requested without a slot are kept by id.
    private var bySlot: [SimInstance?] = []
    private var unslotted: [InstanceId: SimInstance] = [:]
    /// Launches waiting for an agent with room, oldest first.
    private var waiting: [SimInstance] = []
    /// The agent holding each resident instance's reservation while it is not running, so it comes back there.
    private var reservedAgents: [InstanceId: Int] = [:]
    /// Pending timers, indexed by token; a slot is free again once its timer fired.
    private var wakes: [Wake?] = []
    private var freeTokens: [Int] = []
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
        let instance = SimInstance(id: request.instanceId, incarnation: request.incarnation, slot: request.slot, profile: profile,
                                   passesChecks: decideHealth(profile))
        remember(instance)
        if !tryPlace(instance, now: now) {
            waiting.append(instance)
        }
    }

    public func adopt(_ request: LaunchRequest, condition: InstanceCondition, healthy: Bool?, now: Double) -> (agent: String, host: String)? {
        let profile = profile(of: request)
        let instance = SimInstance(id: request.instanceId, incarnation: request.incarnation, slot: request.slot, profile: profile,
                                   passesChecks: healthy ?? decideHealth(profile))
        guard let index = chooseAgent(for: profile).agent else { return nil }
        remember(instance)
        occupy(index, with: instance)
        instance.phase = condition == .running ? .running : .staging
        if condition == .running {
            scheduleCrash(instance, runningAt: now)
        } else {
            schedule(.running(instance), at: now + startup(of: profile))
        }
        let agent = agents[index].agent
        return (agent.hostname, agent.hostname)
    }

    public func kill(_ instance: InstanceId, slot: Int, keepReservation: Bool, now: Double) {
        guard let simInstance = current(instance, slot: slot) else { return }
        switch simInstance.phase {
        case .waiting, .gone:
            if simInstance.phase == .waiting { waiting.removeAll { $0 === simInstance } }
            forget(simInstance)
            if !keepReservation { dropReservation(of: instance, spec: simInstance.profile) }
        case .staging, .running:
            simInstance.phase = .killing
            schedule(.killed(simInstance, keepReservation: keepReservation), at: now + Self.killSeconds)
        case .killing:
            break
        }
    }

    public func wake(token: Int, now: Double) {
        guard wakes.indices.contains(token), let wake = wakes[token].take() else { return }
        freeTokens.append(token)
        switch wake {
        case .starting(let instance):
            guard instance.phase == .staging else { return }
            report(.condition(.starting, message: message(instance, .starting)), instance, at: now)
        case .running(let instance):
            guard instance.phase == .staging else { return }
            instance.phase = .running
            report(.condition(.running, message: message(instance, .running)), instance, at: now)
            scheduleCrash(instance, runningAt: now)
        case .crash(let instance):
            guard instance.phase == .running else { return }
            let crashed = message(instance, .crash)
            release(instance, keepReservation: true)
            instance.phase = .gone
            report(.condition(.failed, message: crashed), instance, at: now)
            placeWaiting(now: now)
        case .probe(let instance, let checkNumber, let probeNumber):
            let check = Int(checkNumber), probe = Int(probeNumber)
            guard instance.phase == .running else { return }
            if instance.passesChecks {
                report(.probe(check: check, result: .healthy), instance, at: now)
            } else {
                report(.probe(check: check, result: .unhealthy(cause: failureCause(instance.profile, check: check))), instance, at: now)
                scheduleProbe(instance, check: check, probe: probe + 1)
            }
        case .readiness(let instance):
            guard instance.phase == .running, instance.passesChecks else { return }
            report(.readiness(ready: true), instance, at: now)
        case .killed(let instance, let keepReservation):
            guard instance.phase == .killing else { return }
            let killed = message(instance, .killed)
            release(instance, keepReservation: keepReservation)
            forget(instance)
            report(.condition(.killed, message: killed), instance, at: now)
            placeWaiting(now: now)
        }
    }

    public func startHealthChecks(_ instance: InstanceId, slot: Int, tracker: HealthTracker, now: Double) {
        guard let simInstance = current(instance, slot: slot) else { return }
        simInstance.probes = (tracker.runningSince, tracker.checks)
        // An instance whose checks already pass and will keep passing has nothing left to report.
        if simInstance.passesChecks && tracker.healthy == true { return }
        for check in tracker.checks.indices {
            // Failures before the grace period ends would be ignored, and answers after the first success change
            // nothing while the instance stays healthy: only the probes that matter are simulated.
            let earliest = simInstance.passesChecks ? now : max(now, tracker.runningSince + tracker.checks[check].gracePeriodSeconds)
            var probe = 0
            let first = tracker.probeTime(check: check, probe: 0)
            if earliest > first {
                probe = Int(((earliest - first) / tracker.checks[check].probeInterval).rounded(.up))
            }
            scheduleProbe(simInstance, check: check, probe: probe)
        }
    }

    public func startReadinessChecks(_ instance: InstanceId, slot: Int, check: ReadinessCheck, now: Double) {
        guard let simInstance = current(instance, slot: slot), simInstance.passesChecks else { return }
        schedule(.readiness(simInstance), at: now)
    }

    // MARK: Placement

    /// Places a waiting instance if some agent can take it, reporting where; otherwise reports why not.
    private func tryPlace(_ instance: SimInstance, now: Double) -> Bool {
        let choice = chooseAgent(for: instance.profile, instance: instance.id)
        guard let index = choice.agent else {
            report(.unplaceable(reason: choice.reason), instance, at: now)
            return false
        }
        occupy(index, with: instance)
        instance.phase = .staging
        let startup = startup(of: instance.profile)
        report(.placed(agent: agents[index].agent.hostname, host: agents[index].agent.hostname), instance, at: now)
        schedule(.starting(instance), at: now + min(Self.stagingSeconds, startup / 2))
        schedule(.running(instance), at: now + startup)
        return true
    }

    private func placeWaiting(now: Double) {
        guard !waiting.isEmpty else { return }
        let candidates = waiting
        waiting.removeAll(keepingCapacity: true)
        for instance in candidates where instance.phase == .waiting {
            if !tryPlace(instance, now: now) { waiting.append(instance) }
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

    private func occupy(_ index: Int, with instance: SimInstance) {
        let profile = instance.profile
        let resources = profile.resources
        if profile.isResident { reservedAgents[instance.id] = nil }
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
        instance.agent = index
    }

    private func release(_ instance: SimInstance, keepReservation: Bool) {
        guard let index = instance.agent else { return }
        let profile = instance.profile
        if keepReservation && profile.isResident {
            agents[index].reservations[profile.specId, default: []].append(profile.resources)
            reservedAgents[instance.id] = index
        } else {
            agents[index].cpus -= profile.resources.cpus
            agents[index].mem -= profile.resources.mem
            agents[index].disk -= profile.resources.disk
        }
        agents[index].ports -= profile.ports
        agents[index].instances[profile.specId, default: 0] -= 1
        instance.agent = nil
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

    private func scheduleCrash(_ instance: SimInstance, runningAt now: Double) {
        if let after = instance.profile.behaviour.crashAfterSeconds {
            schedule(.crash(instance), at: now + after)
        }
    }

    private func scheduleProbe(_ instance: SimInstance, check: Int, probe: Int) {
        guard let probes = instance.probes, probes.checks.indices.contains(check) else { return }
        schedule(.probe(instance, check: Int32(clamping: check), probe: Int32(clamping: probe)),
                 at: probes.checks[check].probeTime(runningSince: probes.since, probe: probe))
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

    /// Keeps a new launch as the instance's current one. An earlier launch in its place is over: of the same
    /// instance, or of one the scheduler has forgotten and whose slot it gave to this one.
    private func remember(_ instance: SimInstance) {
        let slot = instance.slot
        guard slot >= 0 else {
            if let earlier = unslotted.updateValue(instance, forKey: instance.id) { earlier.phase = .gone }
            return
        }
        if slot >= bySlot.count { bySlot.append(contentsOf: repeatElement(nil, count: slot - bySlot.count + 1)) }
        if let earlier = bySlot[slot] { earlier.phase = .gone }
        bySlot[slot] = instance
    }

    /// The current launch of an instance: the one in its slot if it is that instance's, else none.
    private func current(_ id: InstanceId, slot: Int) -> SimInstance? {
        guard slot >= 0 else { return unslotted[id] }
        guard slot < bySlot.count, let instance = bySlot[slot], instance.id == id else { return nil }
        return instance
    }

    /// Forgets a launch for good: its pending timers find it gone.
    private func forget(_ instance: SimInstance) {
        instance.phase = .gone
        if instance.slot >= 0 {
            if bySlot.indices.contains(instance.slot), bySlot[instance.slot] === instance { bySlot[instance.slot] = nil }
        } else if unslotted[instance.id] === instance {
            unslotted[instance.id] = nil
        }
    }

    /// The sentences of condition reports, one per agent, made when the cluster is.
    private enum Sentence {
        case starting, running, killed, crash
    }

    /// The sentence for a report about an instance, read straight from its agent's state (a key path would copy
    /// the whole agent state, dictionaries and all, on every report).
    private func message(_ instance: SimInstance, _ sentence: Sentence) -> String {
        guard let index = instance.agent else { return "no agent" }
        switch sentence {
        case .starting: return agents[index].startingMessage
        case .running: return agents[index].runningMessage
        case .killed: return agents[index].killedMessage
        case .crash: return agents[index].crashMessage
        }
    }

    private func report(_ report: DriverReport, _ instance: SimInstance, at time: Double) {
        sink?.report(report, instance: instance.id, incarnation: instance.incarnation, slot: instance.slot, at: time)
    }

    private func schedule(_ wake: Wake, at time: Double) {
        let token: Int
        if let free = freeTokens.popLast() {
            token = free
            wakes[token] = wake
        } else {
            token = wakes.count
            wakes.append(wake)
        }
        sink?.wake(token: token, at: time)
    }

    private static func describe(_ resources: Resources) -> String {
        func number(_ value: Double) -> String {
            value == value.rounded() ? String(Int(value)) : String(value)
        }
        return "\(number(resources.cpus)) cpus, \(number(resources.mem)) MiB"
    }
}
