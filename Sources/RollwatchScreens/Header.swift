import RollwatchCore
import RollwatchTUI

/// The state badge of the header: where the deployment stands, in a word and its theme colour.
public enum StateBadge: Sendable, Hashable, CaseIterable {
    /// No deployment has run: the fleet as it is, waiting for `u`.
    case ready
    case live
    case paused
    case done
    case failed
    case rolledBack

    /// The badge of a deployment phase; `rolledBack` is known only to the scheduler (a roll back is a cancelled
    /// deployment followed by a new one), so the caller says so.
    public init(phase: FleetSnapshot.Phase, rolledBack: Bool) {
        if rolledBack {
            self = .rolledBack
            return
        }
        switch phase {
        case .idle: self = .ready
        case .running: self = .live
        case .paused: self = .paused
        case .succeeded: self = .done
        case .failed: self = .failed
        }
    }

    public var text: String {
        switch self {
        case .ready: return "READY"
        case .live: return "LIVE"
        case .paused: return "PAUSED"
        case .done: return "DONE"
        case .failed: return "FAILED"
        case .rolledBack: return "ROLLED BACK"
        }
    }

    public var slot: ThemeSlot {
        switch self {
        case .ready: return .badgeIdle
        case .live: return .badgeLive
        case .paused: return .badgePaused
        case .done: return .badgeDone
        case .failed: return .badgeFailed
        case .rolledBack: return .badgeRolledBack
        }
    }
}

/// The header line: app, strategy and versions on the left; the badge, the driver with its speed and the run's
/// clock on the right. When the line is too narrow, the left side gives way first (strategy, then versions),
/// then the clock; the badge always stays.
public struct Header: Sendable {
    public var app: String
    /// `rolling 0.85 / 0.15`, `recreate`, …
    public var strategy: String
    /// The old version's label and the new one's, when an upgrade is under way or done.
    public var versions: (old: String, new: String?)
    public var badge: StateBadge
    /// `SIM ×10`, `SIM max`, `LOCAL`: the driver and how fast its time runs.
    public var driver: String
    /// Seconds since the run began.
    public var clock: Double
    public var theme: Theme

    public init(app: String, strategy: String, versions: (old: String, new: String?), badge: StateBadge, driver: String,
                clock: Double, theme: Theme) {
        self.app = app
        self.strategy = strategy
        self.versions = versions
        self.badge = badge
        self.driver = driver
        self.clock = clock
        self.theme = theme
    }

    /// `SIM ×10`, `SIM ×0.5`, `SIM max` with the theme's multiplication sign.
    public static func driverLabel(_ name: String, speed: Double?, theme: Theme) -> String {
        guard let speed else { return name + " max" }
        let number = speed == speed.rounded() && speed < 1e9 ? String(Int(speed)) : String(speed)
        return name + " " + String(theme.glyph(.times)) + number
    }

    /// Draws the header on the first row of `rect`.
    public func draw(in rect: Rect, on buffer: inout CellBuffer) {
        guard !rect.isEmpty else { return }
        let row = Rect(x: rect.x, y: rect.y, width: rect.width, height: 1)
        let badgeText = " " + badge.text + " "
        let clockText = EventLog.clock(clock)
        let versionText = versions.new.map { "\(versions.old) \(theme.glyph(.arrow)) \($0)" } ?? versions.old
        let badgeWidth = DisplayWidth.columns(badgeText)
        var right: [(String, Style)] = [(badgeText, theme.style(badge.slot)), ("  " + driver, theme.style(.badgeSim)), ("  " + clockText, theme.style(.mainText))]
        var left: [(String, Style)] = [(app, theme.style(.title)), ("  " + versionText, theme.style(.versionNew)), ("  " + strategy, theme.style(.dimText))]
        func width(_ parts: [(String, Style)]) -> Int { parts.reduce(0) { $0 + DisplayWidth.columns($1.0) } }
        while width(left) + width(right) + 1 > rect.width, left.count > 1 { left.removeLast() }
        while width(left) + width(right) + 1 > rect.width, right.count > 1 { right.removeLast() }
        if width(left) + width(right) + 1 > rect.width { left = [] }
        var x = rect.x
        for (text, style) in left {
            x = buffer.write(DisplayWidth.truncated(text, to: max(0, rect.maxX - x - badgeWidth - 1), ellipsis: theme.glyph(.ellipsis)),
                             x: x, y: rect.y, style: style, clip: row)
        }
        var rightX = max(rect.x, rect.maxX - width(right))
        for (text, style) in right { rightX = buffer.write(text, x: rightX, y: rect.y, style: style, clip: row) }
    }
}
