import RollwatchCore
import RollwatchTUI

/// The dashboard as one pure function: `(model, ui, theme, size) → CellBuffer`. Three layouts: the full one from
/// 100×30 (grid, health bars with the strip of health over time, the plan's steps, the event log), a compact one
/// down to 40×10 (grid, health bar, progress, the last events), and below that a message naming the size needed.
public enum DashboardScreen {
    /// The smallest terminal the dashboard draws in.
    public static let minimumSize = (width: 40, height: 10)
    /// The smallest terminal that gets the full layout.
    public static let fullSize = (width: 100, height: 30)

    /// Which arrangement a size gets.
    public enum Layout: Sendable, Hashable {
        case full, compact, tooSmall
    }

    public static func layout(width: Int, height: Int) -> Layout {
        if width < minimumSize.width || height < minimumSize.height { return .tooSmall }
        if width < fullSize.width || height < fullSize.height { return .compact }
        return .full
    }

    /// The instances the grid shows, in its order: every instance, or those matching the filter (by id, host,
    /// app, or version label).
    public static func visibleInstances(_ model: DashboardModel, ui: DashboardUI) -> [DashboardModel.Entry] {
        guard let filter = ui.filter?.lowercased(), !filter.isEmpty else { return model.entries }
        let apps = model.apps.map { $0.description.lowercased() }
        return model.entries.filter { entry in
            entry.id.description.lowercased().contains(filter) || entry.host.lowercased().contains(filter) || entry.label.lowercased().contains(filter)
                || (apps.indices.contains(entry.app) && apps[entry.app].contains(filter))
        }
    }

    /// What the reducer needs from the model, so that the session and the tests build it the same way.
    public static func context(_ model: DashboardModel, ui: DashboardUI, canChangeSpeed: Bool = true) -> DashboardContext {
        context(model, ui: ui, visible: visibleInstances(model, ui: ui), canChangeSpeed: canChangeSpeed)
    }

    static func context(_ model: DashboardModel, ui: DashboardUI, visible: [DashboardModel.Entry], canChangeSpeed: Bool) -> DashboardContext {
        let current = (model.newVersion.flatMap { new in model.fleet.phase == .succeeded ? new : nil } ?? model.oldVersion).map { model.label(of: $0) }
        let app = scaledAppIndex(model, ui: ui)
        let running = model.entries.reduce(0) { $0 + (!$1.isTerminal && $1.app == app && $1.label == current ? 1 : 0) }
        var context = DashboardContext(phase: model.fleet.phase, visibleInstances: visible.map(\.id), instances: running,
                                       scaledApp: app.map { model.apps[$0] }, canChangeSpeed: canChangeSpeed && !model.realTime)
        let fleet = model.fleet
        let steps = fleet.strategySteps.values
        context.offersPromotion = !fleet.awaitingPromotion.isEmpty || !steps.isEmpty
        context.canPromote = !fleet.awaitingPromotion.isEmpty || steps.contains(where: \.promotable)
        context.canPromoteFully = !fleet.awaitingPromotion.isEmpty || steps.contains(where: \.fullyPromotable)
        return context
    }

    /// The run spec `s` scales: the selected instance's, else the first with an instance alive.
    public static func scaledApp(_ model: DashboardModel, ui: DashboardUI) -> PathId? {
        scaledAppIndex(model, ui: ui).map { model.apps[$0] }
    }

    private static func scaledAppIndex(_ model: DashboardModel, ui: DashboardUI) -> Int? {
        let selected = ui.selected.flatMap { id in model.entries.first { $0.id == id } }
        let app = selected?.app ?? model.entries.first { !$0.isTerminal }?.app
        return app.flatMap { model.apps.indices.contains($0) ? $0 : nil }
    }

    /// Draws the whole screen.
    public static func render(_ model: DashboardModel, ui: DashboardUI, theme: Theme, width: Int, height: Int,
                              canChangeSpeed: Bool = true) -> CellBuffer {
        var buffer = CellBuffer(width: max(0, width), height: max(0, height), filling: Cell(" ", style: theme.style(.mainText)))
        let visible = visibleInstances(model, ui: ui)
        let painter = Painter(model: model, ui: ui, theme: theme, visible: visible,
                              context: context(model, ui: ui, visible: visible, canChangeSpeed: canChangeSpeed))
        switch layout(width: width, height: height) {
        case .tooSmall: painter.drawTooSmall(on: &buffer)
        case .compact: painter.drawCompact(on: &buffer)
        case .full: painter.drawFull(on: &buffer)
        }
        if theme.isASCII { asciiOnly(&buffer) }
        return buffer
    }

    /// The ASCII stand-ins for the punctuation the screens use; any other non-ASCII character (in an app's name, a
    /// reason) becomes `?`.
    static let asciiReplacements: [Unicode.Scalar: Unicode.Scalar] = [
        "·": "|", "×": "x", "÷": "/", "←": "<", "→": ">", "↓": "v", "↑": "^", "…": "~", "—": "-", "–": "-", "≥": ">", "≤": "<",
    ]

    /// Replaces every cell outside ASCII, for `--ascii` (terminals and fonts without those characters).
    static func asciiOnly(_ buffer: inout CellBuffer) {
        for y in 0..<buffer.height {
            for x in 0..<buffer.width where !buffer[x, y].symbol.isASCII {
                var cell = buffer[x, y]
                cell.symbol = asciiReplacements[cell.symbol] ?? "?"
                buffer[x, y] = cell
            }
        }
    }
}

