/// A scenario file (`--scenario FILE`): the simulated cluster's agents and the fleet at the start.
///
/// ```json
/// {"seed": 7,
///  "agents": [{"hostname": "a1", "cpus": 8, "mem": 32768, "attributes": {"rack": "r1"}}],
///  "fleet": [{"version": "current", "count": 3, "state": "running", "healthy": true},
///            {"version": "target",  "count": 1, "state": "running", "healthy": false}]}
/// ```
public struct Scenario: Sendable, Hashable {
    /// One agent of the simulated cluster: what it offers and what it is known by.
    public struct Agent: Sendable, Hashable {
        public var hostname: String
        public var cpus: Double
        public var mem: Double
        public var disk: Double
        /// How many host ports it has to hand out (31000–32000 by default).
        public var ports: Int
        /// Mesos attributes, matched by constraints on their names.
        public var attributes: [String: String]
        /// The fault domain, matched by `@zone` and `@region` constraints.
        public var zone: String
        public var region: String

        public init(hostname: String, cpus: Double = 8, mem: Double = 32_768, disk: Double = 100_000, ports: Int = 1_001,
                    attributes: [String: String] = [:], zone: String = "zone-1", region: String = "region-1") {
            self.hostname = hostname
            self.cpus = cpus
            self.mem = mem
            self.disk = disk
            self.ports = ports
            self.attributes = attributes
            self.zone = zone
            self.region = region
        }
    }

    /// Instances that run when the scenario starts.
    public struct FleetEntry: Sendable, Hashable {
        /// Which definition they run: APP.json (`current`) or the `--to` file (`target`).
        public enum Version: String, Sendable, Hashable, CaseIterable {
            case current, target
        }

        public var version: Version
        public var count: Int
        /// `staging` or `running`.
        public var condition: InstanceCondition
        /// true, false, or nil (not known yet).
        public var healthy: Bool?

        public init(version: Version, count: Int, condition: InstanceCondition, healthy: Bool?) {
            self.version = version
            self.count = count
            self.condition = condition
            self.healthy = healthy
        }
    }

    public var seed: UInt64?
    /// Nil: agents are generated to fit.
    public var agents: [Agent]?
    /// Nil: the fleet starts steady, APP.json's instances running and healthy.
    public var fleet: [FleetEntry]?

    /// A scenario with generated agents and a steady fleet.
    public init(seed: UInt64? = nil, agents: [Agent]? = nil, fleet: [FleetEntry]? = nil) {
        self.seed = seed
        self.agents = agents
        self.fleet = fleet
    }

    static let fields = FieldSet(used: ["seed", "agents", "fleet"], objectName: "scenario")
    static let agentFields = FieldSet(used: ["hostname", "cpus", "mem", "disk", "ports", "attributes", "zone", "region"], objectName: "agent")
    static let fleetFields = FieldSet(used: ["version", "count", "state", "healthy"], objectName: "fleet entry")

    /// Reads a scenario file; errors and warnings come with their JSON paths, as for definitions.
    public static func load(_ bytes: [UInt8]) -> (scenario: Scenario?, syntaxError: JSONSyntaxError?, diagnostics: [Diagnostic]) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            return (nil, error, [])
        }
        let sink = DiagnosticSink()
        guard case .object(let object) = value else {
            sink.shapeError(.root, "expected a scenario object with 'agents' and 'fleet', got \(describe(value))")
            return (nil, nil, sink.diagnostics)
        }
        let reader = ObjectReader(object, at: .root, sink: sink, fields: fields)
        var scenario = Scenario()
        if let seed = reader.raw("seed") {
            if case .number(let number) = seed, let integer = number.integerValue, integer >= 0 {
                scenario.seed = UInt64(integer)
            } else {
                sink.shapeError(JSONPath.root.appending("seed"), "expected a whole number of 0 or more, got \(describe(seed))")
            }
        }
        if let agents = reader.nestedArray("agents", fields: agentFields) {
            scenario.agents = agents.map(decodeAgent)
            if agents.isEmpty { sink.error(JSONPath.root.appending("agents"), "must not be empty: leave 'agents' out to have them generated") }
            if hasDuplicates(scenario.agents?.map(\.hostname) ?? []) { sink.error(JSONPath.root.appending("agents"), "hostnames must be unique") }
        }
        if let fleet = reader.nestedArray("fleet", fields: fleetFields) {
            scenario.fleet = fleet.compactMap(decodeFleetEntry)
        }
        let errors = sink.diagnostics.contains { $0.severity == .error }
        return (errors ? nil : scenario, nil, sink.diagnostics)
    }

    private static func decodeAgent(_ reader: ObjectReader) -> Agent {
        let sink = reader.sink
        let hostname = reader.string("hostname") ?? ""
        if hostname.isEmpty { sink.error(reader.path.appending("hostname"), "must not be empty") }
        var agent = Agent(hostname: hostname, attributes: reader.stringMap("attributes") ?? [:],
                          zone: reader.string("zone") ?? "zone-1", region: reader.string("region") ?? "region-1")
        for (key, keyPath) in [("cpus", \Agent.cpus), ("mem", \Agent.mem), ("disk", \Agent.disk)] {
            if let amount = reader.double(key) {
                if amount < 0 { sink.error(reader.path.appending(key), Rules.atLeast(amount, 0.0)) }
                agent[keyPath: keyPath] = amount
            }
        }
        if let ports = CommonDecoders.nonNegativeInt(reader, "ports") { agent.ports = ports }
        return agent
    }

    private static func decodeFleetEntry(_ reader: ObjectReader) -> FleetEntry? {
        let sink = reader.sink
        guard let version = reader.string("version").flatMap(FleetEntry.Version.init(rawValue:)) else {
            sink.error(reader.path.appending("version"), #"expected "current" (APP.json) or "target" (the --to file)"#)
            return nil
        }
        let count = CommonDecoders.nonNegativeInt(reader, "count") ?? 0
        if !reader.has("count") { sink.shapeError(reader.path.appending("count"), "is required: how many instances run this version") }
        let condition: InstanceCondition
        switch reader.string("state") ?? "running" {
        case "running": condition = .running
        case "staging": condition = .staging
        default:
            sink.error(reader.path.appending("state"), #"expected "staging" or "running""#)
            return nil
        }
        var healthy: Bool?
        if reader.object["healthy"]?.isNull == true {
            healthy = nil
        } else if let value = reader.raw("healthy") {
            guard case .bool(let flag) = value else {
                sink.shapeError(reader.path.appending("healthy"), "expected true, false or null, got \(describe(value))")
                return nil
            }
            healthy = flag
        } else if !reader.has("healthy") && condition == .running {
            healthy = true
        }
        return FleetEntry(version: version, count: count, condition: condition, healthy: healthy)
    }
}
