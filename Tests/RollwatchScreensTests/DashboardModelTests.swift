import RollwatchCore
import RollwatchScreens
import Testing

/// The dashboard's model folded from a real upgrade's events: versions, progress, time left, health over time.
@Suite struct DashboardModelTests {
    @Test func versionsAreLabelledInTheOrderTheyAppearAndTheRollBackSwapsThem() throws {
        var fixture = try DashboardFixture()
        #expect(fixture.model.label(of: DashboardFixture.currentVersion) == "v1")
        #expect(fixture.model.oldVersion == DashboardFixture.currentVersion && fixture.model.newVersion == nil)
        fixture.upgrade()
        fixture.run(to: 16)
        #expect(fixture.model.label(of: DashboardFixture.targetVersion) == "v2")
        #expect(fixture.model.newVersion == DashboardFixture.targetVersion)
        fixture.abort(rollBack: true)
        fixture.run(to: 20)
        #expect(fixture.model.oldVersion == DashboardFixture.targetVersion && fixture.model.newVersion == DashboardFixture.currentVersion)
        #expect(fixture.model.label(of: "never seen") == "never seen")
    }

    @Test func elapsedAndTimeLeftFollowThePace() throws {
        var fixture = try DashboardFixture()
        fixture.model.pendingPrediction = 32
        fixture.upgrade()
        #expect(fixture.model.predictedDuration == 32 && fixture.model.pendingPrediction == nil)
        #expect(fixture.model.remaining == 32, "before any new instance is healthy, the prediction")
        fixture.run(to: 16)
        let totals = try #require(fixture.model.totals)
        let remaining = try #require(fixture.model.remaining)
        #expect(fixture.model.elapsed == 16)
        #expect(abs(remaining - 16.0 / Double(totals.new.healthy) * Double(20 - totals.new.healthy)) < 1e-9)
        fixture.run(to: 600, untilDone: true)
        #expect(fixture.model.remaining == nil && fixture.model.fleet.phase == .succeeded)
        let elapsed = try #require(fixture.model.elapsed)
        fixture.run(to: fixture.core.now + 100)
        #expect(fixture.model.elapsed == elapsed, "the clock of a finished deployment stops")
    }

    @Test func theLogKeepsTheNewestEntriesAndSamplesAreThinnedNotDropped() throws {
        var fixture = try DashboardFixture()
        fixture.upgrade()
        fixture.run(to: 600, untilDone: true)
        let model = fixture.model
        #expect(model.log.count <= DashboardModel.logLimit)
        #expect(model.log.last?.text == "deployment done")
        #expect(model.samples.count <= DashboardModel.sampleLimit)
        #expect(model.samples.first.map { $0.old == 20 || $0.old == 17 } == true)
        #expect(model.samples.last.map { $0.new == 20 && $0.old == 0 } == true)
        #expect(zip(model.samples, model.samples.dropFirst()).allSatisfy { $0.time < $1.time })
    }

    @Test func endedInstancesLeaveTheGridAfterAWhileOnTheClock() throws {
        var fixture = try DashboardFixture()
        fixture.upgrade()
        fixture.run(to: 600, untilDone: true)
        fixture.run(to: fixture.core.now + 1)
        #expect(fixture.model.fleet.orderedInstances.contains { $0.isTerminal })
        fixture.run(to: fixture.core.now + 30)
        #expect(!fixture.model.fleet.orderedInstances.contains { $0.isTerminal })
        #expect(fixture.model.fleet.orderedInstances.count == 20)
    }

    @Test func theBuiltInDefaultThemeIsTheShippedFile() throws {
        let shipped = try String(contentsOfFile: DashboardFixture.packageRoot + "/Themes/default-dark.theme", encoding: .utf8)
        #expect(BuiltinTheme.defaultDarkText == shipped)
        let library = ThemeLibrary(files: [try BuiltinTheme.defaultDarkFile()])
        #expect(try library.theme(named: "default-dark") == DashboardFixture.theme)
    }
}