/// Draws the parts of the dashboard for one model, UI state and theme.
struct Painter {
    let model: DashboardModel
    let ui: DashboardUI
    let theme: Theme
    let context: DashboardContext
    let borders: BorderGlyphs
    /// The instances shown (after the filter), and the grid's groups of them with their ids, worked out once.
    let visible: [DashboardModel.Entry]
    let groups: [InstanceGrid.Group]
    let groupIds: [[InstanceId]]

    init(model: DashboardModel, ui: DashboardUI, theme: Theme, visible: [DashboardModel.Entry], context: DashboardContext) {
        self.model = model
        self.ui = ui
        self.theme = theme
        self.context = context
        self.visible = visible
        borders = theme.isASCII ? .ascii : .light
        (groups, groupIds) = Self.gridGroups(visible, apps: model.apps, newLabel: model.newVersion.map { model.label(of: $0) })
    }

    private var ellipsis: Unicode.Scalar { theme.glyph(.ellipsis) }

    // MARK: Layouts

    func drawTooSmall(on buffer: inout CellBuffer) {
        let need = DashboardScreen.minimumSize
        let lines = ["rollwatch needs", "\(need.width)×\(need.height) or more;", "this terminal is", "\(buffer.width)×\(buffer.height).",
                     "Enlarge it, or q quits."]
        let top = max(0, (buffer.height - lines.count) / 2)
        for (row, line) in lines.enumerated() where top + row < buffer.height {
            let text = DisplayWidth.truncated(theme.isASCII ? line.replacingOccurrences(of: "×", with: "x") : line, to: buffer.width,
                                              ellipsis: ellipsis)
            let x = max(0, (buffer.width - DisplayWidth.columns(text)) / 2)
            buffer.write(text, x: x, y: top + row, style: theme.style(row == 1 || row == 3 ? .flashWarn : .mainText))
        }
    }

    /// The rows every layout has (header, progress, footer) and the body between them.
    private func drawChrome(progressInset: Int, on buffer: inout CellBuffer) -> Rect {
        let area = buffer.area
        drawHeader(in: Rect(x: 0, y: 0, width: area.width, height: 1), on: &buffer)
        drawProgress(in: Rect(x: progressInset, y: 1, width: area.width - 2 * progressInset, height: 1), on: &buffer)
        drawFooter(in: Rect(x: 0, y: area.height - 1, width: area.width, height: 1), on: &buffer)
        return Rect(x: 0, y: 2, width: area.width, height: area.height - 3)
    }

    /// A titled box in the theme's border style; returns its inside.
    private func box(_ title: String, _ rect: Rect, on buffer: inout CellBuffer) -> Rect {
        Border(title: title, style: theme.style(.border), titleStyle: theme.style(.title), glyphs: borders).draw(in: rect, on: &buffer)
    }

    func drawFull(on buffer: inout CellBuffer) {
        let body = drawChrome(progressInset: 1, on: &buffer)
        if ui.view == .agents {
            let parts = body.rows([.fill, .fixed(min(12, body.height / 3))])
            drawAgents(in: parts[0], on: &buffer)
            drawEvents(in: parts[1], boxed: true, on: &buffer)
        } else {
            let apps = max(1, model.fleet.progress.count)
            let healthHeight = min(2 + 3 * apps + 2, body.height / 3)
            let minimumEvents = 8
            let gridWanted = gridRowsNeeded(width: body.width - 2) + 2
            let gridHeight = max(4, min(gridWanted, body.height - healthHeight - minimumEvents))
            let parts = body.rows([.fixed(gridHeight), .fixed(healthHeight), .fill])
            drawGrid(in: box(gridTitle, parts[0], on: &buffer), on: &buffer)
            let stepsWidth = min(44, max(30, parts[1].width / 3))
            let lower = parts[1].columns([.fill, .fixed(stepsWidth)])
            drawHealth(in: box("Health", lower[0], on: &buffer), strip: true, on: &buffer)
            drawSteps(in: box(stepsTitle, lower[1], on: &buffer), on: &buffer)
            drawEvents(in: parts[2], boxed: true, on: &buffer)
        }
        drawOverlay(in: body, on: &buffer)
    }

    func drawCompact(on buffer: inout CellBuffer) {
        let body = drawChrome(progressInset: 0, on: &buffer)
        if ui.view == .agents {
            let parts = body.rows([.fill, .fixed(min(4, body.height / 3))])
            drawAgents(in: parts[0], on: &buffer)
            drawEvents(in: parts[1], boxed: false, on: &buffer)
        } else {
            // The marker row (min and max lines) when there is room for it and a few events below.
            let healthHeight = model.fleet.progress.isEmpty ? 0 : body.height >= 18 ? 3 : 2
            let minimumEvents = min(4, max(1, body.height - healthHeight - 4))
            let gridWanted = gridRowsNeeded(width: body.width - 2) + 2
            let gridHeight = max(3, min(gridWanted, body.height - healthHeight - minimumEvents))
            let parts = body.rows([.fixed(gridHeight), .fixed(healthHeight), .fill])
            drawGrid(in: box(gridTitle, parts[0], on: &buffer), on: &buffer)
            drawHealth(in: parts[1], strip: false, on: &buffer)
            drawEvents(in: parts[2], boxed: false, on: &buffer)
        }
        drawOverlay(in: body, on: &buffer)
    }

