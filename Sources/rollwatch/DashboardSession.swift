import Foundation
import RollwatchCore
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
    /// An answer for the loop.
    enum Answer: Sendable {
        /// The plan of an upgrade or restart, and the definitions it deploys.
        case preview(UpgradePreview, target: GroupDefinition)
        case previewFailed(String)
    }

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

    /// Sets the prediction shown as the ETA until the pace of the deployment is known.
    func setPredictedDuration(_ duration: Double?) {
        state.withLock { $0.model.predictedDuration = duration }
    }

    /// The revision now, cheap enough to ask on every pass of the loop.
    var revision: Int { state.withLock { $0.revision } }

    /// The simulated time now: the last update's, run on at the speed since it came.
    func clock(at wall: ContinuousClock.Instant) -> Double {
        state.withLock { state in
            guard let speed = state.model.speed else { return state.model.clock }
            let elapsed = state.anchor.wall.duration(to: wall)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            return max(state.model.clock, state.anchor.time + max(0, seconds) * speed)
        }
    }

    /// Brings the model's clock to `time`, forgetting instances that ended long enough before it; true when
    /// something was forgotten.
    func advanceClock(to time: Double) -> Bool {
        state.withLock { state in
            let before = state.model.entries.count
            state.model.apply([], time: time)
            state.model.forgetTerminal(olderThan: Self.endedInstancesKeptFor)
            if state.model.entries.count != before { state.revision += 1 }
            return state.model.entries.count != before
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
        var theme: Theme
        var ascii: Bool
        var noColor: Bool
        var environment: [String: String]
    }

    /// The longest the loop waits for a key: frames come at most this often while things move.
    static let frameInterval = 100

    private let options: Options
    private let scheduler: Scheduler<ContinuousClock>
    private let feed: DashboardFeed
    private let runSpecs: [RunSpec]

    init(setup: sending SimulationSetup, options: Options) {
        self.options = options
        let fleet = setup.core.fleetSnapshot()
        let specs = setup.current.transitiveRunSpecs
        runSpecs = specs
        var model = DashboardModel(fleet: fleet, app: Self.title(of: setup.current), strategy: Self.strategyText(specs), driver: "SIM",
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
        defer {
            commandSink.finish()
            schedulerTask.cancel()
            feedTask.cancel()
            commandTask.cancel()
            terminal.close()
        }
        var loop = Loop(ui: DashboardUI(speed: options.speed, timeLapseSpeed: options.speed != 1 ? options.speed : options.timeLapse),
                        theme: theme, model: feed.take().model)
        while true {
            if let signal = ProcessSignals.received { return ProcessSignals.exitStatus(for: signal) }
            let event = terminal.nextEvent(timeoutMilliseconds: loop.waitMilliseconds())
            var dirty = false
            // The clock on screen moves by whole seconds: a frame when it does, none in between.
            let clock = feed.clock(at: .now)
            if Int(clock) != Int(loop.model.clock) {
                _ = feed.advanceClock(to: clock)
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
                    case .preview(let preview, let target):
                        loop.pendingTarget = target
                        feed.setPredictedDuration(preview.predictedDuration)
                        _ = DashboardUI.reduce(&loop.ui, .preview(preview), context: context)
                    case .previewFailed(let reason):
                        _ = DashboardUI.reduce(&loop.ui, .previewFailed(reason), context: context)
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
            terminal.present(DashboardScreen.render(loop.model, ui: loop.ui, theme: theme, width: size.width, height: size.height))
        }
    }

    /// The loop's own state between frames.
    private struct Loop {
        var ui: DashboardUI
        let theme: Theme
        /// The model last taken from the feed, and its revision.
        var model: DashboardModel
        var revision = -1
        /// The definitions the confirmed upgrade deploys.
        var pendingTarget: GroupDefinition?
        /// When the last key was pressed: what it started shows within a tenth of a second.
        var lastKey = ContinuousClock.now

        /// How long to wait for a key: a tenth of a second while something moves (frames are coalesced to ten a
        /// second at most), else until the clock on screen shows the next second (at most a second).
        func waitMilliseconds() -> Int {
            let moving = model.fleet.phase == .running || model.fleet.phase == .paused
            if moving || lastKey.duration(to: .now) < .seconds(2) { return DashboardSession.frameInterval }
            if case .preparingUpgrade = ui.overlay { return DashboardSession.frameInterval }
            guard let speed = model.speed, speed > 0 else { return DashboardSession.frameInterval }
            let untilNextSecond = (1 - (model.clock - model.clock.rounded(.down))) / speed
            return min(1_000, max(DashboardSession.frameInterval, Int((untilNextSecond * 1_000).rounded(.up))))
        }
    }

    /// Carries out a command of the reducer; true when the dashboard should end.
    private func perform(_ command: DashboardCommand, loop: inout Loop, model: DashboardModel,
                         sink: AsyncStream<SchedulerCommand>.Continuation) -> Bool {
        let version = SchedulerCore.versionStamp(model.clock)
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
        case .scale(let count):
            guard let spec = scaledSpec(model: model, selected: loop.ui.selected) else { return false }
            sink.yield(.scale(spec, instances: count, version: version))
        case .prepareUpgrade(let restart):
            prepareUpgrade(restart: restart)
        case .deploy(let restart):
            if restart {
                sink.yield(.restart(version: version))
            } else if let target = loop.pendingTarget {
                let versions = Dictionary(target.transitiveRunSpecs.map { ($0.id, version) }, uniquingKeysWith: { first, _ in first })
                sink.yield(.deploy(target, versions: versions, restartAll: false))
            }
            loop.pendingTarget = nil
        }
        return false
    }

    /// The run spec `s` scales: the selected instance's, else the first.
    private func scaledSpec(model: DashboardModel, selected: InstanceId?) -> PathId? {
        selected.flatMap { model.fleet.instances[$0]?.ref.appId } ?? runSpecs.first?.id
    }

    /// Works out the plan of an upgrade (to `--to`, or to APP.json as it is on disk now) or of a restart, on a
    /// background task, by running it on a copy of the simulated cluster from a steady fleet.
    private func prepareUpgrade(restart: Bool) {
        let scheduler = self.scheduler, feed = self.feed, options = self.options
        Task.detached {
            let current = await scheduler.root
            var target = current
            var isRestart = restart
            if !restart {
                let path = options.toPath ?? options.appPath
                do throws(InputError) {
                    target = try SimulationSetup.readRoot(path)
                } catch {
                    feed.post(.previewFailed("cannot upgrade: " + error.lines.joined(separator: "; ")))
                    return
                }
                isRestart = target == current
            }
            feed.post(Self.preview(current: current, target: target, restart: isRestart, options: options))
        }
    }

    /// The plan of deploying `target` over `current`, predicted on a simulated copy.
    static func preview(current: GroupDefinition, target: GroupDefinition, restart: Bool, options: Options) -> DashboardFeed.Answer {
        let setup: SimulationSetup
        do {
            setup = try SimulationSetup(current: current, target: target, restartAll: restart, scenario: Scenario(), scenarioPath: nil,
                                        seed: options.seed)
        } catch {
            return .previewFailed("cannot plan: " + error.lines.joined(separator: "; "))
        }
        guard setup.deploy() else { return .previewFailed("nothing to deploy") }
        let prediction = Prediction(setup: setup)
        let timeout = 3_600.0
        let ending = simulate(setup.core, timeout: timeout, pacing: nil) { prediction.observe($0) }
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
        let preview = UpgradePreview(isRestart: restart, title: title, strategy: strategyText(target.transitiveRunSpecs), steps: steps,
                                     restarts: restarts, predictedDuration: prediction.duration, completes: prediction.completes,
                                     warnings: warnings)
        return .preview(preview, target: target)
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

    /// `rolling 0.85 / 0.15`: Marathon's strategy and the first run spec's numbers.
    static func strategyText(_ specs: [RunSpec]) -> String {
        guard let strategy = specs.first?.upgradeStrategy else { return "rolling" }
        return "rolling \(number(strategy.minimumHealthCapacity)) / \(number(strategy.maximumOverCapacity))"
    }

    private static func number(_ value: Double) -> String {
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
