import RollwatchTUI

/// A semantic place on the screen that a theme colours: the screens ask for `inst_healthy`, never for "green".
public enum ThemeSlot: String, Sendable, CaseIterable, Hashable {
    // Base and pane chrome.
    case mainText = "main_fg"
    case title
    case border
    case borderFocus = "border_focus"
    case dimText = "dim_text"
    // Footer key hints and selections.
    case hintKey = "hint_key"
    case hintText = "hint_text"
    case hintInactive = "hint_inactive"
    case selected
    case filterMatch = "filter_match"
    // Dialogs.
    case dialog
    case dialogTitle = "dialog_title"
    case button
    case buttonFocus = "button_focus"
    case buttonDanger = "button_danger"
    // Transient status line.
    case flashInfo = "flash_info"
    case flashWarn = "flash_warn"
    case flashError = "flash_error"
    // State badges in the header.
    case badgeIdle = "badge_idle"
    case badgeLive = "badge_live"
    case badgePaused = "badge_paused"
    case badgeDone = "badge_done"
    case badgeFailed = "badge_failed"
    case badgeRolledBack = "badge_rolled_back"
    case badgeSim = "badge_sim"
    // Instance states, one per cell of the grid.
    case instWaiting = "inst_waiting"
    case instStaging = "inst_staging"
    case instStarting = "inst_starting"
    case instUnknown = "inst_unknown"
    case instHealthy = "inst_healthy"
    case instUnhealthy = "inst_unhealthy"
    case instKilling = "inst_killing"
    case instKilled = "inst_killed"
    case instFailed = "inst_failed"
    // Versions.
    case versionOld = "ver_old"
    case versionNew = "ver_new"
    // Progress and health bars.
    case progressDone = "progress_done"
    case progressTodo = "progress_todo"
    case progressText = "progress_text"
    case markerMinHealthy = "marker_min_healthy"
    case markerMaxCapacity = "marker_max_capacity"
    // Plan steps.
    case stepDone = "step_done"
    case stepCurrent = "step_current"
    case stepPending = "step_pending"
    case stepFailed = "step_failed"
    // The healthy-over-time strip.
    case graphOld = "graph_old"
    case graphNew = "graph_new"
    // The event log.
    case logTime = "log_time"
    case logInfo = "log_info"
    case logAction = "log_action"
    case logWarn = "log_warn"
    case logError = "log_error"
}

/// A symbol a theme may replace, so that one theme can be ASCII-safe or use shapes that survive colour blindness.
public enum GlyphSlot: String, Sendable, CaseIterable, Hashable {
    case instWaiting = "inst_waiting"
    case instStaging = "inst_staging"
    case instStarting = "inst_starting"
    case instUnknown = "inst_unknown"
    case instHealthy = "inst_healthy"
    case instUnhealthy = "inst_unhealthy"
    case instKilling = "inst_killing"
    case instKilled = "inst_killed"
    case instFailed = "inst_failed"
    case barFull = "bar_full"
    case barEmpty = "bar_empty"
    case marker
    case stepDone = "step_done"
    case stepCurrent = "step_current"
    case stepPending = "step_pending"
    case stepFailed = "step_failed"
    /// The sign of the speed factor, as in `SIM ×10`.
    case times
    /// The end of a line cut to fit.
    case ellipsis
    /// From one version to the next, as in `v1 → v2`.
    case arrow

    /// The glyphs when a theme says nothing: Unicode shapes that differ by form, not only by colour.
    public static let unicodeDefaults: [GlyphSlot: Unicode.Scalar] = [
        .instWaiting: "·", .instStaging: "◌", .instStarting: "◔", .instUnknown: "○", .instHealthy: "●",
        .instUnhealthy: "✖", .instKilling: "◐", .instKilled: "×", .instFailed: "!",
        .barFull: "█", .barEmpty: "░", .marker: "│",
        .stepDone: "✔", .stepCurrent: "▶", .stepPending: "·", .stepFailed: "✖", .times: "×", .ellipsis: "…", .arrow: "→",
    ]