    // MARK: Header, progress, footer

    func drawHeader(in rect: Rect, on buffer: inout CellBuffer) {
        let old = model.oldVersion.map { model.label(of: $0) } ?? "-"
        let new = model.newVersion.flatMap { $0 == model.oldVersion ? nil : model.label(of: $0) }
        let rolledBack = model.rolledBack && !context.deploymentUnderWay
        let header = Header(app: model.app, strategy: model.strategy, versions: (old, new),
                            badge: StateBadge(phase: model.fleet.phase, rolledBack: rolledBack),
                            driver: model.realTime ? model.driver : Header.driverLabel(model.driver, speed: model.speed, theme: theme),
                            clock: model.clock, theme: theme)
        header.draw(in: rect, on: &buffer)
    }

    /// `[████░░░░] 12/20 new healthy · step 1/1 · 0:00:42 elapsed · ETA 0:00:30`, or what to do when nothing runs.
    func drawProgress(in rect: Rect, on buffer: inout CellBuffer) {
        guard !rect.isEmpty else { return }
        let fleet = model.fleet
        let stepText = fleet.plan.map { "step \(max(1, fleet.step))/\($0.steps.count)" }
        guard let totals = model.totals, fleet.plan != nil else {
            let text: String
            switch fleet.phase {
            case .idle: text = "Ready: \(model.entries.filter { !$0.isTerminal }.count) instances. u upgrades, r restarts, s scales, ? shows every key."
            case .succeeded: text = "Done" + (model.elapsed.map { " in " + EventLog.clock($0) } ?? "") + ". u upgrades again."
            case .failed(let reason): text = "Ended: \(reason). u upgrades again (fix the version first), r restarts what runs."
            default: text = "Starting…"
            }
            buffer.write(DisplayWidth.truncated(text, to: rect.width, ellipsis: ellipsis), x: rect.x, y: rect.y, style: theme.style(.dimText), clip: rect)
            return
        }
        let done = totals.new.healthy, target = max(totals.target, 0)
        var parts = ["\(done)/\(target) new healthy"]
        if let stepText { parts.append(stepText) }
        if fleet.phase == .running || fleet.phase == .paused, let (_, status) = fleet.strategySteps.min(by: { $0.key < $1.key }) {
            // A canary: its step and the time left on its timer say more than an ETA from the pace so far.
            let left = Self.timeLeft(status, now: model.clock).map { ": " + $0 } ?? ""
            parts.append("canary \(status.index + 1)/\(status.titles.count) \(status.title)" + left)
        }
        if let elapsed = model.elapsed { parts.append(EventLog.clock(elapsed) + " elapsed") }
        switch fleet.phase {
        case .running, .paused:
            if !fleet.awaitingPromotion.isEmpty {
                parts.append("waiting to be promoted: > promotes")
            } else if fleet.strategySteps.isEmpty {
                parts.append(model.remaining.map { "ETA " + EventLog.clock($0.rounded(.up)) } ?? "ETA -")
            }
            if fleet.phase == .paused { parts.append("paused") }
        case .succeeded:
            parts.append(model.rolledBack ? "rolled back" : "done")
        case .failed(let reason):
            parts.append(reason)
        case .idle:
            break
        }
        let text = " " + parts.joined(separator: " · ")
        let barWidth = min(30, max(0, rect.width - DisplayWidth.columns(text)))
        if barWidth >= 5 {
            let fraction = target > 0 ? Double(done) / Double(target) : 0
            let glyphs = (full: theme.glyph(.barFull), empty: theme.glyph(.barEmpty))
            let filled = Int((fraction * Double(barWidth)).rounded(.down))
            for column in 0..<barWidth {
                buffer[rect.x + column, rect.y] = column < filled ? Cell(glyphs.full, style: theme.style(.progressDone))
                    : Cell(glyphs.empty, style: theme.style(.progressTodo))
            }
        }
        let x = rect.x + (barWidth >= 5 ? barWidth : 0)
        buffer.write(DisplayWidth.truncated(text, to: rect.maxX - x, ellipsis: ellipsis), x: x, y: rect.y, style: theme.style(.progressText), clip: rect)
    }

    func drawFooter(in rect: Rect, on buffer: inout CellBuffer) {
        guard !rect.isEmpty else { return }
        var x = rect.x
        if ui.editingFilter || ui.filter != nil {
            let text = "/" + (ui.filter ?? "") + (ui.editingFilter ? "_" : "") + "  "
            x = buffer.write(text, x: x, y: rect.y, style: theme.style(.filterMatch), clip: rect)
        }
        if let flash = ui.flash {
            let slot: ThemeSlot = flash.level == .error ? .flashError : flash.level == .warning ? .flashWarn : .flashInfo
            x = buffer.write(DisplayWidth.truncated(flash.text, to: rect.maxX - x, ellipsis: ellipsis) + "  ", x: x, y: rect.y,
                             style: theme.style(slot), clip: rect)
        }
        for hint in ui.hints(context) {
            let width = DisplayWidth.columns(hint.key) + 1 + DisplayWidth.columns(hint.action) + 2
            guard x + width - 2 <= rect.maxX else { break }
            x = buffer.write(hint.key, x: x, y: rect.y, style: theme.style(hint.applies ? .hintKey : .hintInactive), clip: rect)
            x = buffer.write(" " + hint.action + "  ", x: x, y: rect.y, style: theme.style(hint.applies ? .hintText : .hintInactive), clip: rect)
        }
    }

