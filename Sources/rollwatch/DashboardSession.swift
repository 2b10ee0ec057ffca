import Foundation
import RollwatchCore
import RollwatchLocal
import RollwatchScheduler
import RollwatchScreens
import RollwatchSim
import RollwatchTerminal
import RollwatchTUI
import Synchronization

/// What the scheduler's side hands the dashboard loop: the model folded from its updates, a revision that moves
/// when something on screen would change, and answers to the loop's requests (upgrade plans). Written by
/// background tasks, read by the loop on the main thread.
final class DashboardFeed: Sendable {
    /// An answer for the loop, to the plan request it names.
    enum Answer: Sendable {
        /// The plan of an upgrade or restart, and the definitions it deploys.
        case preview(UpgradePreview, target: GroupDefinition, request: Int)
        case previewFailed(String, request: Int)
    }

    /// What the feed holds, behind its lock.
    private struct State {
        var model: DashboardModel
        var revision = 0
        var answers: [Answer] = []
        /// The simulated time of the last update and the wall-clock moment it came: the clock on screen runs on
        /// from there at the speed, between updates (the scheduler sends none while nothing happens).
        var anchor: (time: Double, wall: ContinuousClock.Instant) = (0, .now)
    }

    private let state: Mutex<State>
    /// How long (simulated seconds) an ended instance stays in the grid.
    static let endedInstancesKeptFor = 15.0

    init(model: DashboardModel) {
        state = Mutex(State(model: model))
    }

    /// Folds in a scheduler update.
    func apply(_ update: SchedulerUpdate) {
        state.withLock { state in
            let speed: Double? = if case .factor(let factor) = update.speed { factor } else { nil }
            var changed = !update.events.isEmpty || speed != state.model.speed
            state.model.apply(update.events, time: update.time)
            state.model.speed = speed
            state.anchor = (update.time, .now)
            let rolledBack = if case .rolledBack = update.outcome { true } else { false }
            changed = changed || rolledBack != state.model.rolledBack
            state.model.rolledBack = rolledBack
            if changed { state.revision += 1 }
        }
    }

    /// Posts an answer for the loop.
    func post(_ answer: Answer) {
        state.withLock { state in
            state.answers.append(answer)
            state.revision += 1
        }
    }

    /// The prediction of the deployment just asked for, shown as its ETA until its own pace is known.
    func setPendingPrediction(_ duration: Double?) {
        state.withLock { $0.model.pendingPrediction = duration }
    }

    /// The revision now, cheap enough to ask on every pass of the loop.
    var revision: Int { state.withLock { $0.revision } }

    /// The simulated time now: the last update's, run on at the speed since it came.
    func clock(at wall: ContinuousClock.Instant) -> Double {
        state.withLock { state in
            guard let speed = state.model.speed else { return state.model.clock }
            let elapsed = state.anchor.wall.duration(to: wall).inSeconds
            return max(state.model.clock, state.anchor.time + max(0, elapsed) * speed)
        }
    }

    /// Brings the model's clock to `time`, forgetting instances that ended long enough before it.
    func advanceClock(to time: Double) {
        state.withLock { state in
            let before = state.model.entries.count
            state.model.apply([], time: time)
            state.model.forgetTerminal(olderThan: Self.endedInstancesKeptFor)
            if state.model.entries.count != before { state.revision += 1 }
        }
    }

    /// The model and the answers waiting, which are handed over once.
    func take() -> (model: DashboardModel, revision: Int, answers: [Answer]) {
        state.withLock { state in
            defer { state.answers.removeAll() }
            return (state.model, state.revision, state.answers)
        }
    }
}

/// Whether a poll of the driver is already on its way to the scheduler, so that a burst of nudges makes one.
final class PendingPoll: Sendable {
    private let busy = Mutex(false)

    /// True when no poll was on its way (one is now).
    func begin() -> Bool {
        busy.withLock { busy in
            defer { busy = true }
            return !busy
        }
    }

    /// The poll is about to run: a nudge from now on needs another.
    func end() {
        busy.withLock { $0 = false }
    }
}

