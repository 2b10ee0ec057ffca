import ArgumentParser
import Foundation
import RollwatchCore
import RollwatchLocal
import RollwatchScheduler
import RollwatchTerminal
import Synchronization

/// Passes the local driver's nudges on to whoever runs the scheduler: the wall-clock loop of `run`, or the
/// dashboard's scheduler actor once it exists (whose target merges nudges that come while one is on its way).
final class NudgeRelay: Sendable {
    private let target = Mutex<(@Sendable () -> Void)?>(nil)

    /// Sends the nudges to `action` from now on.
    func send(to action: @escaping @Sendable () -> Void) {
        target.withLock { $0 = action }
    }

    func nudge() {
        target.withLock { $0 }?()
    }
}

/// Which driver carries the deployment out.
enum DriverKind: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// The simulated cluster, on a virtual clock.
    case sim
    /// Real processes on this machine, in real time.
    case local
}

/// A range of host ports on the command line: `31000-32000`.
struct PortRangeArgument: ExpressibleByArgument, Sendable {
    let range: ClosedRange<Int>

    init?(argument: String) {
        let bounds = argument.split(separator: "-", omittingEmptySubsequences: false)
        guard bounds.count == 2, let low = Int(bounds[0]), let high = Int(bounds[1]), 1_024 <= low, low <= high, high <= 65_535 else { return nil }
        range = low...high
    }

    static var defaultCompletionKind: CompletionKind { .default }
}

/// A deployment ready to run for real on this machine: definitions read and checked for what the local driver
/// can run, the driver and its wall clock made, and the scheduler built with nothing running yet. `start()`
/// brings APP.json's instances up; `deploy()` then starts the change.
final class LocalSetup {
    let core: SchedulerCore
    let driver: LocalDriver
    let loop: WallClockLoop
    let current: GroupDefinition
    let target: GroupDefinition
    let restartAll: Bool
    /// The wall-clock time of the loop's start, in seconds since 1970, for the events' timestamps.
    let epoch: Double
    /// Where the driver's nudges go: the loop at first.
    let relay = NudgeRelay()

    static let currentVersion = SimulationSetup.currentVersion
    static let targetVersion = SimulationSetup.targetVersion

    init(appPath: String, toPath: String?, strategy: any RolloutStrategy, ports: ClosedRange<Int> = 31_000...32_000) throws(InputError) {
        current = try SimulationSetup.readRoot(appPath)
        target = try toPath.map(SimulationSetup.readRoot) ?? current
        restartAll = toPath == nil
        var problems = Self.problems(current, file: appPath)
        if let toPath { problems += Self.problems(target, file: toPath) }
        guard problems.isEmpty else { throw InputError(lines: problems) }
        let loop = WallClockLoop()
        self.loop = loop
        relay.send { loop.nudge() }
        do {
            driver = try LocalDriver(options: LocalDriverOptions(ports: ports, sandboxRoot: LocalDriverOptions.defaultSandboxRoot()),
                                     nudge: { [relay] in relay.nudge() })
        } catch {
            throw InputError(lines: ["the local driver cannot start: \(error)"])
        }
        epoch = Date().timeIntervalSince1970 - loop.now
        core = SchedulerCore(root: GroupDefinition(id: .root), versions: [:], driver: driver, strategy: strategy)
    }

    /// What the local driver cannot run, one line each, naming the file and the app: pods, and Docker apps without
    /// a command (images are not pulled here).
    static func problems(_ root: GroupDefinition, file: String) -> [String] {
        var lines: [String] = []
        for spec in root.transitiveRunSpecs {
            switch spec {
            case .pod(let pod):
                lines.append("\(file): \(pod.id): pods do not run on the local driver; run them with --driver sim")
            case .app(let app) where LocalDriver.command(of: app) == nil:
                let image = app.image.map { " (its image \($0) cannot be pulled here)" } ?? ""
                lines.append("\(file): \(app.id): expected a cmd or args to run on this machine\(image); add \"cmd\" to the app")
            case .app:
                break
            }
        }
        return lines
    }

    /// The deployment that starts APP.json's instances from nothing, with their version.
    var startDeployment: (target: GroupDefinition, versions: [PathId: String]) {
        (current, Dictionary(current.transitiveRunSpecs.map { ($0.id, Self.currentVersion) }, uniquingKeysWith: { first, _ in first }))
    }