    // MARK: Grid

    private var gridTitle: String {
        let alive = visible.reduce(0) { $0 + ($1.isTerminal ? 0 : 1) }
        let filtered = ui.filter.map { $0.isEmpty ? "" : " matching /\($0)" } ?? ""
        return "Instances: \(alive) alive" + filtered
    }

    /// The grid's groups: a row group per version (per app and version when there are several apps), in the order
    /// they first appear, with the ids of their members.
    static func gridGroups(_ visible: [DashboardModel.Entry], apps: [PathId], newLabel: String?) -> (groups: [InstanceGrid.Group], ids: [[InstanceId]]) {
        let severalApps = visible.contains { $0.app != visible.first?.app }
        var groups: [InstanceGrid.Group] = []
        var ids: [[InstanceId]] = []
        var groupOf: [String: Int] = [:]
        // Neighbours mostly share a group: the last one is checked before the table.
        var last: (app: Int, label: String, group: Int)?
        for entry in visible {
            let group: Int
            if let last, last.app == entry.app || !severalApps, last.label == entry.label {
                group = last.group
            } else {
                let name = apps.indices.contains(entry.app) ? apps[entry.app].segments.last ?? "/" : "?"
                let key = severalApps ? "\(name) \(entry.label)" : entry.label
                if let known = groupOf[key] {
                    group = known
                } else {
                    group = groups.count
                    groupOf[key] = group
                    let isNew = entry.label == newLabel
                    groups.append(InstanceGrid.Group(label: key, labelSlot: isNew ? .versionNew : .versionOld, states: []))
                    ids.append([])
                }
                last = (entry.app, entry.label, group)
            }
            groups[group].states.append(entry.state)
            ids[group].append(entry.id)
        }
        return (groups, ids)
    }

    /// The rows the grid needs at `width` with a cell per instance (or the fold that fits), for sizing its box.
    private func gridRowsNeeded(width: Int) -> Int {
        guard !groups.isEmpty else { return 1 }
        let labelWidth = (groups.map { DisplayWidth.columns($0.label) }.max() ?? 0) + 1
        return InstanceGrid.layout(counts: groups.map(\.states.count), columns: max(1, width - labelWidth), rows: 10_000).rows
    }

    func drawGrid(in rect: Rect, on buffer: inout CellBuffer) {
        guard !rect.isEmpty else { return }
        guard !groups.isEmpty else {
            let text = ui.filter != nil ? "No instance matches /\(ui.filter ?? "")." : "No instances."
            buffer.write(DisplayWidth.truncated(text, to: rect.width, ellipsis: ellipsis), x: rect.x, y: rect.y, style: theme.style(.dimText), clip: rect)
            return
        }
        var selection: (group: Int, index: Int)?
        if let selected = ui.selected {
            for (group, members) in groupIds.enumerated() {
                if let index = members.firstIndex(of: selected) { selection = (group, index) }
            }
        }
        InstanceGrid(groups: groups, theme: theme, selection: selection).draw(in: rect, on: &buffer)
    }

    // MARK: Health, strip, steps

    func drawHealth(in rect: Rect, strip: Bool, on buffer: inout CellBuffer) {
        guard !rect.isEmpty else { return }
        let progress = model.fleet.progress.values.sorted { $0.appId < $1.appId }
        let stripRows = strip && rect.height >= 5 ? 2 : 0
        guard !progress.isEmpty else {
            let alive = model.entries.filter { !$0.isTerminal }
            let healthy = alive.filter { $0.state == .healthy }.count
            let text = "\(healthy) of \(alive.count) healthy. The bar with its min-healthy and max-capacity lines appears during a deployment."
            ListView(lines: [ListView.Line(text, style: theme.style(.dimText))]).draw(in: Rect(x: rect.x, y: rect.y, width: rect.width, height: 1), on: &buffer)
            if stripRows > 0 { drawStrip(in: Rect(x: rect.x, y: rect.maxY - stripRows, width: rect.width, height: stripRows), on: &buffer) }
            return
        }
        let labelWidth = progress.count > 1 ? min(16, (progress.map { DisplayWidth.columns($0.appId.description) }.max() ?? 0) + 1) : 0
        let perApp = max(1, min(3, (rect.height - stripRows) / progress.count))
        for (index, counts) in progress.enumerated() {
            let y = rect.y + index * perApp
            guard y + perApp <= rect.maxY - stripRows || index == 0 else { break }
            if labelWidth > 0 {
                buffer.write(DisplayWidth.truncated(counts.appId.description, to: labelWidth - 1, ellipsis: ellipsis), x: rect.x, y: y,
                             style: theme.style(.title), clip: rect)
            }
            HealthBar(progress: counts, theme: theme).draw(in: Rect(x: rect.x + labelWidth, y: y, width: rect.width - labelWidth,
                                                                    height: min(perApp, rect.maxY - y)), on: &buffer)
        }
        if stripRows > 0 { drawStrip(in: Rect(x: rect.x, y: rect.maxY - stripRows, width: rect.width, height: stripRows), on: &buffer) }
    }