/// One dashboard run: the scheduler on a background task, the terminal and the keys on the main thread, the
/// screens in between. `run()` returns the exit status.
struct DashboardSession {
    /// What the command line chose.
    struct Options: Sendable {
        var appPath: String
        var toPath: String?
        var scenarioPath: String?
        var seed: UInt64?
        var speed: Double
        var timeLapse: Double
        var strategy: any RolloutStrategy
        var theme: Theme
        var ascii: Bool
        var noColor: Bool
        var environment: [String: String]
        /// Real processes (`--driver local`) rather than the simulated cluster.
        var driver: DriverKind = .sim
    }

    /// The longest the loop waits for a key, in milliseconds: frames come at most this often while things move.
    static let frameIntervalMilliseconds = 100
    /// The longest an upgrade's plan is simulated, in simulated seconds.
    static let planTimeout = 3_600.0

    private let options: Options
    private let scheduler: Scheduler<ContinuousClock>
    private let feed: DashboardFeed
    /// The scenario's agents and seed, for predicting plans on the same cluster (its fleet is left out: plans
    /// start from a steady fleet).
    private let planScenario: Scenario
    /// With the local driver: the deployment that starts APP.json's instances when the dashboard opens.
    private let startDeployment: (target: GroupDefinition, versions: [PathId: String])?

    init(setup: sending SimulationSetup, scenario: Scenario, options: Options) {
        startDeployment = nil
        self.options = options
        planScenario = Scenario(seed: scenario.seed, agents: scenario.agents, fleet: nil)
        let fleet = setup.core.fleetSnapshot()
        let specs = setup.current.transitiveRunSpecs
        var model = DashboardModel(fleet: fleet, app: Self.title(of: setup.current), strategy: Self.strategyText(specs, options.strategy), driver: "SIM",
                                   speed: options.speed)
        model.agents = setup.agents.map { agent in
            DashboardModel.Agent(hostname: agent.hostname,
                                 attributes: agent.attributes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "),
                                 cpus: agent.cpus, mem: agent.mem)
        }
        model.resources = Dictionary((setup.current.transitiveRunSpecs + setup.target.transitiveRunSpecs).map { ($0.id, $0.resourcesPerInstance) },
                                     uniquingKeysWith: { first, _ in first })
        feed = DashboardFeed(model: model)
        scheduler = Scheduler(core: setup.core, clock: ContinuousClock(), speed: .factor(options.speed))
    }

    /// A dashboard on real processes: nothing runs yet; APP.json's instances are started when it opens, and
    /// the driver's nudges go to the scheduler actor (merged while one is on its way).
    init(local setup: sending LocalSetup, options: Options) {
        self.options = options
        planScenario = Scenario()
        startDeployment = setup.startDeployment
        let specs = setup.current.transitiveRunSpecs
        var model = DashboardModel(fleet: setup.core.fleetSnapshot(), app: Self.title(of: setup.current),
                                   strategy: Self.strategyText(specs, options.strategy), driver: "LOCAL", speed: 1)
        model.realTime = true
        model.agents = [DashboardModel.Agent(hostname: setup.driver.options.host, attributes: "this machine",
                                             cpus: Double(ProcessInfo.processInfo.activeProcessorCount),
                                             mem: Double(ProcessInfo.processInfo.physicalMemory / 1_048_576))]
        model.resources = Dictionary((specs + setup.target.transitiveRunSpecs).map { ($0.id, $0.resourcesPerInstance) },
                                     uniquingKeysWith: { first, _ in first })
        feed = DashboardFeed(model: model)
        let scheduler = Scheduler(core: setup.core, clock: ContinuousClock(), speed: .factor(1))
        self.scheduler = scheduler
        let pending = PendingPoll()
        setup.relay.send {
            guard pending.begin() else { return }
            Task.detached {
                pending.end()
                await scheduler.pollDriver()
            }
        }
    }

