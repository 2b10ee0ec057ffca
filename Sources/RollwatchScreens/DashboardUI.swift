import RollwatchCore

/// What the confirm dialog of an upgrade (or a rolling restart) shows: the plan as the simulator predicts it.
public struct UpgradePreview: Sendable, Hashable {
    /// One restart of the plan, with Marathon's numbers.
    public struct Restart: Sendable, Hashable {
        public var app: String
        public var minHealthy: Int
        public var maxCapacity: Int
        public var killImmediately: Int

        public init(app: String, minHealthy: Int, maxCapacity: Int, killImmediately: Int) {
            self.app = app
            self.minHealthy = minHealthy
            self.maxCapacity = maxCapacity
            self.killImmediately = killImmediately
        }
    }

    /// True for a rolling restart of what runs (the file on disk is unchanged, or `r` was pressed).
    public var isRestart: Bool
    /// `/python-web: v1 → v2 (python:3.5 → python:3.6)` or what the restart restarts.
    public var title: String
    public var strategy: String
    /// `restart /python-web`, `scale /db to 3`: the steps, one line each.
    public var steps: [String]
    public var restarts: [Restart]
    public var predictedDuration: Double?
    /// False when the simulator says it will not finish.
    public var completes: Bool
    /// Why it would not finish, and warnings worth reading first.
    public var warnings: [String]

    public init(isRestart: Bool, title: String, strategy: String, steps: [String], restarts: [Restart], predictedDuration: Double?,
                completes: Bool, warnings: [String]) {
        self.isRestart = isRestart
        self.title = title
        self.strategy = strategy
        self.steps = steps
        self.restarts = restarts
        self.predictedDuration = predictedDuration
        self.completes = completes
        self.warnings = warnings
    }
}

/// A key as the dashboard understands it, decoded from the terminal by the backend.
public enum DashboardKey: Sendable, Hashable {
    case character(Character)
    case enter, escape, backspace, tab, backTab
    case up, down, left, right, pageUp, pageDown, home, end
}

/// What the person at the keyboard has chosen: the view, the dialog open, the filter, the selection, the speed.
/// Changed only by `DashboardUI.reduce`.
public struct DashboardUI: Sendable, Hashable {
    /// The main area: the instance grid, or a row per agent.
    public enum View: Sendable, Hashable {
        case instances, agents
    }

    /// The three ends of the abort dialog, in the order the buttons show them.
    public enum AbortChoice: Int, Sendable, Hashable, CaseIterable {
        case rollBack, stop, cancel
    }

    /// What is drawn over the main area, and takes the keys while it is open.
    public enum Overlay: Sendable, Hashable {
        case none
        case help
        /// `u` or `r` was pressed and the plan asked for by `request` is being worked out.
        case preparingUpgrade(restart: Bool, request: Int)
        /// The plan of `request`, waiting for a yes.
        case confirmUpgrade(UpgradePreview, request: Int)
        case confirmAbort(AbortChoice)
        case confirmQuit
        /// The instance count being typed, and what was wrong with the last attempt.
        case scale(text: String, error: String?)
        case detail(InstanceId)
    }

    /// A short message in the footer, until the next key.
    public struct Flash: Sendable, Hashable {
        /// How the message is coloured.
        public enum Level: Sendable, Hashable {
            case info, warning, error
        }

        public var text: String
        public var level: Level

        public init(_ text: String, level: Level) {
            self.text = text
            self.level = level
        }
    }

    public var view: View = .instances
    public var overlay: Overlay = .none
    /// Text the grid and agent view are narrowed to (instance id, host or version), when set.
    public var filter: String?
    /// True while the filter is being typed.
    public var editingFilter = false
    /// The selected instance, for `enter`.
    public var selected: InstanceId?
    /// Simulated seconds per second now.
    public var speed: Double
    /// The speed `t` switches to, and back from.
    public var timeLapseSpeed: Double
    public var flash: Flash?
    /// Set once quitting is decided: the session ends the loop.
    public var quitting = false
    /// The number of the last plan asked for: an answer to an earlier request (one cancelled meanwhile) is
    /// dropped, so a dialog never shows, nor deploys, a plan other than the one last asked for.
    public private(set) var lastRequest = 0

