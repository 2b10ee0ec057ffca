import RollwatchCore
import Testing

/// Marathon's health check rules (reference/marathon-semantics.md §4.2).
@Suite struct HealthTrackerTests {
    static let http = HealthCheckTiming(gracePeriodSeconds: 30, intervalSeconds: 10, timeoutSeconds: 5, maxConsecutiveFailures: 3)

    @Test func firstProbeComesAfterTheShorterOfIntervalAndFiveSeconds() {
        let slow = HealthTracker(checks: [HealthCheckTiming(intervalSeconds: 60)], runningSince: 100)
        #expect(slow.probeTime(check: 0, probe: 0) == 105)
        #expect(slow.probeTime(check: 0, probe: 1) == 165)
        let fast = HealthTracker(checks: [HealthCheckTiming(intervalSeconds: 2)], runningSince: 100)
        #expect((0..<3).map { fast.probeTime(check: 0, probe: $0) } == [102, 104, 106])
        let mesos = HealthTracker(checks: [HealthCheckTiming(intervalSeconds: 10, isMesosLevel: true, delaySeconds: 15)], runningSince: 0)
        #expect(mesos.probeTime(check: 0, probe: 0) == 15)
    }

    @Test func failuresBeforeTheFirstSuccessAreIgnoredDuringGrace() {
        var tracker = HealthTracker(checks: [Self.http], runningSince: 0)
        #expect(tracker.record(.unhealthy(cause: "connection refused"), check: 0, at: 5) == [])
        #expect(tracker.record(.unhealthy(cause: "connection refused"), check: 0, at: 29) == [])
        #expect(tracker.healthy == nil)
        #expect(tracker.record(.unhealthy(cause: "connection refused"), check: 0, at: 31) ==
                [.failedCheck(check: 0, cause: "connection refused"), .healthChanged(false)])
        #expect(tracker.records[0]?.consecutiveFailures == 1)
    }

    @Test func afterTheFirstSuccessFailuresCountEvenInGrace() {
        var tracker = HealthTracker(checks: [Self.http], runningSince: 0)
        #expect(tracker.record(.healthy, check: 0, at: 5) == [.aliveChanged(check: 0, alive: true), .healthChanged(true)])
        #expect(tracker.record(.unhealthy(cause: "503"), check: 0, at: 15) ==
                [.failedCheck(check: 0, cause: "503"), .aliveChanged(check: 0, alive: false), .healthChanged(false)])
        #expect(tracker.record(.healthy, check: 0, at: 25) == [.aliveChanged(check: 0, alive: true), .healthChanged(true)])
        #expect(tracker.records[0]?.consecutiveFailures == 0)
        #expect(tracker.records[0]?.firstSuccess == 5 && tracker.records[0]?.lastSuccess == 25)
    }

    @Test func theDefaultThreeKillsOnTheFourthFailure() {
        var tracker = HealthTracker(checks: [Self.http], runningSince: 0)
        let failures = (1...4).map { tracker.record(.unhealthy(cause: "503"), check: 0, at: 30 + Double($0) * 10) }
        #expect(failures.map { $0.contains(.kill(reason: "503")) } == [false, false, false, true])
        #expect(tracker.isKilled)
        #expect(tracker.record(.unhealthy(cause: "503"), check: 0, at: 100) == [], "a killed instance is not probed further")
    }

    @Test func mesosLevelChecksKillWhenTheCountReachesTheLimit() {
        var tracker = HealthTracker(checks: [HealthCheckTiming(gracePeriodSeconds: 0, maxConsecutiveFailures: 3, isMesosLevel: true)], runningSince: 0)
        let failures = (1...3).map { tracker.record(.unhealthy(cause: "exit 1"), check: 0, at: Double($0)) }
        #expect(failures.map { $0.contains(.kill(reason: "exit 1")) } == [false, false, true])
    }

    @Test func zeroNeverKills() {
        var tracker = HealthTracker(checks: [HealthCheckTiming(gracePeriodSeconds: 0, maxConsecutiveFailures: 0)], runningSince: 0)
        let effects = (1...50).flatMap { tracker.record(.unhealthy(cause: "x"), check: 0, at: Double($0)) }
        #expect(!effects.contains(.kill(reason: "x")))
        #expect(tracker.records[0]?.consecutiveFailures == 50)
    }

    @Test func severalChecksAreHealthyOnlyWhenAllAreAliveAndUnknownUntilEachAnswers() {
        var tracker = HealthTracker(checks: [Self.http, Self.http], runningSince: 0)
        #expect(tracker.record(.healthy, check: 0, at: 5) == [.aliveChanged(check: 0, alive: true)])
        #expect(tracker.healthy == nil)
        #expect(tracker.record(.unhealthy(cause: "x"), check: 1, at: 40) == [.failedCheck(check: 1, cause: "x"), .healthChanged(false)])
        #expect(tracker.record(.healthy, check: 1, at: 50) == [.aliveChanged(check: 1, alive: true), .healthChanged(true)])
    }

    @Test func ignoredAnswersChangeNothing() {
        var tracker = HealthTracker(checks: [Self.http], runningSince: 0)
        #expect(tracker.record(.ignored, check: 0, at: 40) == [])
        #expect(tracker.records[0] == nil)
    }
}