    /// Runs the dashboard until q or a signal; the terminal is given back on every way out.
    func run() -> Int32 {
        ProcessSignals.install()
        let terminal: CursesTerminal
        do {
            terminal = try CursesTerminal()
        } catch {
            printError("rollwatch: cannot open the terminal: \(error)")
            return ExitCodes.badInput
        }
        let capability = options.noColor ? .none
            : ColorCapability.detect(environment: options.environment, terminfoColors: terminal.colors)
        let theme = options.theme.adapted(to: capability, ascii: options.ascii)
        let (commands, commandSink) = AsyncStream.makeStream(of: SchedulerCommand.self)
        let scheduler = self.scheduler, feed = self.feed
        let schedulerTask = Task.detached { await scheduler.run() }
        let feedTask = Task.detached {
            for await update in scheduler.updates { feed.apply(update) }
        }
        let commandTask = Task.detached {
            for await command in commands { await scheduler.send(command) }
        }
        if let startDeployment { commandSink.yield(.deploy(startDeployment.target, versions: startDeployment.versions, restartAll: false)) }
        defer {
            commandSink.finish()
            schedulerTask.cancel()
            feedTask.cancel()
            commandTask.cancel()
            terminal.close()
            if options.driver == .local { stopInstances() }
        }
        var loop = Loop(ui: DashboardUI(speed: options.speed, timeLapseSpeed: options.speed != 1 ? options.speed : options.timeLapse),
                        model: feed.take().model)
        defer { loop.planning?.task.cancel() }
        while true {
            if let signal = ProcessSignals.received { return ProcessSignals.exitStatus(for: signal) }
            let event = terminal.nextEvent(timeoutMilliseconds: loop.waitMilliseconds())
            var dirty = false
            // The clock on screen moves by whole seconds: a frame when it does, none in between.
            let clock = feed.clock(at: .now)
            if Int(clock) != Int(loop.model.clock) {
                feed.advanceClock(to: clock)
                dirty = true
            }
            if feed.revision != loop.revision || dirty {
                let (model, revision, answers) = feed.take()
                loop.model = model
                loop.revision = revision
                dirty = true
                for answer in answers {
                    let context = DashboardScreen.context(loop.model, ui: loop.ui)
                    switch answer {
                    case .preview(let preview, let target, let request):
                        let dropped = DashboardUI.reduce(&loop.ui, .preview(preview, request: request), context: context)
                        if dropped.isEmpty { loop.confirmable = (request, target, preview) }
                    case .previewFailed(let reason, let request):
                        _ = DashboardUI.reduce(&loop.ui, .previewFailed(reason, request: request), context: context)
                    }
                }
            }
            if let event {
                if case .resize = event {
                    dirty = true
                } else if let key = Self.key(for: event) {
                    loop.lastKey = .now
                    let before = loop.ui
                    let requested = DashboardUI.reduce(&loop.ui, .key(key), context: DashboardScreen.context(loop.model, ui: loop.ui))
                    dirty = dirty || loop.ui != before || !requested.isEmpty
                    for command in requested {
                        if perform(command, loop: &loop, model: loop.model, sink: commandSink) { return 0 }
                    }
                }
            }
            guard dirty else { continue }
            let size = terminal.size
            var shown = loop.model
            if case .detail(let id) = loop.ui.overlay, let sandbox = shown.fleet.instances[id]?.process?.sandbox {
                shown.outputTail[id] = LocalProcess.lastLines(ofFile: sandbox + "/stderr", count: 6)
            }
            terminal.present(DashboardScreen.render(shown, ui: loop.ui, theme: theme, width: size.width, height: size.height))
        }
    }

    /// Stops the local driver's instances through the scheduler actor (which owns the driver), waiting at most
    /// 10 s (the grace periods of the instances, and a second for the stubborn; the reaper sees to the rest).
    private func stopInstances() {
        let done = DispatchSemaphore(value: 0)
        let scheduler = self.scheduler
        Task.detached {
            await scheduler.shutDownDriver()
            done.signal()
        }
        _ = done.wait(timeout: .now() + 10)
    }