    /// The fastest and slowest factors `+` and `-` reach.
    public static let fastest = 1_000.0
    public static let slowest = 0.125

    public init(speed: Double = 1, timeLapseSpeed: Double = 10) {
        self.speed = speed
        self.timeLapseSpeed = timeLapseSpeed
    }

    /// True when time runs faster than real time.
    public var isTimeLapse: Bool { speed != 1 }
}

/// What the dashboard asks the session to do; the session turns these into scheduler commands.
public enum DashboardCommand: Sendable, Hashable {
    /// Work out the plan of an upgrade (or a restart) and answer with `DashboardInput.preview`, naming `request`.
    case prepareUpgrade(restart: Bool, request: Int)
    /// Start the upgrade (or restart) of the plan `request`, which was confirmed.
    case deploy(restart: Bool, request: Int)
    /// Forget the plan `request`: its dialog was cancelled.
    case cancelUpgrade(request: Int)
    case pause
    case resume
    case abort(rollBack: Bool)
    case setSpeed(Double)
    case scale(Int)
    /// Let a strategy waiting for a promotion go on; a canary leaves its pause or gate.
    case promote
    /// Let a canary skip its remaining steps.
    case promoteFully
    case quit
}

/// What the reducer takes in: keys, and the session's answers.
public enum DashboardInput: Sendable, Hashable {
    case key(DashboardKey)
    /// The plan asked for by `prepareUpgrade` as `request`.
    case preview(UpgradePreview, request: Int)
    /// The plan `request` could not be made (the file on disk is invalid, …): why.
    case previewFailed(String, request: Int)
}

/// What the reducer needs to know of the fleet to decide which keys apply.
public struct DashboardContext: Sendable, Hashable {
    public var phase: FleetSnapshot.Phase
    /// The instances the grid shows now, in its order (after the filter), for moving the selection.
    public var visibleInstances: [InstanceId]
    /// The run spec `s` scales, and the instance count it runs now, which the dialog starts from.
    public var scaledApp: PathId?
    public var instances: Int
    /// False for drivers whose time is the wall clock (time-lapse needs the simulator).
    public var canChangeSpeed: Bool
    /// The deployment's strategy takes promotions (a canary, a blue-green waiting for its switch): the footer
    /// shows `>` and `P`, greyed while they do not apply.
    public var offersPromotion = false
    /// A promotion (`>`) would move the deployment on now.
    public var canPromote = false
    /// A full promotion (`P`) would skip a canary's remaining steps now.
    public var canPromoteFully = false

    public init(phase: FleetSnapshot.Phase, visibleInstances: [InstanceId], instances: Int, scaledApp: PathId? = nil,
                canChangeSpeed: Bool = true) {
        self.phase = phase
        self.visibleInstances = visibleInstances
        self.instances = instances
        self.scaledApp = scaledApp
        self.canChangeSpeed = canChangeSpeed
    }

    /// A deployment runs or is paused: abort applies, a new upgrade does not.
    public var deploymentUnderWay: Bool { phase == .running || phase == .paused }
}

extension DashboardUI {
    /// One key of the footer: the key, what it does, and whether it applies now (a key that does not is greyed).
    public struct Hint: Sendable, Hashable {
        public var key: String
        public var action: String
        public var applies: Bool

        public init(_ key: String, _ action: String, applies: Bool = true) {
            self.key = key
            self.action = action
            self.applies = applies
        }
    }

