import Dispatch
import Foundation
import RollwatchCore

/// Runs a `SchedulerCore` on the wall clock, for drivers whose events come from the real world (the local
/// driver's processes and probes): it sleeps until the next timer is due or the driver nudges it, then lets the
/// driver report what happened and carries out what is due. The core's time is seconds since `start`.
public final class WallClockLoop: Sendable {
    private let wakeUp = DispatchSemaphore(value: 0)
    private let start = ContinuousClock.now

    public init() {}

    /// Seconds since the loop was made.
    public var now: Double {
        start.duration(to: .now).inSeconds
    }

    /// Wakes the loop (from any thread): the driver has something to report.
    public func nudge() {
        wakeUp.signal()
    }

    /// Advances `core` with the wall clock, handing each batch of events to `output`, until `done` says so,
    /// `deadline` (seconds since the start) passes, or `interrupted` does. It looks at `interrupted` at least every
    /// `checkEvery` seconds. Returns false when it stopped at the deadline.
    public func run(_ core: SchedulerCore, deadline: Double, checkEvery: Double = 0.2, until done: (SchedulerCore) -> Bool,
                    interrupted: () -> Bool = { false }, output: ([RolloutEvent]) -> Void) -> Bool {
        core.pollDriver(at: now)
        output(core.takeEvents())
        while !done(core) && !interrupted() {
            let current = now
            guard current < deadline else { return false }
            let next = min(core.nextEventTime ?? .infinity, deadline, current + checkEvery)
            if next > current { _ = wakeUp.wait(timeout: .now() + (next - current)) }
            core.pollDriver(at: min(now, deadline))
            output(core.takeEvents())
        }
        return true
    }
}
