import RollwatchCore
import RollwatchSim
import Testing

/// Records what the simulated cluster reports, without a scheduler.
final class RecordingSink: DriverSink {
    var placements: [InstanceId: String] = [:]
    var unplaceable: [InstanceId: String] = [:]

    func report(_ report: DriverReport, instance: InstanceId, incarnation: Int, slot: Int, at time: Double) {
        switch report {
        case .placed(let agent, _): placements[instance] = agent
        case .unplaceable(let reason): unplaceable[instance] = reason
        default: break
        }
    }

    func wake(token: Int, at time: Double) {}
}

/// Placement on the simulated cluster under each constraint operator.
@Suite struct PlacementTests {
    /// Six agents: two per rack r1–r3, zones alternating, one with `class: gpu`.
    static let agents: [SimAgent] = (1...6).map { number in
        SimAgent(hostname: "a\(number)", cpus: 4, mem: 8_192,
                 attributes: ["rack": "r\((number - 1) / 2 + 1)", "class": number == 6 ? "gpu" : "cpu", "size": number <= 3 ? "2.0" : "4"],
                 zone: "zone-\(number % 2 + 1)")
    }

    /// Launches `count` instances of an app with `constraints` and returns the agent of each (nil: unplaced).
    static func place(_ count: Int, constraints: String, cpus: Double = 0.5) -> (agents: [String?], sink: RecordingSink) {
        let sink = RecordingSink()
        let cluster = SimCluster(agents: agents, seed: 1)
        cluster.attach(sink)
        let definition = app(#"{"id": "/web", "cmd": "x", "cpus": \#(cpus), "mem": 64, "constraints": \#(constraints)}"#)
        let ids = (1...count).map { InstanceId("web.\($0)") }
        for id in ids {
            cluster.launch(LaunchRequest(instanceId: id, incarnation: 1, spec: .app(definition), version: "v1"), now: 0)
        }
        return (ids.map { sink.placements[$0] }, sink)
    }

    static func racks(_ hosts: [String?]) -> [String] {
        hosts.compactMap { host in agents.first { $0.hostname == host }?.attributes["rack"] }
    }

    @Test func uniqueHostnamesOneInstancePerAgent() {
        let result = Self.place(7, constraints: #"[["hostname", "UNIQUE"]]"#)
        #expect(Set(result.agents.compactMap { $0 }).count == 6)
        #expect(result.agents.last == .some(nil))
        #expect(result.sink.unplaceable[InstanceId("web.7")] == "no agent can take it: of 6 agents, 6 break hostname:UNIQUE")
    }

    @Test func uniqueOnAnAttributeOnePerValue() {
        let result = Self.place(4, constraints: #"[["rack", "UNIQUE"]]"#)
        #expect(Set(Self.racks(result.agents)) == ["r1", "r2", "r3"])
        #expect(result.agents.compactMap { $0 }.count == 3)
    }

    @Test func clusterWithAValuePinsToIt() {
        let result = Self.place(4, constraints: #"[["rack", "CLUSTER", "r2"]]"#)
        #expect(Self.racks(result.agents) == ["r2", "r2", "r2", "r2"])
    }

    @Test func clusterWithoutAValueFollowsTheFirstInstance() {
        let result = Self.place(4, constraints: #"[["rack", "CLUSTER"]]"#)
        #expect(Set(Self.racks(result.agents)).count == 1)
    }

    @Test func groupBySpreadsEvenly() {
        let result = Self.place(6, constraints: #"[["rack", "GROUP_BY", "3"]]"#)
        let racks = Self.racks(result.agents)
        #expect(["r1", "r2", "r3"].allSatisfy { rack in racks.filter { $0 == rack }.count == 2 })
    }

    @Test func likeAndUnlikeMatchTheWholeValue() {
        let like = Self.place(3, constraints: #"[["class", "LIKE", "g.u"]]"#)
        #expect(like.agents == ["a6", "a6", "a6"])
        let unlike = Self.place(5, constraints: #"[["rack", "UNLIKE", "r[12]"]]"#)
        #expect(Set(Self.racks(unlike.agents)) == ["r3"])
        let partial = Self.place(1, constraints: #"[["class", "LIKE", "g"]]"#)
        #expect(partial.agents == [nil], "LIKE must match the whole value, not a part")
    }

    @Test func maxPerLimitsEachValue() {
        let result = Self.place(7, constraints: #"[["rack", "MAX_PER", "2"]]"#)
        #expect(result.agents.compactMap { $0 }.count == 6)
        #expect(result.sink.unplaceable[InstanceId("web.7")] == "no agent can take it: of 6 agents, 6 break rack:MAX_PER:2")
    }

    @Test func isMatchesTextAndScalarValues() {
        let text = Self.place(2, constraints: #"[["class", "IS", "gpu"]]"#)
        #expect(text.agents == ["a6", "a6"])
        let scalar = Self.place(3, constraints: #"[["size", "IS", "2"]]"#)
        #expect(Set(scalar.agents.compactMap { $0 }) == ["a1", "a2", "a3"], "2.0 is 2 to within 0.001")
    }

    @Test func zoneAndHostnameFieldsComeFromTheAgent() {
        let result = Self.place(3, constraints: #"[["@zone", "CLUSTER", "zone-1"]]"#)
        #expect(result.agents.allSatisfy { host in Self.agents.first { $0.hostname == host }?.zone == "zone-1" })
    }

    @Test func resourcesLimitWhatFits() {
        let result = Self.place(50, constraints: "[]", cpus: 1)
        #expect(result.agents.compactMap { $0 }.count == 24, "6 agents of 4 cpus")
        #expect(result.sink.unplaceable[InstanceId("web.25")] == "no agent can take it: of 6 agents, 6 lack room for 1 cpus, 64 MiB and 1 port")
    }

    @Test func generatedAgentsFitTheBusiestMoment() {
        let unique = app(#"{"id": "/web", "cmd": "x", "instances": 20, "cpus": 0.5, "constraints": [["hostname", "UNIQUE"]], "upgradeStrategy": {"minimumHealthCapacity": 0.85, "maximumOverCapacity": 0.15}}"#)
        #expect(SimAgent.toFit([.app(unique)]).count == 23)
        let big = app(#"{"id": "/big", "cmd": "x", "instances": 100, "cpus": 1, "mem": 1024}"#)
        #expect(SimAgent.toFit([.app(big)]).count == 32, "200 cpus at the peak, 25 % headroom, 8 cpus per agent")
    }

    @Test func behaviourComesFromTheCommandAndLabels() {
        #expect(SimBehaviour(.app(app(#"{"id": "/a", "cmd": "sleep 5 && python3 -m http.server"}"#))).startupSeconds == 5)
        #expect(SimBehaviour(.app(app(#"{"id": "/a", "cmd": "serve", "labels": {"ROLLWATCH_SIM_STARTUP_SECONDS": "12.5"}}"#))).startupSeconds == 12.5)
        #expect(SimBehaviour(.app(app(#"{"id": "/a", "cmd": "serve"}"#))).startupSeconds == 2)
        #expect(SimBehaviour(.app(app(#"{"id": "/a", "cmd": "serve", "labels": {"ROLLWATCH_SIM_HEALTHY": "0.25"}}"#))).health == .probability(0.25))
        #expect(SimBehaviour(.app(app(#"{"id": "/a", "cmd": "serve", "labels": {"ROLLWATCH_SIM_CRASH_AFTER_SECONDS": "30"}}"#))).crashAfterSeconds == 30)
    }
}