    /// Healthy old and new over the deployment, one column per slice of time, newest on the right.
    func drawStrip(in rect: Rect, on buffer: inout CellBuffer) {
        guard rect.height >= 2, rect.width > 6 else { return }
        let samples = model.samples
        let labels = ("old ", "new ")
        let width = rect.width - 4
        buffer.write(labels.0, x: rect.x, y: rect.y, style: theme.style(.graphOld), clip: rect)
        buffer.write(labels.1, x: rect.x, y: rect.y + 1, style: theme.style(.graphNew), clip: rect)
        guard let first = samples.first, let last = samples.last else {
            buffer.write(DisplayWidth.truncated("health over time, from the first change", to: width, ellipsis: ellipsis), x: rect.x + 4, y: rect.y,
                         style: theme.style(.dimText), clip: rect)
            return
        }
        let span = max(last.time - first.time, 1e-9)
        var columns: [(old: Int, new: Int)] = []
        var cursor = 0
        let count = min(width, max(1, samples.count))
        for column in 0..<count {
            let until = first.time + span * Double(column + 1) / Double(count)
            while cursor + 1 < samples.count && samples[cursor + 1].time <= until + 1e-9 { cursor += 1 }
            columns.append((samples[cursor].old, samples[cursor].new))
        }
        let maximum = Double(max(1, model.totals?.maxCapacity ?? 0, columns.map { max($0.old, $0.new) }.max() ?? 1))
        let levels = theme.isASCII ? Sparkline.asciiLevels : Sparkline.blocks
        Sparkline(values: columns.map { Double($0.old) }, maximum: maximum, style: theme.style(.graphOld), levels: levels)
            .draw(in: Rect(x: rect.x + 4, y: rect.y, width: count, height: 1), on: &buffer)
        Sparkline(values: columns.map { Double($0.new) }, maximum: maximum, style: theme.style(.graphNew), levels: levels)
            .draw(in: Rect(x: rect.x + 4, y: rect.y + 1, width: count, height: 1), on: &buffer)
    }

    private var stepsTitle: String {
        guard let plan = model.fleet.plan else { return "Steps" }
        return "Steps \(max(1, model.fleet.step))/\(plan.steps.count)"
    }

    func drawSteps(in rect: Rect, on buffer: inout CellBuffer) {
        guard !rect.isEmpty else { return }
        guard let plan = model.fleet.plan else {
            buffer.write(DisplayWidth.truncated("No deployment yet.", to: rect.width, ellipsis: ellipsis), x: rect.x, y: rect.y,
                         style: theme.style(.dimText), clip: rect)
            return
        }
        let current = max(1, model.fleet.step)
        var lines: [StepLine] = []
        for (index, step) in plan.steps.enumerated() {
            let number = index + 1
            let state: (GlyphSlot, ThemeSlot)
            switch model.fleet.phase {
            case .succeeded: state = (.stepDone, .stepDone)
            case .failed where number == current: state = (.stepFailed, .stepFailed)
            default: state = number < current ? (.stepDone, .stepDone) : number == current ? (.stepCurrent, .stepCurrent) : (.stepPending, .stepPending)
            }
            for (offset, action) in step.actions.enumerated() {
                lines.append(StepLine(glyph: state.0, slot: state.1, text: (offset == 0 ? "\(number) " : "  ") + action.summary))
                if number == current, let status = model.fleet.strategySteps[action.runSpec.id] {
                    lines += strategyStepLines(status)
                }
            }
        }
        // The current step (and a canary's current step with what it waits for) in view, with a line of context.
        let firstCurrent = lines.firstIndex { $0.glyph == .stepCurrent } ?? 0
        // The note under a canary's current step, when the pane has room for it.
        let lastCurrent = (lines.lastIndex { $0.glyph == .stepCurrent } ?? 0) + (rect.height >= 3 ? 1 : 0)
        var firstShown = max(0, min(lines.count - rect.height, firstCurrent - 1))
        if lastCurrent >= firstShown + rect.height { firstShown = max(0, min(lines.count - rect.height, lastCurrent - rect.height + 1)) }
        for (row, line) in lines.dropFirst(firstShown).prefix(rect.height).enumerated() {
            let x = rect.x + line.indent
            if let glyph = line.glyph, x < rect.maxX { buffer[x, rect.y + row] = Cell(theme.glyph(glyph), style: theme.style(line.slot)) }
            let textSlot: ThemeSlot = line.slot == .stepPending || line.glyph == nil ? .dimText : .mainText
            buffer.write(DisplayWidth.truncated(line.text, to: rect.maxX - x - 2, ellipsis: ellipsis), x: x + 2, y: rect.y + row,
                         style: theme.style(textSlot), clip: rect)
        }
    }

    /// A line of the steps pane: a glyph (none for a note), its style, the text, and how far it is indented.
    struct StepLine {
        var glyph: GlyphSlot?
        var slot: ThemeSlot
        var text: String
        var indent = 0
    }

    /// A canary's steps under the plan step that runs it: done, current (with the time left on its timer and
    /// what it waits for), pending.
    private func strategyStepLines(_ status: StrategyStepStatus) -> [StepLine] {
        var lines: [StepLine] = []
        for (index, title) in status.titles.enumerated() {
            if index < status.index {
                lines.append(StepLine(glyph: .stepDone, slot: .stepDone, text: title, indent: 2))
            } else if index > status.index {
                lines.append(StepLine(glyph: .stepPending, slot: .stepPending, text: title, indent: 2))
            } else {
                let left = Self.timeLeft(status, now: model.clock).map { " · " + $0 } ?? ""
                lines.append(StepLine(glyph: .stepCurrent, slot: .stepCurrent, text: title + left, indent: 2))
                lines.append(StepLine(glyph: nil, slot: .dimText, text: "waits for " + status.waitingFor, indent: 4))
            }
        }
        return lines
    }

