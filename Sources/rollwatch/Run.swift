import ArgumentParser
import Foundation
import RollwatchCore
import RollwatchScheduler
import RollwatchSim
import RollwatchTerminal

/// `rollwatch run APP.json --to NEW.json`: deploys the difference on the simulated cluster without a screen,
/// printing one line (or one JSON object) per event, and exits with a code that says how it ended.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a deployment headless on the simulated cluster and print its events.",
        discussion: """
            Without --to, every app is restarted as it is (a rolling restart). Exit codes: 0 done, all new \
            instances healthy; 1 failed (nothing left that could make progress); 2 aborted or rolled back; 3 timed \
            out; 4 paused awaiting promotion (see --on-pause); 64 bad input; 130 interrupted by SIGINT, 143 by SIGTERM (the deployment is paused and the output flushed).
            """)

    /// How events are printed.
    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case text, jsonl
    }

    @OptionGroup var simulation: SimulationOptions

    @Option(help: "text: one key=value line per event; jsonl: one JSON object per event.")
    var output: OutputFormat = .text

    @Option(help: "Simulated seconds per wall second, 1 to 1000, or max.")
    var speed: SpeedArgument = .max

    /// What to do when a deployment waits to be promoted.
    enum OnPause: String, ExpressibleByArgument, CaseIterable {
        case success, wait, fail
    }

    @Option(help: ArgumentHelp("When a deployment waits to be promoted: success promotes it, wait waits (until --timeout), fail "
                               + "exits 1. Without it: exit 4."))
    var onPause: OnPause?

    func validate() throws {
        if simulation.driver == .sim && simulation.ports != nil {
            throw ValidationError("--ports applies to --driver local: simulated instances take no real ports")
        }
        if simulation.driver == .local && speed != .max {
            throw ValidationError("--speed applies to the simulated cluster; the local driver runs in real time")
        }
    }

    func run() throws {
        if simulation.driver == .local { return try runLocal() }
        let setup = try simulation.makeSetup()
        ProcessSignals.install()
        let printer = EventPrinter(format: output)
        guard simulation.deploy(setup) else { return }
        let core = setup.core
        let ending = simulate(core, timeout: simulation.timeout.seconds, pacing: Pacing(speed: speed), promote: onPause == .success) {
            printer.print($0)
        }
        printer.flush()
        try conclude(ending, core: core, clock: "of simulated time")
    }

    /// Says how the deployment ended, on standard error, and exits with the code for it. `clock` qualifies times
    /// (`of simulated time`, or nothing for real time).
    func conclude(_ ending: SimulationEnding, core: SchedulerCore, clock: String) throws {
        let timeout = simulation.timeout
        let clock = clock.isEmpty ? "" : " " + clock
        if let failure = core.failure {
            let rolledBack = if case .rolledBack(completed: true) = core.outcome { true } else { false }
            printError("failed at t=\(EventEncoder.fixed(core.now, digits: 3)): \(failure)" + (rolledBack ? "; rolled back" : ""))
            throw ExitCode(ExitCodes.failed)
        }
        switch ending {
        case .interrupted(let signalNumber):
            printError("interrupted at t=\(EventEncoder.fixed(core.now, digits: 3)): the deployment is paused")
            throw ExitCode(signalNumber == SIGTERM ? 143 : 130)
        case .stalled:
            printError("failed at t=\(EventEncoder.fixed(core.now, digits: 3)): nothing more can happen; \(stallReason(core))")
            throw ExitCode(ExitCodes.failed)
        case .awaitingPromotion:
            let apps = core.awaitingPromotion.map(\.description).joined(separator: ", ")
            switch onPause {
            case .wait?:
                printError("timed out after \(EventEncoder.fixed(timeout.seconds, digits: 0)) s\(clock): \(apps) waits to be promoted")
                throw ExitCode(ExitCodes.timedOut)
            case .fail?:
                printError("failed at t=\(EventEncoder.fixed(core.now, digits: 3)): \(apps) waits to be promoted (--on-pause fail)")
                throw ExitCode(ExitCodes.failed)
            case .success?, nil:
                printError("paused at t=\(EventEncoder.fixed(core.now, digits: 3)): \(apps) waits to be promoted "
                           + "(promote with > in the dashboard, or run with --on-pause success)")
                throw ExitCode(ExitCodes.awaitingPromotion)
            }
        case .timedOut:
            printError("timed out after \(EventEncoder.fixed(timeout.seconds, digits: 0)) s\(clock): \(progressSummary(core))")
            throw ExitCode(ExitCodes.timedOut)
        case .ended(.succeeded):
            printError("deployment done in \(EventEncoder.fixed(core.now, digits: 1)) s\(clock)")
        case .ended:
            printError("deployment aborted at t=\(EventEncoder.fixed(core.now, digits: 1))")
            throw ExitCode(ExitCodes.aborted)
        }
    }

}

