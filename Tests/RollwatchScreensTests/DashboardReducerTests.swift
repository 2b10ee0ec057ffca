import RollwatchCore
import RollwatchScreens
import Testing

/// The dashboard's reducer: every key in every state, and what each key does where it applies.
@Suite struct DashboardReducerTests {
    static let ids = (1...20).map { InstanceId("python-web.\(String($0, radix: 16))") }

    static func context(_ phase: FleetSnapshot.Phase, canChangeSpeed: Bool = true) -> DashboardContext {
        DashboardContext(phase: phase, visibleInstances: ids, instances: 20, canChangeSpeed: canChangeSpeed)
    }

    static let phases: [FleetSnapshot.Phase] = [.idle, .running, .paused, .succeeded, .failed(reason: "cancelled")]
    static let overlays: [DashboardUI.Overlay] = [
        .none, .help, .preparingUpgrade(restart: false, request: 0), .confirmUpgrade(DashboardFixture.preview, request: 0), .confirmAbort(.rollBack),
        .confirmAbort(.stop), .confirmAbort(.cancel), .confirmQuit, .scale(text: "20", error: nil), .detail(ids[3]),
    ]
    static let keys: [DashboardKey] = "uprtaq+-=_sg/?yncjkhl0123456789 xZ>P".map { .character($0) }
        + [.enter, .escape, .backspace, .tab, .backTab, .up, .down, .left, .right, .pageUp, .pageDown, .home, .end]

    /// Applies keys in turn, collecting the commands.
    static func press(_ keys: [DashboardKey], on ui: inout DashboardUI, _ context: DashboardContext) -> [DashboardCommand] {
        keys.flatMap { DashboardUI.reduce(&ui, .key($0), context: context) }
    }

    @Test func everyKeyInEveryStateGivesAtMostOneCommandAndOnlyCommandsThatApply() {
        // Promotions: none offered; a canary in a pause (> applies, P does not at its last step); a canary moving
        // its weight (P applies, > does not).
        for phase in Self.phases { for promotions in [(false, false, false), (true, true, false), (true, false, true)] {
            var context = Self.context(phase)
            (context.offersPromotion, context.canPromote, context.canPromoteFully) = promotions
            for overlay in Self.overlays {
                for editing in [false, true] {
                    for key in Self.keys {
                        var ui = DashboardUI(speed: 1, timeLapseSpeed: 10)
                        ui.overlay = overlay
                        ui.editingFilter = editing
                        let commands = DashboardUI.reduce(&ui, .key(key), context: context)
                        #expect(commands.count <= 1)
                        for command in commands {
                            switch command {
                            case .pause: #expect(phase == .running)
                            case .resume: #expect(phase == .paused)
                            case .abort: #expect(context.deploymentUnderWay)
                            case .prepareUpgrade, .deploy, .scale: #expect(!context.deploymentUnderWay)
                            case .cancelUpgrade: break
                            case .quit: #expect(ui.quitting)
                            case .promote: #expect(context.canPromote)
                            case .promoteFully: #expect(context.canPromoteFully)
                            case .setSpeed(let speed): #expect(speed >= DashboardUI.slowest && speed <= DashboardUI.fastest)
                            }
                        }
                        // While the filter is typed, keys are text: nothing reaches the scheduler.
                        if editing { #expect(commands.isEmpty) }
                    }
                }
            }
        }
    } }

    @Test func upgradeAsksForThePlanThenDeploysOnlyWhenConfirmed() {
        var ui = DashboardUI()
        let idle = Self.context(.idle)
        #expect(Self.press([.character("u")], on: &ui, idle) == [.prepareUpgrade(restart: false, request: 1)])
        #expect(ui.overlay == .preparingUpgrade(restart: false, request: 1))
        #expect(DashboardUI.reduce(&ui, .preview(DashboardFixture.preview, request: 1), context: idle).isEmpty)
        #expect(ui.overlay == .confirmUpgrade(DashboardFixture.preview, request: 1))
        #expect(Self.press([.escape], on: &ui, idle) == [.cancelUpgrade(request: 1)])
        #expect(ui.overlay == .none)
        _ = Self.press([.character("u")], on: &ui, idle)
        _ = DashboardUI.reduce(&ui, .preview(DashboardFixture.preview, request: 2), context: idle)
        #expect(Self.press([.enter], on: &ui, idle) == [.deploy(restart: false, request: 2)])
        #expect(ui.overlay == .none)
    }

    @Test func restartGoesThroughTheSameDialog() {
        var ui = DashboardUI()
        let idle = Self.context(.succeeded)
        #expect(Self.press([.character("r")], on: &ui, idle) == [.prepareUpgrade(restart: true, request: 1)])
        var restart = DashboardFixture.preview
        restart.isRestart = true
        _ = DashboardUI.reduce(&ui, .preview(restart, request: 1), context: idle)
        #expect(Self.press([.character("y")], on: &ui, idle) == [.deploy(restart: true, request: 1)])
    }

    @Test func aPlanForAnEarlierRequestIsNeverShown() {
        var ui = DashboardUI()
        let idle = Self.context(.idle)
        // r, esc, u: the restart's plan arrives while the upgrade's is awaited.
        _ = Self.press([.character("r"), .escape, .character("u")], on: &ui, idle)
        var restart = DashboardFixture.preview
        restart.isRestart = true
        #expect(DashboardUI.reduce(&ui, .preview(restart, request: 1), context: idle) == [.cancelUpgrade(request: 1)])
        #expect(ui.overlay == .preparingUpgrade(restart: false, request: 2))
        #expect(DashboardUI.reduce(&ui, .previewFailed("stale", request: 1), context: idle).isEmpty)
        #expect(ui.overlay == .preparingUpgrade(restart: false, request: 2) && ui.flash == nil)
        _ = DashboardUI.reduce(&ui, .preview(DashboardFixture.preview, request: 2), context: idle)
        #expect(Self.press([.enter], on: &ui, idle) == [.deploy(restart: false, request: 2)])
    }

    @Test func aPlanThatCannotBeMadeIsSaidInTheFooter() {
        var ui = DashboardUI()
        _ = Self.press([.character("u")], on: &ui, Self.context(.idle))
        _ = DashboardUI.reduce(&ui, .previewFailed("cannot upgrade: app.json:3:5: expected a value", request: 1), context: Self.context(.idle))
        #expect(ui.overlay == .none)
        #expect(ui.flash?.level == .error && ui.flash?.text.contains("app.json:3:5") == true)
        // An answer nobody waits for (the dialog was cancelled) changes nothing.
        var cancelled = DashboardUI()
        #expect(DashboardUI.reduce(&cancelled, .preview(DashboardFixture.preview, request: 1), context: Self.context(.idle))
            == [.cancelUpgrade(request: 1)])
        #expect(cancelled.overlay == .none)
    }