    /// The keys that apply now, in the order the footer shows them.
    public func hints(_ context: DashboardContext) -> [Hint] {
        if editingFilter { return [Hint("enter", "keep filter"), Hint("esc", "clear")] }
        switch overlay {
        case .help: return [Hint("?", "close"), Hint("esc", "close")]
        case .preparingUpgrade: return [Hint("esc", "cancel")]
        case .confirmUpgrade(let preview, _):
            return [Hint("enter", preview.isRestart ? "restart" : "upgrade"), Hint("esc", "cancel")]
        case .confirmAbort: return [Hint("r", "roll back"), Hint("s", "stop here"), Hint("←→", "choose"), Hint("enter", "confirm"), Hint("esc", "cancel")]
        case .confirmQuit: return [Hint("y", "quit"), Hint("n", "stay")]
        case .scale: return [Hint("0-9", "count"), Hint("enter", "scale"), Hint("esc", "cancel")]
        case .detail: return [Hint("←→", "previous/next"), Hint("esc", "close")]
        case .none: break
        }
        var hints: [Hint] = []
        if context.offersPromotion {
            hints.append(Hint(">", "promote", applies: context.canPromote))
            hints.append(Hint("P", "promote fully", applies: context.canPromoteFully))
        }
        if context.deploymentUnderWay {
            hints.append(Hint("p", context.phase == .paused ? "resume" : "pause"))
            hints.append(Hint("a", "abort"))
        } else {
            hints.append(Hint("u", "upgrade"))
            hints.append(Hint("r", "restart"))
            hints.append(Hint("s", "scale"))
        }
        if context.canChangeSpeed {
            hints.append(Hint("t", isTimeLapse ? "real time" : "time-lapse"))
            hints.append(Hint("+-", "speed"))
        }
        // Help and quit come before the views, so that a narrow footer still shows them.
        hints.append(Hint("?", "help"))
        hints.append(Hint("q", "quit"))
        hints.append(Hint("g", view == .agents ? "instances" : "agents"))
        hints.append(Hint("/", "filter"))
        if !context.visibleInstances.isEmpty { hints.append(Hint("enter", "detail")) }
        return hints
    }

    /// Applies one input and says what the session must do. Keys that do not apply change nothing but a short
    /// message saying why, so a key is never silently lost.
    public static func reduce(_ ui: inout DashboardUI, _ input: DashboardInput, context: DashboardContext) -> [DashboardCommand] {
        switch input {
        case .preview(let preview, let request):
            guard case .preparingUpgrade(_, request) = ui.overlay else { return [.cancelUpgrade(request: request)] }
            ui.overlay = .confirmUpgrade(preview, request: request)
            return []
        case .previewFailed(let reason, let request):
            guard case .preparingUpgrade(_, request) = ui.overlay else { return [] }
            ui.overlay = .none
            ui.flash = Flash(reason, level: .error)
            return []
        case .key(let key):
            ui.flash = nil
            if ui.editingFilter { return ui.editFilter(key) }
            switch ui.overlay {
            case .none: return ui.mainKey(key, context)
            case .help:
                if key == .escape || key == .character("?") || key == .character("q") || key == .enter { ui.overlay = .none }
                return []
            case .preparingUpgrade(_, let request):
                guard key == .escape else { return [] }
                ui.overlay = .none
                return [.cancelUpgrade(request: request)]
            case .confirmUpgrade(let preview, let request):
                switch key {
                case .enter, .character("y"), .character("u"):
                    ui.overlay = .none
                    guard !context.deploymentUnderWay else {
                        ui.flash = Flash("a deployment started meanwhile: not upgrading", level: .warning)
                        return [.cancelUpgrade(request: request)]
                    }
                    return [.deploy(restart: preview.isRestart, request: request)]
                case .escape, .character("n"), .character("q"):
                    ui.overlay = .none
                    return [.cancelUpgrade(request: request)]
                default: break
                }
                return []
            case .confirmAbort(let choice):
                return ui.abortKey(key, choice: choice, context)
            case .confirmQuit:
                switch key {
                case .character("y"), .enter, .character("q"):
                    ui.quitting = true
                    return [.quit]
                case .character("n"), .escape:
                    ui.overlay = .none
                default: break
                }
                return []
            case .scale(let text, _):
                return ui.scaleKey(key, text: text, context)
            case .detail(let id):
                switch key {
                case .escape, .enter, .character("q"): ui.overlay = .none
                case .left, .up, .character("h"), .character("k"): ui.moveDetail(from: id, by: -1, context)
                case .right, .down, .character("l"), .character("j"): ui.moveDetail(from: id, by: 1, context)
                default: break
                }
                return []
            }
        }
    }

