import RollwatchCore
import Testing

/// Marathon's restart flows (reference/marathon-semantics.md §1.5), event by event.
@Suite struct MarathonRestartTests {
    /// `count` old instances of version v1, running, healthy or not.
    static func oldFleet(_ count: Int, unhealthy: Set<Int> = []) -> [InstanceSnapshot] {
        (1...count).map { InstanceSnapshot(id: InstanceId("old-\($0)"), version: "v1", condition: .running, consideredHealthy: !unhealthy.contains($0)) }
    }

    static func restart(_ current: [InstanceSnapshot], instances: Int = 20, mhc: Double = 0.85, moc: Double = 0.15,
                        resident: Bool = false, healthChecks: Bool = true, readinessChecks: Bool = false) -> MarathonRestart {
        MarathonRestart(version: "v2", instances: instances,
                        upgradeStrategy: UpgradeStrategy(minimumHealthCapacity: mhc, maximumOverCapacity: moc),
                        isResident: resident, hasHealthChecks: healthChecks, hasReadinessChecks: readinessChecks, current: current)
    }

    static func killConfirmed(_ id: String, goal: InstanceGoal = .decommissioned) -> RolloutInput {
        .instanceChanged(InstanceSnapshot(id: InstanceId(id), version: "v1", condition: .killed, goal: goal, consideredHealthy: false))
    }

    static func newInstance(_ id: String, _ condition: InstanceCondition, goal: InstanceGoal = .running) -> RolloutInput {
        .instanceChanged(InstanceSnapshot(id: InstanceId(id), version: "v2", condition: condition, goal: goal, consideredHealthy: false))
    }