    /// The loop's own state between frames.
    private struct Loop {
        var ui: DashboardUI
        /// The model last taken from the feed, and its revision.
        var model: DashboardModel
        var revision = -1
        /// The plan being worked out, and its request number.
        var planning: (request: Int, task: Task<Void, Never>)?
        /// The plan the dialog shows: the definitions it deploys and its prediction.
        var confirmable: (request: Int, target: GroupDefinition, preview: UpgradePreview)?
        /// When the last key was pressed: what it started shows within a tenth of a second.
        var lastKey = ContinuousClock.now

        /// How long to wait for a key: a tenth of a second while something moves (frames are coalesced to ten a
        /// second at most), else until the clock on screen shows the next second (at most a second).
        func waitMilliseconds() -> Int {
            let moving = model.fleet.phase == .running || model.fleet.phase == .paused
            let frame = DashboardSession.frameIntervalMilliseconds
            if moving || lastKey.duration(to: .now) < .seconds(2) { return frame }
            if case .preparingUpgrade = ui.overlay { return frame }
            guard let speed = model.speed, speed > 0 else { return frame }
            let untilNextSecond = (1 - (model.clock - model.clock.rounded(.down))) / speed
            return min(1_000, max(frame, Int((untilNextSecond * 1_000).rounded(.up))))
        }
    }

    /// Carries out a command of the reducer; true when the dashboard should end. New versions are left to the
    /// scheduler, which stamps them from its own clock, unlike any version it knows.
    private func perform(_ command: DashboardCommand, loop: inout Loop, model: DashboardModel,
                         sink: AsyncStream<SchedulerCommand>.Continuation) -> Bool {
        switch command {
        case .quit:
            return true
        case .pause:
            sink.yield(.pause)
        case .resume:
            sink.yield(.resume)
        case .abort(let rollBack):
            sink.yield(.abort(rollBack: rollBack))
        case .setSpeed(let speed):
            sink.yield(.setSpeed(.factor(speed)))
        case .promote:
            sink.yield(.promote)
        case .promoteFully:
            sink.yield(.promoteFully)
        case .scale(let count):
            guard let spec = DashboardScreen.scaledApp(model, ui: loop.ui) else { return false }
            sink.yield(.scale(spec, instances: count, version: nil))
        case .prepareUpgrade(let restart, let request):
            loop.planning?.task.cancel()
            loop.planning = (request, prepareUpgrade(restart: restart, request: request))
        case .cancelUpgrade(let request):
            if loop.planning?.request == request {
                loop.planning?.task.cancel()
                loop.planning = nil
            }
            if loop.confirmable?.request == request { loop.confirmable = nil }
        case .deploy(let restart, let request):
            guard let confirmed = loop.confirmable, confirmed.request == request else { return false }
            feed.setPendingPrediction(confirmed.preview.completes ? confirmed.preview.predictedDuration : nil)
            if restart {
                sink.yield(.restart(version: nil))
            } else {
                sink.yield(.deploy(confirmed.target, versions: [:], restartAll: false))
            }
            loop.confirmable = nil
        }
        return false
    }

    /// Works out the plan of an upgrade (to `--to`, or to APP.json as it is on disk now) or of a restart, on a
    /// background task, by running it on a copy of the simulated cluster from a steady fleet. A cancelled task's
    /// answer is not posted.
    private func prepareUpgrade(restart: Bool, request: Int) -> Task<Void, Never> {
        let scheduler = self.scheduler, feed = self.feed, options = self.options, scenario = planScenario
        return Task.detached {
            let current = await scheduler.root
            var target = current
            var isRestart = restart
            if !restart {
                let path = options.toPath ?? options.appPath
                do throws(InputError) {
                    target = try SimulationSetup.readRoot(path)
                } catch {
                    feed.post(.previewFailed("cannot upgrade: " + error.lines.joined(separator: "; "), request: request))
                    return
                }
                let problems = options.driver == .local ? LocalSetup.problems(target, file: path) : []
                guard problems.isEmpty else {
                    feed.post(.previewFailed("cannot upgrade: " + problems.joined(separator: "; "), request: request))
                    return
                }
                isRestart = target == current
            }
            let answer = Self.preview(current: current, target: target, restart: isRestart, scenario: scenario, options: options,
                                      request: request)
            if !Task.isCancelled { feed.post(answer) }
        }
    }