    @Test func upgradeDoesNotApplyWhileADeploymentRuns() {
        for phase: FleetSnapshot.Phase in [.running, .paused] {
            var ui = DashboardUI()
            #expect(Self.press([.character("u")], on: &ui, Self.context(phase)).isEmpty)
            #expect(ui.overlay == .none && ui.flash?.level == .warning)
            // A confirmation that arrives after a deployment started deploys nothing.
            var late = DashboardUI()
            late.overlay = .confirmUpgrade(DashboardFixture.preview, request: 4)
            #expect(Self.press([.enter], on: &late, Self.context(phase)) == [.cancelUpgrade(request: 4)])
        }
    }

    @Test func pauseAndResumeAreInstant() {
        var ui = DashboardUI()
        #expect(Self.press([.character("p")], on: &ui, Self.context(.running)) == [.pause])
        #expect(Self.press([.character("p")], on: &ui, Self.context(.paused)) == [.resume])
        #expect(ui.overlay == .none)
        #expect(Self.press([.character("p")], on: &ui, Self.context(.idle)).isEmpty)
        #expect(ui.flash?.text.contains("nothing to pause") == true)
    }

    @Test func abortOffersRollBackStopAndCancel() {
        let running = Self.context(.running)
        var ui = DashboardUI()
        #expect(Self.press([.character("a")], on: &ui, running).isEmpty)
        #expect(ui.overlay == .confirmAbort(.rollBack))
        #expect(Self.press([.enter], on: &ui, running) == [.abort(rollBack: true)])
        _ = Self.press([.character("a"), .right], on: &ui, running)
        #expect(ui.overlay == .confirmAbort(.stop))
        #expect(Self.press([.enter], on: &ui, running) == [.abort(rollBack: false)])
        _ = Self.press([.character("a"), .left], on: &ui, running)
        #expect(ui.overlay == .confirmAbort(.cancel))
        #expect(Self.press([.enter], on: &ui, running).isEmpty)
        #expect(Self.press([.character("a"), .character("s")], on: &ui, Self.context(.paused)) == [.abort(rollBack: false)])
        #expect(Self.press([.character("a"), .character("r")], on: &ui, running) == [.abort(rollBack: true)])
        #expect(Self.press([.character("a"), .escape], on: &ui, running).isEmpty)
        #expect(ui.overlay == .none)
        #expect(Self.press([.character("a")], on: &ui, Self.context(.succeeded)).isEmpty)
        #expect(ui.overlay == .none)
    }

