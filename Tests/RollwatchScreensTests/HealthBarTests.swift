import RollwatchCore
import RollwatchScreens
import RollwatchTUI
import Testing

/// Marathon's health bar as text, at the seed example's numbers (20 instances, 0.85 / 0.15: min 17, max 23).
@Suite struct HealthBarTests {
    static func render(old: (alive: Int, healthy: Int), new: (alive: Int, healthy: Int), width: Int, height: Int = 3) throws -> [String] {
        let progress = RolloutProgress(appId: PathId("/python-web"), target: 20, minHealthy: 17, maxCapacity: 23,
                                       old: .init(alive: old.alive, healthy: old.healthy), new: .init(alive: new.alive, healthy: new.healthy),
                                       paused: false)
        var buffer = CellBuffer(width: width, height: height)
        HealthBar(progress: progress, theme: try InstanceGridTests.theme).draw(in: buffer.area, on: &buffer)
        return buffer.trimmedLines
    }

    @Test func atTheFirstWaveThreeOldAreKilledAndThreeNewStartOneCellPerInstance() throws {
        // Three old instances are killing (alive, not healthy), three new are starting: 17 healthy, 23 in all.
        #expect(try Self.render(old: (20, 17), new: (3, 0), width: 23) == [
            "#######################",
            "         min 17 |     |",
            "healthy 17 >= 17  in al",
        ])
        #expect(try Self.render(old: (20, 17), new: (3, 0), width: 80) == [
            String(repeating: "#", count: 80),
            String(repeating: " ", count: 59) + "|" + " min 17" + String(repeating: " ", count: 5) + "max 23 |",
            "healthy 17 >= 17  in all 23 <= 23  old 17  new 0 +3 starting",
        ])
    }

    @Test func eachSegmentHasItsOwnStyleOneCellPerInstance() throws {
        let progress = RolloutProgress(appId: PathId("/python-web"), target: 20, minHealthy: 17, maxCapacity: 23,
                                       old: .init(alive: 19, healthy: 16), new: .init(alive: 4, healthy: 1), paused: false)
        let theme = try InstanceGridTests.theme
        var buffer = CellBuffer(width: 23, height: 1)
        HealthBar(progress: progress, theme: theme).draw(in: buffer.area, on: &buffer)
        let styles = (0..<23).map { buffer[$0, 0].style }
        let expected = Array(repeating: theme.style(.graphOld), count: 16) + [theme.style(.instHealthy)]
            + Array(repeating: theme.style(.instStarting), count: 3) + Array(repeating: theme.style(.instKilling), count: 3)
        #expect(styles == expected)
    }

    @Test func theBarFillsInProportionAndTheNumbersFlagABreach() throws {
        let lines = try Self.render(old: (0, 0), new: (20, 15), width: 46)
        #expect(lines[0] == String(repeating: "#", count: 40) + String(repeating: "-", count: 6))
        #expect(lines[2].hasPrefix("healthy 15 < 17  in all 20 <= 23"))
        #expect(try Self.render(old: (0, 0), new: (20, 20), width: 46, height: 1).count == 1)
        #expect(try Self.render(old: (0, 0), new: (20, 20), width: 46, height: 2)[1].hasPrefix("healthy 20 >= 17"))
    }

    @Test func neverTrapsAtTinySizes() throws {
        for width in 0...8 {
            for height in 0...3 { _ = try Self.render(old: (20, 17), new: (3, 1), width: width, height: height) }
        }
    }
}