    /// `0:00:12 left` on a step's timer, or nil when none runs.
    static func timeLeft(_ status: StrategyStepStatus, now: Double) -> String? {
        status.until.map { EventLog.clock(max(0, $0 - now).rounded(.up)) + " left" }
    }

    // MARK: Events

    func drawEvents(in rect: Rect, boxed: Bool, on buffer: inout CellBuffer) {
        guard !rect.isEmpty else { return }
        var inner = rect
        if boxed {
            inner = box("Events, newest first", rect, on: &buffer)
        } else {
            let rule = String(repeating: String(borders.horizontal), count: max(0, rect.width))
            buffer.write(rule, x: rect.x, y: rect.y, style: theme.style(.border), clip: rect)
            buffer.write(" events ", x: rect.x + 1, y: rect.y, style: theme.style(.title), clip: rect)
            inner = Rect(x: rect.x, y: rect.y + 1, width: rect.width, height: rect.height - 1)
        }
        guard !model.log.isEmpty else {
            buffer.write(DisplayWidth.truncated("Nothing has happened yet.", to: inner.width, ellipsis: ellipsis), x: inner.x, y: inner.y,
                         style: theme.style(.dimText), clip: inner)
            return
        }
        EventLog.draw(model.log.suffix(inner.height), theme: theme, in: inner, on: &buffer)
    }

    // MARK: Agents

    func drawAgents(in rect: Rect, on buffer: inout CellBuffer) {
        let inner = box("Agents: \(model.agents.count) (g: back to instances)", rect, on: &buffer)
        guard !inner.isEmpty else { return }
        guard !model.agents.isEmpty else {
            buffer.write("No agents known.", x: inner.x, y: inner.y, style: theme.style(.dimText), clip: inner)
            return
        }
        var onHost: [String: [DashboardModel.Entry]] = [:]
        for entry in visible where !entry.isTerminal && !entry.host.isEmpty {
            onHost[entry.host, default: []].append(entry)
        }
        let nameWidth = min(24, (model.agents.map { DisplayWidth.columns($0.hostname) }.max() ?? 0) + 1)
        let attributeWidth = min(24, (model.agents.map { DisplayWidth.columns($0.attributes) }.max() ?? 0) + 1)
        let usageWidth = 26
        let shown = model.agents.count > inner.height ? inner.height - 1 : model.agents.count
        for (row, agent) in model.agents.prefix(shown).enumerated() {
            let y = inner.y + row
            let members = onHost[agent.hostname] ?? []
            var cpus = 0.0, mem = 0.0
            for member in members {
                let resources = (model.apps.indices.contains(member.app) ? model.resources[model.apps[member.app]] : nil) ?? Resources(cpus: 0, mem: 0)
                cpus += resources.cpus
                mem += resources.mem
            }
            var x = buffer.write(DisplayWidth.truncated(agent.hostname, to: nameWidth - 1, ellipsis: ellipsis), x: inner.x, y: y,
                                 style: theme.style(.title), clip: inner)
            x = inner.x + nameWidth
            if attributeWidth > 1 {
                buffer.write(DisplayWidth.truncated(agent.attributes, to: attributeWidth - 1, ellipsis: ellipsis), x: x, y: y,
                             style: theme.style(.dimText), clip: inner)
                x += attributeWidth
            }
            let usage = "cpu \(Self.resourceAmount(cpus))/\(Self.resourceAmount(agent.cpus)) mem \(Self.resourceAmount(mem))/\(Self.resourceAmount(agent.mem))"
            buffer.write(DisplayWidth.truncated(usage, to: usageWidth - 1, ellipsis: ellipsis), x: x, y: y, style: theme.style(.mainText), clip: inner)
            x += usageWidth
            let room = inner.maxX - x
            guard room > 0 else { continue }
            let newLabel = model.newVersion.map { model.label(of: $0) }
            let sorted = members.sorted { ($0.label == newLabel ? 1 : 0, $0.id) < ($1.label == newLabel ? 1 : 0, $1.id) }
            for (index, member) in sorted.prefix(room).enumerated() {
                let selected = member.id == ui.selected
                buffer[x + index, y] = Cell(theme.glyph(member.state.glyphSlot), style: theme.style(selected ? .selected : member.state.themeSlot))
            }
            if sorted.count > room, room > 0 {
                buffer[inner.maxX - 1, y] = Cell("+", style: theme.style(.dimText))
            }
        }
        if shown < model.agents.count {
            buffer.write("+\(model.agents.count - shown) more agents", x: inner.x, y: inner.maxY - 1, style: theme.style(.dimText), clip: inner)
        }
    }

    /// `4`, `1.5`: a resource amount with at most one decimal.
    static func resourceAmount(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String((value * 10).rounded() / 10)
    }

    // MARK: Overlays

