import RollwatchCore
import Testing

/// Scaling and stopping (reference/marathon-semantics.md §1.6).
@Suite struct MarathonScaleTests {
    static func fleet(_ specs: [(String, InstanceCondition, Double)]) -> [InstanceSnapshot] {
        specs.map { InstanceSnapshot(id: InstanceId($0.0), version: "v1", condition: $0.1, consideredHealthy: $0.1 == .running, stagedAt: $0.2) }
    }

    @Test func scalingDownKillsStagingBeforeRunningThenTheYoungest() {
        let current = Self.fleet([("a", .running, 1), ("b", .running, 3), ("c", .staging, 2), ("d", .running, 2)])
        var scale = MarathonScale(version: "v1", instances: 2, killSelection: .youngestFirst, isResident: false,
                                  hasHealthChecks: true, hasReadinessChecks: false, current: current)
        #expect(scale.start() == [.kill(InstanceId("c"), goal: .decommissioned), .kill(InstanceId("b"), goal: .decommissioned)])
        #expect(scale.handle(.instanceChanged(InstanceSnapshot(id: InstanceId("c"), version: "v1", condition: .killed, goal: .decommissioned, consideredHealthy: false))) == [])
        #expect(scale.handle(.instanceChanged(InstanceSnapshot(id: InstanceId("b"), version: "v1", condition: .killed, goal: .decommissioned, consideredHealthy: false))) == [.finished])
    }

    @Test func oldestFirstPicksTheEarliestLaunched() {
        let current = Self.fleet([("a", .running, 1), ("b", .running, 3), ("d", .running, 2)])
        var scale = MarathonScale(version: "v1", instances: 2, killSelection: .oldestFirst, isResident: false,
                                  hasHealthChecks: true, hasReadinessChecks: false, current: current)
        #expect(scale.start() == [.kill(InstanceId("a"), goal: .decommissioned)])
    }

    @Test func sentencedInstancesGoFirst() {
        let current = Self.fleet([("a", .running, 1), ("b", .running, 3), ("d", .running, 2)])
        var scale = MarathonScale(version: "v1", instances: 2, killSelection: .youngestFirst, isResident: false,
                                  hasHealthChecks: true, hasReadinessChecks: false, sentenced: [InstanceId("a")], current: current)
        #expect(scale.start() == [.kill(InstanceId("a"), goal: .decommissioned)])
    }

    @Test func scalingUpLaunchesTheDifferenceAndWaitsForHealth() {
        let current = Self.fleet([("a", .running, 1)])
        var scale = MarathonScale(version: "v1", instances: 3, killSelection: .youngestFirst, isResident: false,
                                  hasHealthChecks: true, hasReadinessChecks: false, current: current)
        #expect(scale.start() == [.launch(count: 2)])
        for id in ["n1", "n2"] {
            #expect(scale.handle(.instanceChanged(InstanceSnapshot(id: InstanceId(id), version: "v1", condition: .running, consideredHealthy: false))) == [])
        }
        #expect(scale.handle(.healthChanged(InstanceId("n1"), version: "v1", healthy: true)) == [])
        #expect(scale.handle(.healthChanged(InstanceId("a"), version: "v1", healthy: true)) == [], "an instance that was there before does not count")
        #expect(scale.handle(.healthChanged(InstanceId("n2"), version: "v1", healthy: true)) == [.finished])
    }

    @Test func newInstanceStoppedBySomeoneElseIsReplaced() {
        var scale = MarathonScale(version: "v1", instances: 1, killSelection: .youngestFirst, isResident: false,
                                  hasHealthChecks: false, hasReadinessChecks: false, current: [])
        #expect(scale.start() == [.launch(count: 1)])
        _ = scale.handle(.instanceChanged(InstanceSnapshot(id: InstanceId("n1"), version: "v1", condition: .staging, consideredHealthy: false)))
        #expect(scale.handle(.instanceChanged(InstanceSnapshot(id: InstanceId("n1"), version: "v1", condition: .killed, goal: .decommissioned, consideredHealthy: false))) == [.launch(count: 1)])
    }

    @Test func nothingToDoFinishesAtOnce() {
        var scale = MarathonScale(version: "v1", instances: 1, killSelection: .youngestFirst, isResident: false,
                                  hasHealthChecks: true, hasReadinessChecks: false, current: Self.fleet([("a", .running, 1)]))
        #expect(scale.start() == [.finished])
    }

    @Test func stopKillsEverythingAndFinishesWhenAllAreGone() {
        var stop = MarathonStop(current: Self.fleet([("a", .running, 1), ("b", .staging, 2)]))
        #expect(stop.start() == [.kill(InstanceId("a"), goal: .decommissioned), .kill(InstanceId("b"), goal: .decommissioned)])
        #expect(stop.handle(.instanceChanged(InstanceSnapshot(id: InstanceId("a"), version: "v1", condition: .killed, goal: .decommissioned, consideredHealthy: false))) == [])
        #expect(stop.handle(.instanceChanged(InstanceSnapshot(id: InstanceId("b"), version: "v1", condition: .killed, goal: .decommissioned, consideredHealthy: false))) == [.finished])
    }
}