/// How a simulated deployment ended.
enum SimulationEnding: Equatable {
    case ended(SchedulerCore.Outcome)
    /// Nothing more can happen and the deployment is not done.
    case stalled
    case timedOut
    /// A signal arrived; the deployment is paused.
    case interrupted(signal: Int32)
    /// Nothing more happens until someone promotes the deployment (blue-green without auto-promotion).
    case awaitingPromotion
}

/// Runs the deployment in progress on the simulated clock until it ends, stalls, times out or is interrupted,
/// handing each batch of events to `output`. With pacing, simulated time follows the wall clock at the chosen
/// speed. A deployment that waits to be promoted is promoted at once with `promote`, else the run ends there.
func simulate(_ core: SchedulerCore, timeout: Double, pacing: Pacing?, promote: Bool = false,
              output: ([RolloutEvent]) -> Void) -> SimulationEnding {
    output(core.takeEvents())
    while core.deployment != nil {
        if let signalNumber = ProcessSignals.received {
            core.pause()
            output(core.takeEvents())
            return .interrupted(signal: signalNumber)
        }
        guard let next = core.nextEventTime else {
            guard !core.awaitingPromotion.isEmpty else { return .stalled }
            guard promote else { return .awaitingPromotion }
            core.promote()
            output(core.takeEvents())
            continue
        }
        guard next <= timeout else {
            core.advance(to: timeout)
            output(core.takeEvents())
            return .timedOut
        }
        if let pacing, !pacing.wait(until: next) { continue }
        core.advance(to: next)
        output(core.takeEvents())
    }
    return .ended(core.outcome ?? .succeeded)
}

/// Why a deployment with nothing left to happen cannot finish: instances that wait for an agent, mostly.
func stallReason(_ core: SchedulerCore) -> String {
    let waiting = core.unplaceableInstances
    if let reason = waiting.first?.reason {
        return "\(waiting.count) instance\(waiting.count == 1 ? "" : "s") cannot be placed (\(reason))"
    }
    return progressSummary(core)
}

/// New instances healthy and old ones left, per run spec of the running step.
func progressSummary(_ core: SchedulerCore) -> String {
    guard let deployment = core.deployment else { return "the deployment ended" }
    let ids = deployment.plan.steps[deployment.stepIndex].actions.map(\.runSpec.id)
    return ids.map { id in
        let progress = core.progress(of: id)
        return "\(id): \(progress.new.healthy) of \(progress.target) new instances healthy, \(progress.old.alive) old left"
    }.joined(separator: "; ")
}

/// Paces simulated time against the wall clock: at `factor`×, simulated second t is reached at wall second t/factor.
struct Pacing {
    let speed: SpeedArgument
    let start = ContinuousClock.now

    /// Sleeps until simulated time `time` is due, in slices short enough to notice an interrupt; false when an
    /// interrupt arrived first.
    func wait(until time: Double) -> Bool {
        guard case .factor(let factor) = speed else { return true }
        let due = start + .milliseconds(Int64(time / factor * 1_000))
        while ContinuousClock.now < due {
            if ProcessSignals.received != nil { return false }
            let left = due - ContinuousClock.now
            let slice = min(left, .milliseconds(100))
            if slice > .zero { Thread.sleep(forTimeInterval: slice.inSeconds) }
        }
        return true
    }
}

/// Writes events to standard output in the chosen format, buffered, flushed at the end and on interrupt.
final class EventPrinter {
    private let format: Run.OutputFormat
    private let encoder: EventEncoder
    /// Real time: every batch is written at once, for whoever follows the output.
    private let streaming: Bool
    private var buffer = ""

    /// A printer whose timestamps count from `epoch` (the simulated clock's start by default); `streaming`
    /// writes every batch at once.
    init(format: Run.OutputFormat, epoch: Double = SchedulerCore.epoch, streaming: Bool = false) {
        self.format = format
        encoder = EventEncoder(epoch: epoch)
        self.streaming = streaming
    }

    func print(_ events: [RolloutEvent]) {
        for event in events {
            switch format {
            case .text: buffer += encoder.text(event)
            case .jsonl: buffer += JSONWriter.compact(encoder.json(event))
            }
            buffer += "\n"
        }
        if streaming || buffer.utf8.count > 1 << 16 { flush() }
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        // A reader that has gone (`| head`) loses the rest; the deployment goes on to its end and its clean-up.
        try? FileHandle.standardOutput.write(contentsOf: Data(buffer.utf8))
        buffer = ""
    }
}
