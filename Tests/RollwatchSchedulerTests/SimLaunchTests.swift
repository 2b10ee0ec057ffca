import RollwatchCore
import RollwatchScheduler
import RollwatchSim
import Testing

/// Drives a simulated cluster without a scheduler: its timers wait in an `EventQueue` and its reports are kept as
/// text, `time id#incarnation what`.
final class SimHarness: DriverSink {
    private var timers = EventQueue<Never>()
    private(set) var reports: [String] = []

    func report(_ report: DriverReport, instance: InstanceId, incarnation: Int, slot: Int, at time: Double) {
        let what: String
        switch report {
        case .placed(let agent, _): what = "placed on \(agent)"
        case .unplaceable: what = "unplaceable"
        case .condition(let condition, _): what = condition.rawValue
        case .probe(let check, let result): what = "probe \(check) \(result == .healthy ? "healthy" : "unhealthy")"
        case .readiness(let ready): what = "ready \(ready)"
        case .process: what = "process"
        }
        reports.append("\(time) \(instance)#\(incarnation) \(what)")
    }

    func wake(token: Int, at time: Double) {
        timers.push(number: token, at: time)
    }

    /// Fires the cluster's timers due by `time`, in order.
    func run(_ cluster: SimCluster, until time: Double) {
        while let (due, what) = timers.pop(dueBy: time) {
            if case .number(let token) = what { cluster.wake(token: token, now: due) }
        }
    }

    /// The reports about one launch, without their times.
    func reports(of launch: String) -> [String] {
        timedReports(of: launch).map(\.what)
    }

    /// The reports about one launch with their times.
    func timedReports(of launch: String) -> [(time: Double, what: String)] {
        reports.compactMap { line in
            let parts = line.split(separator: " ", maxSplits: 2)
            guard parts.count == 3, parts[1] == launch, let time = Double(parts[0]) else { return nil }
            return (time, String(parts[2]))
        }
    }
}

/// The simulator's bookkeeping of launches: a launch that is over (killed, or replaced by a relaunch in its slot)
/// never reports again, even while its timers are still to come, and never shares its place with a later launch.
@Suite struct SimLaunchTests {
    static let web = app(#"{"id": "/web", "cmd": "x", "cpus": 1, "mem": 64}"#)

    static func request(_ id: String, incarnation: Int = 1, slot: Int) -> LaunchRequest {
        var request = LaunchRequest(instanceId: InstanceId(id), incarnation: incarnation, spec: .app(web), version: "v1")
        request.slot = slot
        return request
    }

    @Test func aRelaunchInTheSameSlotSilencesTheEarlierLaunchsTimersAndTakesItsRoom() {
        let harness = SimHarness()
        // Room for one instance: the relaunch is placed only if the launch it replaces gave its cpu back.
        let cluster = SimCluster(agents: [SimAgent(hostname: "a1", cpus: 1, mem: 1_024)], seed: 3)
        cluster.attach(harness)
        cluster.launch(Self.request("web.1", slot: 0), now: 0)
        // The second launch replaces the first while the first's starting and running timers wait.
        cluster.launch(Self.request("web.1", incarnation: 2, slot: 0), now: 0.1)
        harness.run(cluster, until: 10)
        #expect(harness.reports(of: "web.1#1") == ["placed on a1"])
        #expect(harness.reports(of: "web.1#2") == ["placed on a1", "Starting", "Running"])
    }

    @Test func aKilledLaunchsLateTimersDoNotReachTheLaunchAfterIt() {
        let harness = SimHarness()
        let cluster = SimCluster(agents: [SimAgent(hostname: "a1", cpus: 4, mem: 1_024)], seed: 3)
        cluster.attach(harness)
        cluster.launch(Self.request("web.1", slot: 0), now: 0)
        cluster.kill(InstanceId("web.1"), slot: 0, keepReservation: false, now: 0.01)
        // Confirmed at 1.01 s, while its running timer (1.6 s to 2.4 s) still waits; a new instance takes the slot.
        harness.run(cluster, until: 1.2)
        cluster.launch(Self.request("web.2", slot: 0), now: 1.2)
        harness.run(cluster, until: 10)
        #expect(harness.reports(of: "web.1#1") == ["placed on a1", "Killed"])
        #expect(harness.reports(of: "web.2#1") == ["placed on a1", "Starting", "Running"])
        // Its own start-up is 1.6 s at least (2 s ± 20 %); web.1's running timer was due by 2.4 s.
        let running = harness.timedReports(of: "web.2#1").first { $0.what == "Running" }
        #expect((running?.time ?? 0) >= 1.2 + 1.6, "web.2 runs on its own timer, not on web.1's")
        cluster.kill(InstanceId("web.1"), slot: 0, keepReservation: false, now: 10)
        harness.run(cluster, until: 20)
        #expect(harness.reports(of: "web.2#1").last == "Running", "a kill of the forgotten instance does not touch the slot's new one")
    }

    @Test func aWaitingLaunchReplacedInItsSlotIsNeverPlaced() {
        let harness = SimHarness()
        // Room for one instance.
        let cluster = SimCluster(agents: [SimAgent(hostname: "a1", cpus: 1, mem: 1_024)], seed: 3)
        cluster.attach(harness)
        cluster.launch(Self.request("web.1", slot: 0), now: 0)
        cluster.launch(Self.request("web.2", slot: 1), now: 0)
        cluster.launch(Self.request("web.2", incarnation: 2, slot: 1), now: 0)
        // A later instance may be kept where the replaced launch was; it still waits behind the relaunch.
        cluster.launch(Self.request("web.3", slot: 2), now: 0)
        harness.run(cluster, until: 5)
        cluster.kill(InstanceId("web.1"), slot: 0, keepReservation: false, now: 5)
        harness.run(cluster, until: 20)
        #expect(harness.reports(of: "web.2#1") == ["unplaceable"])
        #expect(harness.reports(of: "web.2#2") == ["unplaceable", "placed on a1", "Starting", "Running"])
        #expect(harness.reports(of: "web.3#1") == ["unplaceable", "unplaceable"], "tried again once the agent freed up, and lost to the older launch")
    }

    /// An instance with two failing health checks is probed on each check's own schedule: check 0 every 2 s from
    /// 2 s, check 1 every 3 s from 3 s (the first probe after min(interval, 5 s)); at 6 s check 1's probe, asked
    /// for first (at 3 s), comes first.
    @Test func eachHealthCheckKeepsItsOwnProbeSchedule() {
        let harness = SimHarness()
        let cluster = SimCluster(agents: [SimAgent(hostname: "a1", cpus: 4, mem: 1_024)], seed: 3)
        cluster.attach(harness)
        let request = Self.request("web.1", slot: 0)
        #expect(cluster.adopt(request, condition: .running, healthy: false, now: 0) != nil)
        let checks = [HealthCheckTiming(gracePeriodSeconds: 0, intervalSeconds: 2), HealthCheckTiming(gracePeriodSeconds: 0, intervalSeconds: 3)]
        cluster.startHealthChecks(InstanceId("web.1"), slot: 0, tracker: HealthTracker(checks: checks, runningSince: 0), now: 0)
        harness.run(cluster, until: 10)
        let probes = harness.timedReports(of: "web.1#1").map { "\($0.time) \($0.what)" }
        #expect(probes == ["2.0 probe 0 unhealthy", "3.0 probe 1 unhealthy", "4.0 probe 0 unhealthy", "6.0 probe 1 unhealthy",
                           "6.0 probe 0 unhealthy", "8.0 probe 0 unhealthy", "9.0 probe 1 unhealthy", "10.0 probe 0 unhealthy"])
    }
}