    private mutating func mainKey(_ key: DashboardKey, _ context: DashboardContext) -> [DashboardCommand] {
        switch key {
        case .character("u"), .character("r"):
            let restart = key == .character("r")
            guard !context.deploymentUnderWay else {
                flash = Flash("a deployment is under way: p pauses it, a aborts it", level: .warning)
                return []
            }
            lastRequest += 1
            overlay = .preparingUpgrade(restart: restart, request: lastRequest)
            return [.prepareUpgrade(restart: restart, request: lastRequest)]
        case .character("p"):
            switch context.phase {
            case .running: return [.pause]
            case .paused: return [.resume]
            default:
                flash = Flash("nothing to pause: no deployment is under way", level: .info)
                return []
            }
        case .character("a"):
            guard context.deploymentUnderWay else {
                flash = Flash("nothing to abort: no deployment is under way", level: .info)
                return []
            }
            overlay = .confirmAbort(.rollBack)
            return []
        case .character("t"):
            guard context.canChangeSpeed else { return speedUnavailable() }
            if isTimeLapse {
                timeLapseSpeed = speed
                speed = 1
            } else {
                speed = timeLapseSpeed
            }
            return [.setSpeed(speed)]
        case .character("+"), .character("="):
            guard context.canChangeSpeed else { return speedUnavailable() }
            return changeSpeed(to: min(Self.fastest, speed * 2))
        case .character("-"), .character("_"):
            guard context.canChangeSpeed else { return speedUnavailable() }
            return changeSpeed(to: max(Self.slowest, speed / 2))
        case .character("s"):
            guard !context.deploymentUnderWay else {
                flash = Flash("a deployment is under way: scale once it is done or aborted", level: .warning)
                return []
            }
            overlay = .scale(text: String(context.instances), error: nil)
            return []
        case .character("g"):
            view = view == .agents ? .instances : .agents
            return []
        case .character("/"):
            editingFilter = true
            filter = filter ?? ""
            return []
        case .escape:
            filter = nil
            return []
        case .enter:
            guard let id = selected.flatMap({ context.visibleInstances.contains($0) ? $0 : nil }) ?? context.visibleInstances.first else {
                flash = Flash("no instance to show", level: .info)
                return []
            }
            selected = id
            overlay = .detail(id)
            return []
        case .left, .up, .character("h"), .character("k"):
            moveSelection(by: key == .up || key == .character("k") ? -10 : -1, context)
            return []
        case .right, .down, .character("l"), .character("j"):
            moveSelection(by: key == .down || key == .character("j") ? 10 : 1, context)
            return []
        case .home:
            selected = context.visibleInstances.first
            return []
        case .end:
            selected = context.visibleInstances.last
            return []
        case .character(">"):
            guard context.canPromote else {
                flash = Flash(context.offersPromotion ? "nothing to promote now: no pause, gate or switch waits for it"
                              : "nothing to promote: no deployment waits for it", level: .info)
                return []
            }
            return [.promote]
        case .character("P"):
            guard context.canPromoteFully else {
                flash = Flash(context.offersPromotion ? "nothing to promote fully: no canary step is left"
                              : "nothing to promote: no deployment waits for it", level: .info)
                return []
            }
            return [.promoteFully]
        case .character("?"):
            overlay = .help
            return []
        case .character("q"):
            if context.deploymentUnderWay {
                overlay = .confirmQuit
                return []
            }
            quitting = true
            return [.quit]
        default:
            return []
        }
    }