    func drawOverlay(in area: Rect, on buffer: inout CellBuffer) {
        switch ui.overlay {
        case .none: return
        case .help: drawHelp(in: area, on: &buffer)
        case .preparingUpgrade(let restart, _):
            drawDialog(title: restart ? "Rolling restart" : "Upgrade", lines: [("Working out the plan in the simulator…", .dialog)],
                       buttons: [("esc", "cancel", false, false)], in: area, on: &buffer)
        case .confirmUpgrade(let preview, _): drawUpgrade(preview, in: area, on: &buffer)
        case .confirmAbort(let choice):
            var lines: [(String, ThemeSlot)] = [("The deployment stops taking steps. Then:", .dialog), ("", .dialog),
                                                ("roll back  deploys the previous definitions again (Marathon's rollback)", .dialog),
                                                ("stop here  leaves every instance as it is now, old and new", .dialog)]
            if let totals = model.totals {
                lines.insert(("Now \(totals.old.alive) old and \(totals.new.alive) new alive, \(totals.old.healthy + totals.new.healthy) healthy.", .dialog), at: 1)
            }
            let buttons = DashboardUI.AbortChoice.allCases.map { option -> (String, String, Bool, Bool) in
                switch option {
                case .rollBack: return ("r", "roll back", option == choice, true)
                case .stop: return ("s", "stop here", option == choice, true)
                case .cancel: return ("c", "cancel", option == choice, false)
                }
            }
            drawDialog(title: "Abort the deployment?", lines: lines, buttons: buttons, in: area, on: &buffer)
        case .confirmQuit:
            drawDialog(title: "Quit?", lines: [("A deployment is under way; it stops where it is,", .dialog),
                                               ("and the simulated cluster goes with rollwatch.", .dialog)],
                       buttons: [("y", "quit", false, true), ("n", "stay", true, false)], in: area, on: &buffer)
        case .scale(let text, let error):
            var lines: [(String, ThemeSlot)] = [("\(context.scaledApp?.description ?? model.app) runs \(context.instances) instances.", .dialog),
                                                ("Scale to: " + text + "_", .dialogTitle)]
            if let error { lines.append((error, .flashError)) }
            drawDialog(title: "Scale", lines: lines, buttons: [("enter", "scale", true, false), ("esc", "cancel", false, false)], in: area, on: &buffer)
        case .detail(let id): drawDetail(id, in: area, on: &buffer)
        }
    }

    private func drawUpgrade(_ preview: UpgradePreview, in area: Rect, on buffer: inout CellBuffer) {
        var lines: [(String, ThemeSlot)] = [(preview.title, .dialogTitle), ("strategy: " + preview.strategy, .dialog)]
        for step in preview.steps { lines.append(("step: " + step, .dialog)) }
        for restart in preview.restarts {
            lines.append(("\(restart.app): keep \(restart.minHealthy) healthy, at most \(restart.maxCapacity) in all, kill \(restart.killImmediately) now", .dialog))
        }
        if let duration = preview.predictedDuration {
            lines.append(((preview.completes ? "predicted: done in " : "predicted: stuck after ") + EventLog.clock(duration) + " of simulated time", .dialog))
        }
        for warning in preview.warnings { lines.append(("! " + warning, preview.completes ? .flashWarn : .flashError)) }
        drawDialog(title: preview.isRestart ? "Rolling restart" : "Upgrade", lines: lines,
                   buttons: [("enter", preview.isRestart ? "restart" : "upgrade", true, !preview.completes), ("esc", "cancel", false, false)],
                   in: area, on: &buffer)
    }

    private func drawHelp(in area: Rect, on buffer: inout CellBuffer) {
        let keys: [(String, String)] = [
            ("u", "upgrade: to --to, or to the app file as it is now on disk"), ("r", "rolling restart of what runs"),
            ("p", "pause / resume the deployment"), ("a", "abort: roll back, or stop where it is"),
            ("t", "time-lapse on / off"), ("+ -", "speed ×2 / ÷2 (up to ×1000)"), ("s", "scale to a number of instances"),
            ("g", "agents / instances"), ("/", "filter by id, host, app or version; esc clears"),
            ("arrows", "select an instance"), ("enter", "instance detail"), (">", "promote: end a canary's pause or gate, or switch blue-green"),
            ("P", "promote fully: skip a canary's remaining steps"),
            ("q", "quit (asks while a deployment runs)"),
        ]
        var lines: [(String, ThemeSlot)] = keys.map { ($0.0 + String(repeating: " ", count: max(1, 8 - $0.0.count)) + $0.1, .dialog) }
        lines.append(("States:", .dialogTitle))
        let states = InstanceDisplayState.allCases
        let names: [InstanceDisplayState: String] = [.waiting: "waiting for agent", .staging: "staging", .starting: "starting",
                                                     .unknown: "health unknown", .healthy: "healthy", .unhealthy: "unhealthy",
                                                     .killing: "being killed", .killed: "killed", .failed: "failed"]
        // The legend: three states a row, in the rows left under the keys (above the "+N more" row if cut).
        let columns = 3
        let legendRows = (states.count + columns - 1) / columns
        var inner = drawDialog(title: "Keys", lines: lines + Array(repeating: ("", .dialog), count: legendRows),
                               buttons: [("?", "close", true, false)], in: area, on: &buffer)
        guard !inner.isEmpty else { return }
        let bottom = inner.maxY - (lines.count + legendRows > inner.height ? 1 : 0)
        inner.y += lines.count
        inner.height = max(0, bottom - inner.y)
        let columnWidth = max(1, inner.width / columns)
        for (index, state) in states.enumerated() {
            let x = inner.x + (index % columns) * columnWidth, y = inner.y + index / columns
            guard y < bottom else { break }
            buffer[x, y] = Cell(theme.glyph(state.glyphSlot), style: theme.style(state.themeSlot))
            buffer.write(DisplayWidth.truncated(" " + (names[state] ?? ""), to: columnWidth - 2, ellipsis: ellipsis), x: x + 1, y: y,
                         style: theme.style(.dialog), clip: inner)
        }
    }