    /// The plan of deploying `target` over `current`, predicted on a simulated copy.
    static func preview(current: GroupDefinition, target: GroupDefinition, restart: Bool, scenario: Scenario, options: Options,
                        request: Int) -> DashboardFeed.Answer {
        let setup: SimulationSetup
        do {
            setup = try SimulationSetup(current: current, target: target, restartAll: restart, scenario: scenario,
                                        scenarioPath: options.scenarioPath, seed: options.seed, strategy: options.strategy)
        } catch {
            return .previewFailed("cannot plan: " + error.lines.joined(separator: "; "), request: request)
        }
        guard setup.deploy() else { return .previewFailed("nothing to deploy", request: request) }
        let prediction = Prediction(setup: setup)
        let timeout = planTimeout
        let ending = simulate(setup.core, timeout: timeout, pacing: nil, promote: true) { prediction.observe($0) }
        prediction.conclude(ending, timeout: timeout)
        let steps = (prediction.plan?.steps ?? []).map { step in step.actions.map(\.summary).joined(separator: ", ") }
        let restarts = prediction.orderedRestarts.map {
            UpgradePreview.Restart(app: $0.app.description, minHealthy: $0.minHealthy, maxCapacity: $0.maxCapacity,
                                   killImmediately: $0.killImmediately)
        }
        let source = options.toPath ?? options.appPath
        let title = restart ? "Restart every instance of \(title(of: current)) at a new version"
            : "Deploy \((source as NSString).lastPathComponent) over what runs"
        var warnings: [String] = []
        if let reason = prediction.reason { warnings.append(reason) }
        if let fix = prediction.fix { warnings.append("fix: " + fix) }
        let preview = UpgradePreview(isRestart: restart, title: title, strategy: strategyText(target.transitiveRunSpecs, options.strategy), steps: steps,
                                     restarts: restarts, predictedDuration: prediction.duration, completes: prediction.completes,
                                     warnings: warnings)
        return .preview(preview, target: target, request: request)
    }

    // MARK: Words

    /// `/python-web` for one run spec, `/shop (3 apps)` for a group.
    static func title(of root: GroupDefinition) -> String {
        let specs = root.transitiveRunSpecs
        if specs.count == 1, let only = specs.first { return only.id.description }
        let groups = root.groups
        let name = groups.count == 1 ? groups[0].id.description : root.id.description
        return "\(name) (\(specs.count) apps)"
    }

    /// `rolling 0.85 / 0.15` (Marathon's strategy and the first run spec's numbers), or the summary of the
    /// strategy the first run spec gets.
    static func strategyText(_ specs: [RunSpec], _ chosen: any RolloutStrategy) -> String {
        guard let first = specs.first else { return chosen.summary }
        let used = chosen.strategy(for: first)
        guard used is MarathonStrategy else { return used.summary }
        let strategy = first.upgradeStrategy
        return "rolling \(capacityShare(strategy.minimumHealthCapacity)) / \(capacityShare(strategy.maximumOverCapacity))"
    }

    /// `0.85`, `0.0`: a capacity share as Marathon's UI writes it.
    private static func capacityShare(_ value: Double) -> String {
        value == value.rounded() ? String(format: "%.1f", value) : String((value * 1000).rounded() / 1000)
    }

    /// The dashboard's key for a terminal event.
    static func key(for event: TerminalEvent) -> DashboardKey? {
        switch event {
        case .character(let character): return .character(character)
        case .enter: return .enter
        case .escape: return .escape
        case .backspace: return .backspace
        case .tab: return .tab
        case .backTab: return .backTab
        case .up: return .up
        case .down: return .down
        case .left: return .left
        case .right: return .right
        case .pageUp: return .pageUp
        case .pageDown: return .pageDown
        case .home: return .home
        case .end: return .end
        case .resize: return nil
        }
    }
}