    private mutating func speedUnavailable() -> [DashboardCommand] {
        flash = Flash("time-lapse needs the simulator (--driver sim): the local driver runs in real time", level: .info)
        return []
    }

    private mutating func changeSpeed(to newSpeed: Double) -> [DashboardCommand] {
        guard newSpeed != speed else {
            flash = Flash(speed >= Self.fastest ? "already at the fastest, ×\(Int(Self.fastest))" : "already at the slowest", level: .info)
            return []
        }
        speed = newSpeed
        if speed != 1 { timeLapseSpeed = speed }
        return [.setSpeed(speed)]
    }

    private mutating func abortKey(_ key: DashboardKey, choice: AbortChoice, _ context: DashboardContext) -> [DashboardCommand] {
        func finish(_ choice: AbortChoice) -> [DashboardCommand] {
            overlay = .none
            guard choice != .cancel else { return [] }
            guard context.deploymentUnderWay else {
                flash = Flash("the deployment ended meanwhile: nothing to abort", level: .info)
                return []
            }
            return [.abort(rollBack: choice == .rollBack)]
        }
        let choices = AbortChoice.allCases
        switch key {
        case .left, .backTab, .up:
            overlay = .confirmAbort(choices[(choice.rawValue + choices.count - 1) % choices.count])
        case .right, .tab, .down:
            overlay = .confirmAbort(choices[(choice.rawValue + 1) % choices.count])
        case .enter: return finish(choice)
        case .character("r"): return finish(.rollBack)
        case .character("s"): return finish(.stop)
        case .character("c"), .escape, .character("n"), .character("q"): return finish(.cancel)
        default: break
        }
        return []
    }

    private mutating func scaleKey(_ key: DashboardKey, text: String, _ context: DashboardContext) -> [DashboardCommand] {
        switch key {
        case .character(let character) where character.isASCII && character.isNumber:
            let next = text == "0" ? String(character) : text + String(character)
            overlay = .scale(text: String(next.prefix(6)), error: nil)
        case .backspace:
            overlay = .scale(text: String(text.dropLast()), error: nil)
        case .escape:
            overlay = .none
        case .enter:
            guard let count = Int(text), count >= 0 else {
                overlay = .scale(text: text, error: "type a number of instances")
                return []
            }
            guard count != context.instances else {
                overlay = .scale(text: text, error: "it runs \(count) already")
                return []
            }
            guard !context.deploymentUnderWay else {
                overlay = .none
                flash = Flash("a deployment started meanwhile: not scaling", level: .warning)
                return []
            }
            overlay = .none
            return [.scale(count)]
        default:
            break
        }
        return []
    }

    private mutating func editFilter(_ key: DashboardKey) -> [DashboardCommand] {
        switch key {
        case .enter:
            editingFilter = false
            if filter?.isEmpty ?? true { filter = nil }
        case .escape:
            editingFilter = false
            filter = nil
        case .backspace:
            filter = String((filter ?? "").dropLast())
        case .character(let character) where !character.isNewline:
            filter = String(((filter ?? "") + String(character)).prefix(40))
        default:
            break
        }
        return []
    }

    private mutating func moveSelection(by step: Int, _ context: DashboardContext) {
        let ids = context.visibleInstances
        guard !ids.isEmpty else {
            selected = nil
            return
        }
        guard let current = selected, let index = ids.firstIndex(of: current) else {
            selected = step < 0 ? ids.last : ids.first
            return
        }
        selected = ids[min(ids.count - 1, max(0, index + step))]
    }

    private mutating func moveDetail(from id: InstanceId, by step: Int, _ context: DashboardContext) {
        let ids = context.visibleInstances
        guard !ids.isEmpty else { return }
        let index = ids.firstIndex(of: id).map { ($0 + step + ids.count) % ids.count } ?? 0
        selected = ids[index]
        overlay = .detail(ids[index])
    }
}
