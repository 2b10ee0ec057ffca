/// Marathon's `computeRestartStrategy` (TaskReplaceActor): how many old instances a restart kills at once, and
/// how many instances may be alive together while it runs.
public struct RestartStrategy: Sendable, Hashable {
    /// `ceil(N × minimumHealthCapacity)`: healthy instances the restart keeps.
    public var minHealthy: Int
    /// `floor(N × (1 + maximumOverCapacity))`: the most instances alive at once. When it equals `minHealthy`
    /// and the fleet is at least that large, Marathon allows one more (a normal app) or instead kills one more at
    /// the start (a resident app, which cannot go over capacity).
    public var maxCapacity: Int
    /// Old instances killed as soon as the restart starts.
    public var killImmediately: Int

    /// Computes the strategy exactly as Marathon 1.10 does.
    /// - Parameters:
    ///   - instances: the target instance count N. Marathon never restarts with N = 0 (that is a scale to zero).
    ///   - healthyCount: instances whose goal is running and that count as healthy now.
    ///   - currentCount: every instance of the run spec now, any version and state.
    public init(instances: Int, strategy: UpgradeStrategy, isResident: Bool, healthyCount: Int, currentCount: Int) {
        let minHealthy = strategy.minimumHealthy(instances: instances)
        var maxCapacity = strategy.maximumCapacity(instances: instances)
        var killImmediately = max(0, healthyCount - minHealthy)
        if minHealthy == maxCapacity && maxCapacity <= healthyCount {
            if isResident {
                killImmediately = healthyCount - minHealthy + 1
            } else {
                maxCapacity += 1
            }
        }
        if instances < currentCount {
            killImmediately = max(currentCount - instances, killImmediately)
        }
        self.minHealthy = minHealthy
        self.maxCapacity = maxCapacity
        self.killImmediately = killImmediately
    }

    /// The strategy for a steady fleet: all N instances running and healthy.
    public init(steady spec: RunSpec) {
        self.init(instances: spec.instances, strategy: spec.upgradeStrategy, isResident: spec.isResident,
                  healthyCount: spec.instances, currentCount: spec.instances)
    }
}