    /// The glyphs under `--ascii` (or a terminal without UTF-8): one printable ASCII character each.
    public static let asciiDefaults: [GlyphSlot: Unicode.Scalar] = [
        .instWaiting: ".", .instStaging: "s", .instStarting: "o", .instUnknown: "?", .instHealthy: "#",
        .instUnhealthy: "X", .instKilling: "k", .instKilled: "x", .instFailed: "!",
        .barFull: "#", .barEmpty: "-", .marker: "|",
        .stepDone: "+", .stepCurrent: ">", .stepPending: ".", .stepFailed: "X", .times: "x", .ellipsis: "~", .arrow: ">",
    ]
}

/// What the terminal can show, which decides how a theme's colours degrade.
public struct ColorCapability: Sendable, Hashable, CustomStringConvertible {
    /// 0 (attributes only), 8, 16, 256 or 16,777,216 colours.
    public var colors: Int

    public init(colors: Int) { self.colors = colors }

    public static let none = ColorCapability(colors: 0)
    public static let ansi16 = ColorCapability(colors: 16)
    public static let palette256 = ColorCapability(colors: 256)
    public static let trueColor = ColorCapability(colors: 1 << 24)

    /// The capability from the environment: `NO_COLOR` (any non-empty value) wins, then `COLORTERM=truecolor` or
    /// `24bit`, then the terminfo colour count the terminal reported.
    public static func detect(environment: [String: String], terminfoColors: Int) -> ColorCapability {
        if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return .none }
        if let colorTerm = environment["COLORTERM"]?.lowercased(), colorTerm == "truecolor" || colorTerm == "24bit" {
            return .trueColor
        }
        return ColorCapability(colors: max(0, terminfoColors))
    }

    public var description: String {
        switch colors {
        case 0: return "no colour"
        case (1 << 24)...: return "24-bit colour"
        default: return "\(colors) colours"
        }
    }
}

/// A complete theme: a style for every slot and a glyph for every glyph slot, after inheritance.
public struct Theme: Sendable, Hashable {
    /// The name the theme is chosen by (`--theme NAME`).
    public let name: String
    /// One sentence for `rollwatch themes`.
    public let summary: String
    private let styles: [ThemeSlot: Style]
    private let glyphs: [GlyphSlot: Unicode.Scalar]

    /// A theme from complete tables; slots missing from a table fall back to the terminal's plain style and to
    /// the Unicode glyph defaults (the theme library never builds such a theme: it reports missing slots).
    public init(name: String, summary: String = "", styles: [ThemeSlot: Style], glyphs: [GlyphSlot: Unicode.Scalar] = [:]) {
        self.name = name
        self.summary = summary
        self.styles = styles
        self.glyphs = glyphs
    }

    /// The style of a slot.
    public func style(_ slot: ThemeSlot) -> Style { styles[slot] ?? .plain }

    /// The glyph of a glyph slot.
    public func glyph(_ slot: GlyphSlot) -> Unicode.Scalar {
        glyphs[slot] ?? GlyphSlot.unicodeDefaults[slot] ?? "?"
    }

    /// True when every glyph is ASCII (`--ascii`, or a theme made so): boxes and bars are then drawn in ASCII too.
    public var isASCII: Bool {
        GlyphSlot.allCases.allSatisfy { glyph($0).isASCII }
    }

    /// The theme as this terminal shows it: colours degraded to `capability` (24-bit → 256 → 16 → 8 → none,
    /// attributes always kept) and, with `ascii`, every glyph outside ASCII replaced by the ASCII default.
    public func adapted(to capability: ColorCapability, ascii: Bool) -> Theme {
        var adaptedStyles: [ThemeSlot: Style] = [:]
        for (slot, style) in styles {
            adaptedStyles[slot] = Style(foreground: style.foreground.degraded(toColors: capability.colors),
                                        background: style.background.degraded(toColors: capability.colors),
                                        attributes: style.attributes)
        }
        var adaptedGlyphs = glyphs
        if ascii {
            for slot in GlyphSlot.allCases {
                let current = glyph(slot)
                if !current.isASCII { adaptedGlyphs[slot] = GlyphSlot.asciiDefaults[slot] }
            }
        }
        return Theme(name: name, summary: summary, styles: adaptedStyles, glyphs: adaptedGlyphs)
    }
}