    @Test func timeLapseSwitchesBetweenRealTimeAndItsSpeed() {
        var ui = DashboardUI(speed: 1, timeLapseSpeed: 10)
        let context = Self.context(.running)
        #expect(Self.press([.character("t")], on: &ui, context) == [.setSpeed(10)])
        #expect(Self.press([.character("+")], on: &ui, context) == [.setSpeed(20)])
        #expect(Self.press([.character("t")], on: &ui, context) == [.setSpeed(1)])
        #expect(Self.press([.character("t")], on: &ui, context) == [.setSpeed(20)], "t returns to the speed last chosen")
        var fast = DashboardUI(speed: 1)
        let doubled = Self.press(Array(repeating: .character("+"), count: 12), on: &fast, context)
        #expect(doubled.last == .setSpeed(1_000) && fast.speed == 1_000)
        #expect(doubled.count == 10, "1, 2, 4 … 512, then 1000, then nothing more")
        #expect(fast.flash?.text.contains("fastest") == true)
        var slow = DashboardUI(speed: 1)
        #expect(Self.press(Array(repeating: .character("-"), count: 5), on: &slow, context).last == .setSpeed(0.125))
        var wallClock = DashboardUI()
        #expect(Self.press([.character("t"), .character("+")], on: &wallClock, Self.context(.running, canChangeSpeed: false)).isEmpty)
        #expect(wallClock.flash?.text.contains("simulator") == true)
    }

    @Test func scaleAsksForTheCount() {
        var ui = DashboardUI()
        let idle = Self.context(.idle)
        _ = Self.press([.character("s")], on: &ui, idle)
        #expect(ui.overlay == .scale(text: "20", error: nil))
        _ = Self.press([.backspace, .backspace, .character("x"), .character("2"), .character("5")], on: &ui, idle)
        #expect(ui.overlay == .scale(text: "25", error: nil))
        #expect(Self.press([.enter], on: &ui, idle) == [.scale(25)])
        _ = Self.press([.character("s")], on: &ui, idle)
        #expect(Self.press([.enter], on: &ui, idle).isEmpty)
        #expect(ui.overlay == .scale(text: "20", error: "it runs 20 already"))
        _ = Self.press([.backspace, .backspace], on: &ui, idle)
        #expect(Self.press([.enter], on: &ui, idle).isEmpty)
        #expect(ui.overlay == .scale(text: "", error: "type a number of instances"))
        #expect(Self.press([.escape], on: &ui, idle).isEmpty && ui.overlay == .none)
        #expect(Self.press([.character("s")], on: &ui, Self.context(.running)).isEmpty && ui.overlay == .none)
    }

    @Test func quitAsksOnlyWhileADeploymentRuns() {
        var idle = DashboardUI()
        #expect(Self.press([.character("q")], on: &idle, Self.context(.succeeded)) == [.quit])
        #expect(idle.quitting)
        var running = DashboardUI()
        #expect(Self.press([.character("q")], on: &running, Self.context(.running)).isEmpty)
        #expect(running.overlay == .confirmQuit && !running.quitting)
        #expect(Self.press([.character("n")], on: &running, Self.context(.running)).isEmpty && running.overlay == .none)
        #expect(Self.press([.character("q"), .character("y")], on: &running, Self.context(.paused)) == [.quit])
    }

