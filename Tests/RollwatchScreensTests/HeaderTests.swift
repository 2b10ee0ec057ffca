import RollwatchCore
import RollwatchScreens
import RollwatchTUI
import Testing

/// The header line: what it says, and what gives way when the terminal is narrow.
@Suite struct HeaderTests {
    static func render(_ badge: StateBadge, width: Int, new: String? = "v2", theme: Theme? = nil) throws -> String {
        let theme = try theme ?? InstanceGridTests.theme
        let header = Header(app: "/python-web", strategy: "rolling 0.85 / 0.15", versions: ("v1", new), badge: badge,
                            driver: Header.driverLabel("SIM", speed: 10, theme: theme), clock: 65, theme: theme)
        var buffer = CellBuffer(width: width, height: 1)
        header.draw(in: buffer.area, on: &buffer)
        return buffer.trimmedLines[0]
    }

    @Test func wideHeadersSayEverythingAndNarrowOnesKeepTheBadge() throws {
        let wide = try Self.render(.live, width: 80)
        #expect(wide == "/python-web  v1 > v2  rolling 0.85 / 0.15                LIVE   SIM x10  0:01:05")
        #expect(wide.count == 80)
        #expect(try Self.render(.paused, width: 50) == "/python-web  v1 > v2     PAUSED   SIM x10  0:01:05")
        let rolledBack = try Self.render(.rolledBack, width: 40)
        #expect(rolledBack == "/python-web        ROLLED BACK   SIM x10")
        #expect(rolledBack.count == 40)
        #expect(try Self.render(.done, width: 24) == "/python-web        DONE")
        #expect(try Self.render(.failed, width: 8) == " FAILED")
        #expect(try Self.render(.ready, width: 80, new: nil).hasPrefix("/python-web  v1  rolling"))
        for width in 0...30 { _ = try Self.render(.rolledBack, width: width) }
    }

    @Test func theBadgeFollowsThePhaseAndTheRollBack() {
        #expect(StateBadge(phase: .idle, rolledBack: false) == .ready)
        #expect(StateBadge(phase: .running, rolledBack: false) == .live)
        #expect(StateBadge(phase: .paused, rolledBack: false) == .paused)
        #expect(StateBadge(phase: .succeeded, rolledBack: false) == .done)
        #expect(StateBadge(phase: .failed(reason: "x"), rolledBack: false) == .failed)
        #expect(StateBadge(phase: .succeeded, rolledBack: true) == .rolledBack)
        #expect(Set(StateBadge.allCases.map(\.slot)).count == StateBadge.allCases.count)
    }

    @Test func theSpeedIsWrittenAsAMultiplier() throws {
        let unicode = try ThemeLibrary.load(directories: [ThemeTests.shippedThemes]).theme(named: "default-dark")
        #expect(Header.driverLabel("SIM", speed: 10, theme: unicode) == "SIM ×10")
        #expect(Header.driverLabel("SIM", speed: 0.5, theme: unicode) == "SIM ×0.5")
        #expect(Header.driverLabel("SIM", speed: nil, theme: unicode) == "SIM max")
    }
}
