import RollwatchCore
import RollwatchScreens
import RollwatchTUI
import Testing

/// The instance grid as text: spacing, groups per version, folding with its note, and any size without a trap.
@Suite struct InstanceGridTests {
    /// The default theme as a terminal without colour or Unicode shows it; the shipped file must resolve.
    static var theme: Theme {
        get throws { try ThemeLibrary.load(directories: [ThemeTests.shippedThemes]).theme(named: "default-dark").adapted(to: .none, ascii: true) }
    }

    static func render(_ groups: [InstanceGrid.Group], width: Int, height: Int) throws -> (lines: [String], layout: InstanceGrid.Layout) {
        var buffer = CellBuffer(width: width, height: height)
        let layout = InstanceGrid(groups: groups, theme: try theme).draw(in: buffer.area, on: &buffer)
        return (buffer.trimmedLines, layout)
    }

    @Test func midUpgradeTheOldAndNewVersionsHaveTheirOwnRowsWithSpacedCells() throws {
        let old = InstanceGrid.Group(label: "v1", labelSlot: .versionOld, states: Array(repeating: .healthy, count: 14) + [.killing, .killing, .killing])
        let new = InstanceGrid.Group(label: "v2", labelSlot: .versionNew, states: [.healthy, .healthy, .starting, .staging, .waiting])
        let (lines, layout) = try Self.render([old, new], width: 30, height: 4)
        #expect(layout == InstanceGrid.Layout(instancesPerCell: 1, cellWidth: 2, rows: 3))
        #expect(lines == [
            "v1 # # # # # # # # # # # # # #",
            "   k k k",
            "v2 # # o s .",
            "",
        ])
    }

    @Test func asManyGroupsAsRowsFoldOnlyAsFarAsNeeded() throws {
        let groups = ["v1", "v2"].map { InstanceGrid.Group(label: $0, labelSlot: .versionOld, states: Array(repeating: .healthy, count: 20)) }
        let (lines, layout) = try Self.render(groups, width: 13, height: 2)
        #expect(layout.instancesPerCell == 2)
        #expect(lines == ["v1 ##########", "v2 ##########"])
    }

    @Test func packsCellsBeforeFoldingAndFoldsShowingTheMostUrgentState() throws {
        let many = InstanceGrid.Group(label: "v1", labelSlot: .versionOld, states: Array(repeating: .healthy, count: 20))
        #expect(try Self.render([many], width: 23, height: 1).lines == ["v1 ####################"])

        var states = Array(repeating: InstanceDisplayState.healthy, count: 10_000)
        states[4_321] = .failed
        states[9_999] = .unhealthy
        let (lines, layout) = try Self.render([InstanceGrid.Group(label: "v2", labelSlot: .versionNew, states: states)], width: 43, height: 6)
        #expect(layout.instancesPerCell == 50)
        #expect(layout.cellWidth == 1)
        #expect(lines.count == 6)
        #expect(lines[2] == "   " + String(repeating: "#", count: 6) + "!" + String(repeating: "#", count: 33))
        #expect(lines.joined().filter { $0 == "!" }.count == 1)
        #expect(lines[4].hasSuffix("X"))
        #expect(lines[5] == "1 cell = 50 instances, worst shown")
    }

    @Test func neverWritesOutsideItsRectangleAtAnySize() throws {
        let theme = try Self.theme
        let groups = [InstanceGrid.Group(label: "v1", labelSlot: .versionOld, states: Array(repeating: .healthy, count: 97)),
                      InstanceGrid.Group(label: "v2", labelSlot: .versionNew, states: Array(repeating: .starting, count: 3)),
                      InstanceGrid.Group(label: "v3", labelSlot: .versionNew, states: [])]
        for width in 0...12 {
            for height in 0...6 {
                var buffer = CellBuffer(width: 14, height: 8)
                let rect = Rect(x: 1, y: 1, width: width, height: height)
                InstanceGrid(groups: groups, theme: theme).draw(in: rect, on: &buffer)
                for y in 0..<8 {
                    for x in 0..<14 where !(x >= rect.x && x < rect.maxX && y >= rect.y && y < rect.maxY) {
                        #expect(buffer[x, y] == .blank, "\(width)×\(height) wrote at \(x),\(y)")
                    }
                }
            }
        }
    }
}

/// Which cell an instance gets, from what the events said about it.
@Suite struct InstanceDisplayStateTests {
    @Test(arguments: [
        (nil, nil, InstanceDisplayState.waiting), ("TASK_STAGING", nil, .staging), ("TASK_STARTING", nil, .starting),
        ("TASK_RUNNING", nil, .unknown), ("TASK_RUNNING", true, .healthy), ("TASK_RUNNING", false, .unhealthy),
        ("TASK_KILLING", true, .killing), ("TASK_KILLED", true, .killed), ("TASK_FINISHED", nil, .killed),
        ("TASK_FAILED", false, .failed), ("TASK_GONE", nil, .failed), ("TASK_UNREACHABLE", true, .failed),
    ] as [(String?, Bool?, InstanceDisplayState)])
    func fromTaskStatusAndHealth(status: String?, healthy: Bool?, expected: InstanceDisplayState) {
        let ref = InstanceRef(appId: PathId("/web"), instanceId: InstanceId("web.0001"),
                              version: "v1", host: "")
        #expect(InstanceDisplayState(FleetSnapshot.Instance(ref: ref, taskStatus: status, healthy: healthy, since: 0)) == expected)
    }

    @Test func anInstanceNoAgentTakesWaitsUntilItsNextStatus() {
        let ref = InstanceRef(appId: PathId("/web"), instanceId: InstanceId("web.0002"), version: "v2", host: "")
        var fleet = FleetSnapshot()
        fleet.apply(RolloutEvent(time: 1, kind: .statusUpdate(ref, taskStatus: "TASK_STAGING", message: "launched")))
        #expect(fleet.orderedInstances.map(InstanceDisplayState.init) == [.staging])
        fleet.apply(RolloutEvent(time: 1, kind: .instanceUnplaceable(ref, reason: "no agent has 0.5 cpus free")))
        #expect(fleet.orderedInstances.map(InstanceDisplayState.init) == [.waiting])
        var placed = ref
        placed.host = "agent-3"
        fleet.apply(RolloutEvent(time: 9, kind: .statusUpdate(placed, taskStatus: "TASK_STARTING", message: "started")))
        #expect(fleet.orderedInstances.map(InstanceDisplayState.init) == [.starting])
        #expect(fleet.orderedInstances.first?.ref.host == "agent-3")
        #expect(fleet.orderedInstances.first?.history.map(\.what) == ["TASK_STAGING", "waiting", "TASK_STARTING"])
    }
}
