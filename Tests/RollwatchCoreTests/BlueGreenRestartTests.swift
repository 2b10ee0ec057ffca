import RollwatchCore
import Testing

/// Blue-green as a state machine, input by input.
@Suite struct BlueGreenRestartTests {
    static func old(_ number: Int, _ condition: InstanceCondition = .running, goal: InstanceGoal = .running) -> InstanceSnapshot {
        InstanceSnapshot(id: InstanceId("old-\(number)"), version: "v1", condition: condition, goal: goal, consideredHealthy: condition == .running)
    }

    static func new(_ number: Int) -> [RolloutInput] {
        let id = InstanceId("new-\(number)")
        return [.instanceChanged(InstanceSnapshot(id: id, version: "v2", condition: .running, consideredHealthy: false)),
                .healthChanged(id, version: "v2", healthy: true)]
    }

    /// An old instance that dies while the new set starts is decommissioned at once, and only the others are
    /// stopped after the switch (not it a second time).
    @Test func anOldInstanceThatDiesIsStoppedOnceAndTheRestAfterTheSwitch() {
        var machine = BlueGreenRestart(version: "v2", instances: 3, scaleDownDelaySeconds: 0, autoPromotionEnabled: true, isResident: false,
                                       hasHealthChecks: true, hasReadinessChecks: false, current: (1...3).map { Self.old($0) })
        #expect(machine.start() == [.resetLaunchDelay, .launch(count: 3)])
        #expect(machine.handle(.instanceChanged(Self.old(2, .failed))) == [.kill(InstanceId("old-2"), goal: .decommissioned)])
        var actions: [RolloutAction] = []
        for number in 1...3 {
            for input in Self.new(number) { actions += machine.handle(input) }
        }
        #expect(actions == [.switchTraffic, .kill(InstanceId("old-1"), goal: .decommissioned), .kill(InstanceId("old-3"), goal: .decommissioned)])
    }
}
