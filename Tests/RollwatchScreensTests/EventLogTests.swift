import RollwatchCore
import RollwatchScreens
import RollwatchTUI
import Testing

/// The event log: sentences with reasons, newest first, cut to the pane.
@Suite struct EventLogTests {
    static let old = "2025-12-31T23:00:00.000Z", new = "2026-01-01T00:00:00.000Z"
    static func label(_ version: String) -> String { version == old ? "v1" : "v2" }
    static func ref(_ number: String, _ version: String, host: String = "") -> InstanceRef {
        InstanceRef(appId: PathId("/python-web"), instanceId: InstanceId("python-web.\(number)"), version: version, host: host)
    }

    /// The first seconds of the seed upgrade, as `rollwatch run` prints them.
    static let firstWave: [RolloutEvent] = {
        let app = AppDefinitionFixture.app
        let group = GroupDefinition(id: .root, apps: [app])
        let plan = DeploymentPlan(from: group, to: group, restartAll: true)
        return [
            RolloutEvent(time: 0, kind: .deploymentInfo(planId: "deployment-0001-0", plan: plan, step: 1)),
            RolloutEvent(time: 0, kind: .statusUpdate(ref("0014", old, host: "agent-2"), taskStatus: "TASK_KILLING",
                                                      message: "killed at the start of the upgrade: 20 healthy, 17 required")),
            RolloutEvent(time: 0, kind: .statusUpdate(ref("0015", new), taskStatus: "TASK_STAGING", message: "launched")),
            RolloutEvent(time: 0, kind: .rolloutProgress(RolloutProgress(appId: app.id, target: 20, minHealthy: 17, maxCapacity: 23,
                                                                          old: .init(alive: 20, healthy: 17), new: .init(alive: 3, healthy: 0), paused: false))),
            RolloutEvent(time: 0.5, kind: .statusUpdate(ref("0015", new, host: "agent-3"), taskStatus: "TASK_STARTING", message: "starting on agent-3")),
            RolloutEvent(time: 1, kind: .statusUpdate(ref("0014", old, host: "agent-2"), taskStatus: "TASK_KILLED", message: "killed on agent-2")),
            RolloutEvent(time: 1, kind: .instanceHealthChanged(ref("0014", old, host: "agent-2"), healthy: nil)),
            RolloutEvent(time: 15.2, kind: .instanceHealthChanged(ref("0015", new, host: "agent-3"), healthy: true)),
            RolloutEvent(time: 75, kind: .statusUpdate(ref("0016", new, host: "agent-1"), taskStatus: "TASK_FAILED", message: "exited with status 1")),
            RolloutEvent(time: 3_725, kind: .deploymentFailed(planId: "deployment-0001-0", plan: plan, reason: "The upgrade has been cancelled")),
        ]
    }()

    @Test func eventsReadAsSentencesWithReasonsAndVersionLabels() {
        let entries = Self.firstWave.compactMap { EventLog.entry(for: $0, label: Self.label) }
        #expect(entries.map(\.text) == [
            "step 1/1 started: restart /python-web",
            "killing python-web.0014 (v1): killed at the start of the upgrade: 20 healthy, 17 required",
            "launched python-web.0015 (v2)",
            "python-web.0015 (v2) starting on agent-3",
            "python-web.0014 (v1) stopped",
            "python-web.0015 (v2) healthy",
            "python-web.0016 (v2) failed: exited with status 1",
            "deployment ended: The upgrade has been cancelled",
        ])
        #expect(entries.map(\.slot) == [.logAction, .logAction, .logAction, .logInfo, .logInfo, .logInfo, .logError, .logError])
    }

    @Test func aDriversNoteOnAStartIsAWarningOnScreen() {
        let note = RolloutEvent(time: 2, kind: .statusUpdate(Self.ref("0001", Self.new, host: "127.0.0.1"), taskStatus: "TASK_STARTING",
                                                             message: "starting in /tmp/x; images are not pulled here, so python:3.6's cmd runs on this machine"))
        let entry = EventLog.entry(for: note, label: Self.label)
        #expect(entry?.slot == .logWarn)
        #expect(entry?.text == "python-web.0001 (v2) starting on 127.0.0.1: images are not pulled here, so python:3.6's cmd runs on this machine")
        let plain = RolloutEvent(time: 2, kind: .statusUpdate(Self.ref("0002", Self.new, host: "127.0.0.1"), taskStatus: "TASK_STARTING",
                                                              message: "starting in /tmp/y"))
        #expect(EventLog.entry(for: plain, label: Self.label)?.slot == .logInfo)
    }

    @Test func thePaneShowsTheNewestFirstWithTheRunClockAndCutsLongLines() throws {
        let entries = Self.firstWave.compactMap { EventLog.entry(for: $0, label: Self.label) }
        let theme = try InstanceGridTests.theme
        var buffer = CellBuffer(width: 48, height: 4)
        EventLog.draw(entries, theme: theme, in: buffer.area, on: &buffer)
        #expect(buffer.trimmedLines == [
            "1:02:05 deployment ended: The upgrade has been ~",
            "0:01:15 python-web.0016 (v2) failed: exited wit~",
            "0:00:15 python-web.0015 (v2) healthy",
            "0:00:01 python-web.0014 (v1) stopped",
        ])
        #expect(buffer[0, 0].style == theme.style(.logTime))
        #expect(buffer[8, 0].style == theme.style(.logError))
        var tiny = CellBuffer(width: 3, height: 1)
        EventLog.draw(entries, theme: theme, in: tiny.area, on: &tiny)
        #expect(tiny.lines == ["1:0"])
    }
}

/// The seed example's app, small enough to write here.
enum AppDefinitionFixture {
    static let app: AppDefinition = {
        let report = DefinitionLoader.load(Array(#"{"id": "/python-web", "cmd": "python3 -m http.server 8080", "instances": 20}"#.utf8))
        guard case .app(let app)? = report.definition else { preconditionFailure("the fixture is a valid app") }
        return app
    }()
}