    @Test func filterSelectionAndDetail() {
        var ui = DashboardUI()
        let context = Self.context(.running)
        _ = Self.press([.character("/"), .character("v"), .character("2"), .backspace, .character("1")], on: &ui, context)
        #expect(ui.editingFilter && ui.filter == "v1")
        #expect(Self.press([.character("q")], on: &ui, context).isEmpty, "q is text while the filter is typed")
        #expect(ui.filter == "v1q")
        _ = Self.press([.enter], on: &ui, context)
        #expect(!ui.editingFilter && ui.filter == "v1q")
        _ = Self.press([.escape], on: &ui, context)
        #expect(ui.filter == nil)
        _ = Self.press([.right], on: &ui, context)
        #expect(ui.selected == Self.ids[0])
        _ = Self.press([.right, .right, .down], on: &ui, context)
        #expect(ui.selected == Self.ids[12])
        _ = Self.press([.end], on: &ui, context)
        #expect(ui.selected == Self.ids[19])
        _ = Self.press([.enter], on: &ui, context)
        #expect(ui.overlay == .detail(Self.ids[19]))
        _ = Self.press([.right], on: &ui, context)
        #expect(ui.overlay == .detail(Self.ids[0]), "next wraps around")
        _ = Self.press([.escape], on: &ui, context)
        #expect(ui.overlay == .none)
        var empty = DashboardUI()
        _ = DashboardUI.reduce(&empty, .key(.enter), context: DashboardContext(phase: .idle, visibleInstances: [], instances: 0))
        #expect(empty.overlay == .none && empty.flash != nil)
    }

    @Test func helpAndAgentViewToggle() {
        var ui = DashboardUI()
        let context = Self.context(.idle)
        _ = Self.press([.character("?")], on: &ui, context)
        #expect(ui.overlay == .help)
        #expect(Self.press([.character("u")], on: &ui, context).isEmpty, "keys under help do not act")
        _ = Self.press([.character("?")], on: &ui, context)
        #expect(ui.overlay == .none)
        _ = Self.press([.character("g")], on: &ui, context)
        #expect(ui.view == .agents)
        _ = Self.press([.character("g")], on: &ui, context)
        #expect(ui.view == .instances)
    }

    @Test func theFooterShowsOnlyTheKeysThatApply() {
        let ui = DashboardUI()
        func keys(_ context: DashboardContext, _ ui: DashboardUI = ui) -> [String] { ui.hints(context).map(\.key) }
        #expect(keys(Self.context(.idle)) == ["u", "r", "s", "t", "+-", "?", "q", "g", "/", "enter"])
        #expect(keys(Self.context(.running)) == ["p", "a", "t", "+-", "?", "q", "g", "/", "enter"])
        #expect(ui.hints(Self.context(.paused)).first == DashboardUI.Hint("p", "resume"))
        #expect(!keys(Self.context(.running, canChangeSpeed: false)).contains("t"))
        var dialog = ui
        dialog.overlay = .confirmAbort(.rollBack)
        #expect(keys(Self.context(.running), dialog) == ["r", "s", "←→", "enter", "esc"])
        dialog.overlay = .confirmQuit
        #expect(keys(Self.context(.running), dialog) == ["y", "n"])
    }

    @Test func promoteAppliesOnlyWhileADeploymentWaitsForIt() {
        var ui = DashboardUI()
        var waiting = Self.context(.running)
        (waiting.offersPromotion, waiting.canPromote, waiting.canPromoteFully) = (true, true, true)
        #expect(Self.press([.character(">")], on: &ui, waiting) == [.promote])
        #expect(Self.press([.character("P")], on: &ui, waiting) == [.promoteFully])
        #expect(ui.hints(waiting).prefix(2) == [DashboardUI.Hint(">", "promote"), DashboardUI.Hint("P", "promote fully")])
        #expect(Self.press([.character(">")], on: &ui, Self.context(.running)).isEmpty)
        #expect(ui.flash?.text.contains("nothing to promote") == true)
        #expect(!ui.hints(Self.context(.running)).contains { $0.key == ">" || $0.key == "P" }, "Marathon's strategy has no promotions")
    }

    @Test func aCanaryShowsItsPromoteKeysGreyedWhileTheyDoNotApply() {
        var ui = DashboardUI()
        var moving = Self.context(.running)
        (moving.offersPromotion, moving.canPromote, moving.canPromoteFully) = (true, false, true)
        #expect(ui.hints(moving).prefix(2) == [DashboardUI.Hint(">", "promote", applies: false), DashboardUI.Hint("P", "promote fully")])
        #expect(Self.press([.character(">")], on: &ui, moving).isEmpty)
        #expect(ui.flash?.text == "nothing to promote now: no pause, gate or switch waits for it")
        var last = moving
        last.canPromoteFully = false
        #expect(ui.hints(last).prefix(2).allSatisfy { !$0.applies })
        #expect(Self.press([.character("P")], on: &ui, last).isEmpty)
        #expect(ui.flash?.text == "nothing to promote fully: no canary step is left")
    }
}