    /// Starts APP.json's instances and waits (at most `timeout` seconds) until they are all running and healthy;
    /// false, after saying why on standard error, when they do not get there or a signal arrives.
    func start(timeout: Double) -> Bool {
        let count = current.transitiveRunSpecs.reduce(0) { $0 + $1.instances }
        printError("starting \(count) instance\(count == 1 ? "" : "s") of the current definitions on this machine (sandboxes in \(driver.options.sandboxRoot))")
        var told: Set<String> = []
        for case .app(let app) in current.transitiveRunSpecs + target.transitiveRunSpecs {
            guard let image = app.image, told.insert("\(app.id) \(image)").inserted else { continue }
            printError("note: images are not pulled here: \(app.id) runs its cmd on this machine instead of \(image)")
        }
        let (start, versions) = startDeployment
        core.deploy(start, newVersions: versions)
        _ = core.takeEvents()
        let finished = loop.run(core, deadline: loop.now + timeout, until: { $0.deployment == nil },
                                interrupted: { ProcessSignals.received != nil }) { _ in }
        if ProcessSignals.received != nil { return false }
        guard finished, core.outcome == .succeeded else {
            printError("the current definitions did not come up within \(EventEncoder.fixed(timeout, digits: 0)) s: \(progressSummary(core))")
            return false
        }
        return true
    }

    /// Starts the deployment to the target; false when the target is what already runs.
    func deploy() -> Bool {
        let versions = Dictionary(target.transitiveRunSpecs.map { ($0.id, Self.targetVersion) }, uniquingKeysWith: { first, _ in first })
        if case .nothingToDo = core.deploy(target, newVersions: versions, restartAll: restartAll) { return false }
        return true
    }

    /// Runs the deployment in real time until it ends, waits for a promotion, times out (`timeout` seconds from
    /// now) or a signal arrives. A deployment waiting to be promoted is promoted at once with `promote`.
    func run(timeout: Double, promote: Bool, output: ([RolloutEvent]) -> Void) -> SimulationEnding {
        let deadline = loop.now + timeout
        while true {
            let done = loop.run(core, deadline: deadline, until: { $0.deployment == nil || !$0.awaitingPromotion.isEmpty },
                                interrupted: { ProcessSignals.received != nil }, output: output)
            if let signalNumber = ProcessSignals.received {
                core.pause()
                output(core.takeEvents())
                return .interrupted(signal: signalNumber)
            }
            guard done else { return .timedOut }
            if core.deployment == nil { return .ended(core.outcome ?? .succeeded) }
            guard promote else { return .awaitingPromotion }
            core.promote()
            output(core.takeEvents())
        }
    }
}

extension Run {
    /// `run --driver local`: brings APP.json up as real processes, deploys the change in real time, prints its
    /// events as they happen, then stops every instance.
    func runLocal() throws {
        if simulation.scenario != nil { throw ValidationError("--scenario describes a simulated cluster; it does not apply to --driver local") }
        let strategy = try simulation.deployment.strategy()
        let setup: LocalSetup
        do throws(InputError) {
            setup = try LocalSetup(appPath: simulation.app, toPath: simulation.to, strategy: strategy,
                                   ports: simulation.ports?.range ?? 31_000...32_000)
        } catch {
            error.lines.forEach(printError)
            throw ExitCode(ExitCodes.badInput)
        }
        ProcessSignals.install()
        defer { setup.driver.shutdown() }
        guard setup.start(timeout: simulation.timeout.seconds) else {
            if let signalNumber = ProcessSignals.received { throw ExitCode(signalNumber == SIGTERM ? 143 : 130) }
            throw ExitCode(ExitCodes.timedOut)
        }
        simulation.deployment.apply(to: setup.core)
        guard setup.deploy() else {
            printError("nothing to deploy: \(simulation.to ?? simulation.app) is what runs")
            return
        }
        let printer = EventPrinter(format: output, epoch: setup.epoch, streaming: true)
        let ending = setup.run(timeout: simulation.timeout.seconds, promote: onPause == .success) { printer.print($0) }
        printer.flush()
        try conclude(ending, core: setup.core, clock: "")
    }
}