    @Test func twentyInstancesKillThreeAndLaunchThreeAtOnce() {
        var machine = Self.restart(Self.oldFleet(20))
        #expect(machine.strategy == RestartStrategy(instances: 20, strategy: UpgradeStrategy(minimumHealthCapacity: 0.85, maximumOverCapacity: 0.15),
                                                    isResident: false, healthyCount: 20, currentCount: 20))
        #expect(machine.start() == [
            .kill(InstanceId("old-20"), goal: .decommissioned), .kill(InstanceId("old-19"), goal: .decommissioned),
            .kill(InstanceId("old-18"), goal: .decommissioned), .launch(count: 3), .resetLaunchDelay,
        ])
        #expect(machine.handle(Self.killConfirmed("old-20")) == [.launch(count: 1)])
        #expect(machine.handle(Self.killConfirmed("old-19")) == [.launch(count: 1)])
        #expect(machine.handle(Self.killConfirmed("old-18")) == [.launch(count: 1)])
        #expect(machine.started == 6 && machine.oldActive.count == 17)
        // A new instance running is not enough: it must be healthy.
        #expect(machine.handle(Self.newInstance("new-1", .running)) == [])
        #expect(machine.handle(.healthChanged(InstanceId("new-1"), version: "v2", healthy: true)) == [.kill(InstanceId("old-17"), goal: .decommissioned)])
        // The same health news twice lets only one old instance go.
        #expect(machine.handle(.healthChanged(InstanceId("new-1"), version: "v2", healthy: true)) == [])
        // Unhealthy and unknown health are ignored.
        #expect(machine.handle(.healthChanged(InstanceId("new-2"), version: "v2", healthy: false)) == [])
        #expect(machine.handle(.healthChanged(InstanceId("new-2"), version: "v2", healthy: nil)) == [])
        #expect(machine.handle(Self.killConfirmed("old-17")) == [.launch(count: 1)])
    }

    @Test func unhealthyOldInstancesAreKilledFirst() {
        var machine = Self.restart(Self.oldFleet(4, unhealthy: [2]), instances: 4, mhc: 0.5, moc: 0)
        // healthy 3, minHealthy 2: one healthy over the minimum may go, but the unhealthy one goes first.
        #expect(machine.start().first == .kill(InstanceId("old-2"), goal: .decommissioned))
    }

    @Test func extraInstancesBeyondTheTargetAreKilledAtOnce() {
        // 25 instances left by an earlier forced deployment, 5 of them unhealthy: 20 healthy is only 3 above the
        // minimum, but the 5 extra must go, unhealthy first.
        var machine = Self.restart(Self.oldFleet(25, unhealthy: Set(21...25)), instances: 20)
        #expect(machine.strategy.killImmediately == 5)
        let kills = machine.start().compactMap { action -> InstanceId? in
            if case .kill(let id, _) = action { return id }
            return nil
        }
        #expect(kills == (21...25).reversed().map { InstanceId("old-\($0)") })
    }

    @Test func minHealthyEqualToMaxCapacityAllowsOneExtraInstance() {
        var machine = Self.restart(Self.oldFleet(3), instances: 3, mhc: 1, moc: 0)
        #expect(machine.strategy.maxCapacity == 4 && machine.strategy.killImmediately == 0)
        #expect(machine.start() == [.launch(count: 1), .resetLaunchDelay])
    }

    @Test func residentAppsStopOneBelowMinimumInsteadAndKeepReservations() {
        var machine = Self.restart(Self.oldFleet(3), instances: 3, mhc: 1, moc: 0, resident: true)
        #expect(machine.strategy.maxCapacity == 3 && machine.strategy.killImmediately == 1)
        #expect(machine.start() == [.kill(InstanceId("old-3"), goal: .stopped), .resetLaunchDelay])
        #expect(machine.handle(Self.killConfirmed("old-3", goal: .stopped)) == [.launch(count: 1)])
    }

    @Test func newInstancesStartOnlyWhenAKillIsConfirmed() {
        var machine = Self.restart(Self.oldFleet(2), instances: 2, mhc: 0.5, moc: 0)
        #expect(machine.start() == [.kill(InstanceId("old-2"), goal: .decommissioned), .resetLaunchDelay])
        #expect(machine.handle(Self.newInstance("new-1", .running)) == [])
        #expect(machine.handle(Self.killConfirmed("old-2")) == [.launch(count: 1)])
    }

    @Test func failedNewInstanceIsForgottenAndLetsAnotherOldGoWhenItRecovers() {
        var machine = Self.restart(Self.oldFleet(4), instances: 4, mhc: 0.75, moc: 0.25)
        _ = machine.start()
        _ = machine.handle(.healthChanged(InstanceId("new-1"), version: "v2", healthy: true))
        #expect(machine.healthyAndReady == 1)
        // It crashes with goal running: the launcher relaunches it; the machine only forgets its health.
        #expect(machine.handle(Self.newInstance("new-1", .failed)) == [])
        #expect(machine.healthyAndReady == 0 && machine.started == 1)
        #expect(machine.handle(.healthChanged(InstanceId("new-1"), version: "v2", healthy: true)).count == 1)
    }

    @Test func newInstanceStoppedBySomeoneElseNoLongerCounts() {
        var machine = Self.restart(Self.oldFleet(4), instances: 4, mhc: 0.75, moc: 0.25)
        _ = machine.start()
        #expect(machine.started == 1)
        _ = machine.handle(Self.newInstance("new-1", .killed, goal: .decommissioned))
        #expect(machine.started == 0)
    }

    @Test func oldInstanceThatCrashesIsDecommissionedAndFreesCapacity() {
        var machine = Self.restart(Self.oldFleet(4), instances: 4, mhc: 1, moc: 0)
        #expect(machine.start() == [.launch(count: 1), .resetLaunchDelay])
        let crash = RolloutInput.instanceChanged(InstanceSnapshot(id: InstanceId("old-1"), version: "v1", condition: .failed, consideredHealthy: false))
        #expect(machine.handle(crash) == [.kill(InstanceId("old-1"), goal: .decommissioned)])
        #expect(machine.oldActive.count == 3)
        #expect(machine.handle(Self.killConfirmed("old-1")) == [.launch(count: 1)])
    }

    @Test func withoutHealthChecksRunningIsEnough() {
        var machine = Self.restart(Self.oldFleet(2), instances: 2, mhc: 1, moc: 0.5, healthChecks: false)
        #expect(machine.start() == [.launch(count: 1), .resetLaunchDelay])
        #expect(machine.handle(Self.newInstance("new-1", .running)) == [.kill(InstanceId("old-2"), goal: .decommissioned)])
    }

    @Test func readinessGatesKillsAfterHealth() {
        var machine = Self.restart(Self.oldFleet(2), instances: 2, mhc: 1, moc: 0.5, readinessChecks: true)
        _ = machine.start()
        #expect(machine.handle(Self.newInstance("new-1", .running)) == [.startReadinessChecks(InstanceId("new-1"))])
        #expect(machine.handle(.healthChanged(InstanceId("new-1"), version: "v2", healthy: true)) == [])
        #expect(machine.handle(.readinessChanged(InstanceId("new-1"), version: "v2", ready: false)) == [])
        #expect(machine.handle(.readinessChanged(InstanceId("new-1"), version: "v2", ready: true)) == [.kill(InstanceId("old-2"), goal: .decommissioned)])
    }

    @Test func pauseHoldsKillsAndLaunchesUntilResume() {
        var machine = Self.restart(Self.oldFleet(4), instances: 4, mhc: 0.75, moc: 0.25)
        _ = machine.start()
        machine.pause()
        #expect(machine.handle(.healthChanged(InstanceId("new-1"), version: "v2", healthy: true)) == [])
        #expect(machine.handle(Self.killConfirmed("old-4")) == [])
        #expect(machine.resume() == [.kill(InstanceId("old-3"), goal: .decommissioned), .launch(count: 1)])
    }

    @Test func completesOnlyWithNNewHealthyAndNoOldLeft() {
        var machine = Self.restart(Self.oldFleet(1), instances: 1, mhc: 0, moc: 0)
        #expect(machine.start() == [.kill(InstanceId("old-1"), goal: .decommissioned), .resetLaunchDelay])
        #expect(machine.handle(Self.killConfirmed("old-1")) == [.launch(count: 1)])
        #expect(machine.handle(.healthChanged(InstanceId("new-1"), version: "v2", healthy: true)) == [.finished])
        #expect(machine.isFinished)
        #expect(machine.handle(.healthChanged(InstanceId("new-2"), version: "v2", healthy: true)) == [])
    }

    @Test func alreadyUpgradedFleetCompletesAtOnce() {
        let current = (1...3).map { InstanceSnapshot(id: InstanceId("new-\($0)"), version: "v2", condition: .running, consideredHealthy: true) }
        var machine = Self.restart(current, instances: 3)
        #expect(machine.start() == [.resetLaunchDelay, .finished])
    }
}
