import RollwatchCore
import Testing

/// Marathon's restart arithmetic (reference/marathon-semantics.md §1.2), including its special cases.
@Suite struct RestartStrategyTests {
    @Test(arguments: [
        // instances, mhc, moc, resident, healthy, current -> minHealthy, maxCapacity, killNow
        (20, 0.85, 0.15, false, 20, 20, 17, 23, 3),
        (3, 1.0, 1.0, false, 3, 3, 3, 6, 0),
        (3, 0.7, 0.0, false, 3, 3, 3, 4, 0),     // ceil(2.1) = 3 == floor(3) = 3: one extra instance allowed
        (3, 1.0, 0.0, true, 3, 3, 3, 3, 1),      // resident: kill one below minHealthy instead
        (3, 0.5, 0.0, true, 3, 3, 2, 3, 1),
        (10, 0.0, 0.0, false, 10, 10, 0, 10, 10),
        (3, 0.0, 0.3, false, 3, 3, 0, 3, 3),      // 3 × 1.3 = 3.9000000000000004, truncated to 3
        (4, 0.5, 0.5, false, 2, 4, 2, 6, 0),      // two unhealthy: only healthy ones above minHealthy die at once
        (4, 0.5, 0.5, false, 6, 6, 2, 6, 4),      // two extra instances from an earlier deployment
        (5, 1.0, 0.2, false, 7, 7, 5, 6, 2),
    ] as [(Int, Double, Double, Bool, Int, Int, Int, Int, Int)])
    func computesAsMarathonDoes(_ c: (Int, Double, Double, Bool, Int, Int, Int, Int, Int)) {
        let strategy = RestartStrategy(instances: c.0, strategy: UpgradeStrategy(minimumHealthCapacity: c.1, maximumOverCapacity: c.2),
                                       isResident: c.3, healthyCount: c.4, currentCount: c.5)
        #expect(strategy.minHealthy == c.6)
        #expect(strategy.maxCapacity == c.7)
        #expect(strategy.killImmediately == c.8)
    }
}