    private func drawDetail(_ id: InstanceId, in area: Rect, on buffer: inout CellBuffer) {
        guard let instance = model.fleet.instances[id] else {
            drawDialog(title: id.description, lines: [("This instance is gone from the fleet.", .dialog)],
                       buttons: [("esc", "close", true, false)], in: area, on: &buffer)
            return
        }
        let state = InstanceDisplayState(instance)
        let health = instance.healthy.map { $0 ? "healthy" : "unhealthy" } ?? "unknown"
        var lines: [(String, ThemeSlot)] = [
            ("app      \(instance.ref.appId)", .dialog),
            ("version  \(model.label(of: instance.ref.version))  (\(instance.ref.version))", .dialog),
            ("host     \(instance.ref.host.isEmpty ? "not placed" : instance.ref.host)", .dialog),
            ("status   \(instance.taskStatus ?? "not launched") since \(EventLog.clock(instance.since)), health \(health)", state.themeSlot),
        ]
        if let reason = instance.waitingReason { lines.append(("waiting  " + reason, .flashWarn)) }
        if let process = instance.process {
            let ports = process.ports.isEmpty ? "no ports" : "port" + (process.ports.count == 1 ? " " : "s ") + process.ports.map(String.init).joined(separator: ",")
            lines.append(("process  pid \(process.pid) · \(ports)", .dialog))
            lines.append(("sandbox  \(process.sandbox)", .dialog))
        }
        if let check = instance.lastCheck {
            let answer = check.failure.map { "failed at \(EventLog.clock(check.time)): \($0)" } ?? "passed at \(EventLog.clock(check.time))"
            lines.append(("checks   last \(answer)", check.failure == nil ? .dialog : .flashWarn))
        }
        if let output = model.outputTail[id], !output.isEmpty {
            lines.append(("", .dialog))
            lines.append(("stderr, last lines:", .dialogTitle))
            lines += output.map { ("  " + $0, .dimText) }
        }
        lines.append(("", .dialog))
        lines.append(("History, newest first:", .dialogTitle))
        if instance.history.isEmpty { lines.append(("no change since rollwatch started", .dimText)) }
        for change in instance.history.reversed() {
            lines.append(("\(EventLog.clock(change.time))  \(change.what)" + (change.reason.isEmpty ? "" : ": \(change.reason)"), .dialog))
        }
        drawDialog(title: "Instance \(id)", lines: lines, buttons: [("←→", "previous/next", false, false), ("esc", "close", true, false)],
                   in: area, on: &buffer, wide: true)
    }

    /// A box centred in `area` with a title, lines, and a row of buttons (key, label, focused, dangerous); returns
    /// the inside of the box above the buttons. Lines that do not fit are cut, and the last row says how many.
    @discardableResult
    private func drawDialog(title: String, lines: [(String, ThemeSlot)], buttons: [(key: String, label: String, focused: Bool, danger: Bool)],
                            in area: Rect, on buffer: inout CellBuffer, wide: Bool = false) -> Rect {
        guard area.width >= 12, area.height >= 5 else { return Rect(x: 0, y: 0, width: 0, height: 0) }
        let buttonTexts = buttons.map { " \($0.key): \($0.label) " }
        let buttonsWidth = buttonTexts.reduce(0) { $0 + DisplayWidth.columns($1) + 2 }
        let contentWidth = max(lines.map { DisplayWidth.columns($0.0) }.max() ?? 0, buttonsWidth, DisplayWidth.columns(title) + 4)
        let width = min(area.width - 2, max(wide ? 80 : 40, contentWidth + 4))
        let height = min(area.height, lines.count + 4)
        let box = Rect(x: area.x + (area.width - width) / 2, y: area.y + (area.height - height) / 2, width: width, height: height)
        buffer.fill(box, with: Cell(" ", style: theme.style(.dialog)))
        let inner = Border(title: title, style: theme.style(.dialog), titleStyle: theme.style(.dialogTitle), glyphs: borders)
            .draw(in: box, on: &buffer).inset(by: 0)
        let text = Rect(x: inner.x + 1, y: inner.y, width: inner.width - 2, height: max(0, inner.height - 2))
        let overflow = lines.count > text.height
        let shown = overflow ? max(0, text.height - 1) : lines.count
        for (row, line) in lines.prefix(shown).enumerated() {
            buffer.write(DisplayWidth.truncated(line.0, to: text.width, ellipsis: ellipsis), x: text.x, y: text.y + row, style: theme.style(line.1), clip: text)
        }
        if overflow, text.height > 0 {
            buffer.write("+\(lines.count - shown) more lines", x: text.x, y: text.maxY - 1, style: theme.style(.dimText), clip: text)
        }
        var x = inner.x + max(1, (inner.width - buttonsWidth) / 2)
        let y = inner.maxY - 1
        for (index, button) in buttons.enumerated() {
            let slot: ThemeSlot = button.focused ? (button.danger ? .buttonDanger : .buttonFocus) : .button
            x = buffer.write(buttonTexts[index], x: x, y: y, style: theme.style(slot), clip: inner) + 2
        }
        return text
    }
}
