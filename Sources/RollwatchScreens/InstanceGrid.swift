import RollwatchCore
import RollwatchTUI

/// What one cell of the instance grid says about an instance, in the order a rollout moves through them.
public enum InstanceDisplayState: Int, Sendable, CaseIterable, Hashable, Comparable {
    /// Wanted, and no agent has room for it (`instance_unplaceable_event`).
    case waiting
    /// Launched and not started yet (`TASK_STAGING`): being placed, fetched and prepared, or in launch back-off.
    case staging
    /// The process is starting (`TASK_STARTING`).
    case starting
    /// Running, with no health result yet, or no health checks.
    case unknown
    case healthy
    case unhealthy
    /// Asked to stop, not gone yet (`TASK_KILLING`).
    case killing
    /// Stopped on purpose.
    case killed
    /// Exited on its own, failed to launch, or was lost.
    case failed

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The state of an instance as the fleet's events left it: its task status first, then its health.
    public init(_ instance: FleetSnapshot.Instance) {
        switch instance.taskStatus {
        case nil: self = .waiting
        case "TASK_STAGING": self = instance.waitingReason == nil ? .staging : .waiting
        case "TASK_STARTING": self = .starting
        case "TASK_RUNNING":
            switch instance.healthy {
            case true?: self = .healthy
            case false?: self = .unhealthy
            case nil: self = .unknown
            }
        case "TASK_KILLING": self = .killing
        case "TASK_KILLED", "TASK_FINISHED": self = .killed
        default: self = instance.isTerminal ? .failed : .unknown
        }
    }

    /// The theme slot of the state's colour.
    public var themeSlot: ThemeSlot {
        switch self {
        case .waiting: return .instWaiting
        case .staging: return .instStaging
        case .starting: return .instStarting
        case .unknown: return .instUnknown
        case .healthy: return .instHealthy
        case .unhealthy: return .instUnhealthy
        case .killing: return .instKilling
        case .killed: return .instKilled
        case .failed: return .instFailed
        }
    }

    /// The glyph slot of the state's symbol.
    public var glyphSlot: GlyphSlot {
        switch self {
        case .waiting: return .instWaiting
        case .staging: return .instStaging
        case .starting: return .instStarting
        case .unknown: return .instUnknown
        case .healthy: return .instHealthy
        case .unhealthy: return .instUnhealthy
        case .killing: return .instKilling
        case .killed: return .instKilled
        case .failed: return .instFailed
        }
    }

    /// How much a state needs attention: a folded cell shows its most urgent member, so trouble is never averaged
    /// away (failed, unhealthy, then the states in motion, then the settled ones).
    public var urgency: Int {
        switch self {
        case .failed: return 8
        case .unhealthy: return 7
        case .killing: return 6
        case .waiting: return 5
        case .staging: return 4
        case .starting: return 3
        case .unknown: return 2
        case .killed: return 1
        case .healthy: return 0
        }
    }
}

/// The instance grid: one cell per instance, a row group per version, folding several instances into one cell
/// when there are more instances than cells, and saying so on its last row.
public struct InstanceGrid: Sendable {
    /// The instances of one version, in a stable order (by instance id), under a label such as `v1`.
    public struct Group: Sendable, Hashable {
        public var label: String
        public var labelSlot: ThemeSlot
        public var states: [InstanceDisplayState]

        public init(label: String, labelSlot: ThemeSlot, states: [InstanceDisplayState]) {
            self.label = label
            self.labelSlot = labelSlot
            self.states = states
        }
    }

    /// How the grid was laid out, for the caller's title and for tests.
    public struct Layout: Sendable, Hashable {
        /// Instances per cell: 1 unless the grid had to fold.
        public var instancesPerCell: Int
        /// Columns per cell: 2 (a glyph and a space) when there is room, else 1.
        public var cellWidth: Int
        /// Rows used by the groups (without the folding note).
        public var rows: Int

        public init(instancesPerCell: Int, cellWidth: Int, rows: Int) {
            self.instancesPerCell = instancesPerCell
            self.cellWidth = cellWidth
            self.rows = rows
        }
    }

    public var groups: [Group]
    public var theme: Theme
    /// The selected instance, as its group and its place in the group: its cell is drawn in the `selected` style.
    public var selection: (group: Int, index: Int)?

    public init(groups: [Group], theme: Theme, selection: (group: Int, index: Int)? = nil) {
        self.groups = groups
        self.theme = theme
        self.selection = selection
    }

    /// Draws the grid in `rect` and returns how it was laid out. The labels take a column of their own; groups
    /// never share a row; when the instances do not fit one per cell, each cell stands for the smallest number of
    /// instances that fits and shows the most urgent state among them, and the last row says how many when a row
    /// is left for it (the returned layout lets the caller say it elsewhere otherwise).
    @discardableResult
    public func draw(in rect: Rect, on buffer: inout CellBuffer) -> Layout {
        let labelWidth = (groups.map { DisplayWidth.columns($0.label) }.max() ?? 0) + 1
        let cellsWidth = rect.width - labelWidth
        guard cellsWidth > 0, rect.height > 0, !groups.isEmpty else { return Layout(instancesPerCell: 1, cellWidth: 1, rows: 0) }
        let layout = Self.layout(counts: groups.map(\.states.count), columns: cellsWidth, rows: rect.height)
        let perRow = Self.cellsPerRow(columns: cellsWidth, cellWidth: layout.cellWidth)
        // Each state's cell looked up once, not once per instance.
        let cellOf = InstanceDisplayState.allCases.map { Cell(theme.glyph($0.glyphSlot), style: theme.style($0.themeSlot)) }
        let selectedStyle = theme.style(.selected)
        var y = rect.y
        for (groupIndex, group) in groups.enumerated() {
            guard y < rect.maxY else { break }
            buffer.write(group.label, x: rect.x, y: y, style: theme.style(group.labelSlot), clip: rect)
            let cells = Self.fold(group.states, by: layout.instancesPerCell)
            let selectedCell = selection.flatMap { $0.group == groupIndex ? $0.index / layout.instancesPerCell : nil }
            for (index, state) in cells.enumerated() {
                let row = y + index / perRow
                guard row < rect.maxY else { break }
                let x = rect.x + labelWidth + (index % perRow) * layout.cellWidth
                var cell = cellOf[state.rawValue]
                if index == selectedCell { cell.style = selectedStyle }
                buffer[x, row] = cell
            }
            y += max(1, (cells.count + perRow - 1) / perRow)
        }
        if layout.instancesPerCell > 1, rect.height > layout.rows {
            let note = "1 cell = \(layout.instancesPerCell) instances, worst shown"
            buffer.write(DisplayWidth.truncated(note, to: rect.width, ellipsis: theme.glyph(.ellipsis)), x: rect.x, y: rect.maxY - 1, style: theme.style(.dimText), clip: rect)
        }
        return layout
    }

    /// Cells in a row of `columns`: with spacing, the last cell needs no space after it.
    static func cellsPerRow(columns: Int, cellWidth: Int) -> Int {
        max(1, (columns + cellWidth - 1) / cellWidth)
    }

    /// The spacing and folding that fit the groups' counts into `columns` × `rows`: spaced cells when they fit,
    /// then packed cells, then the smallest fold that fits with a row kept for the note, else the smallest that
    /// fits without it.
    static func layout(counts: [Int], columns: Int, rows: Int) -> Layout {
        func rowsNeeded(cellWidth: Int, perCell: Int) -> Int {
            let perRow = cellsPerRow(columns: columns, cellWidth: cellWidth)
            return counts.reduce(0) { total, count in
                let cells = (count + perCell - 1) / perCell
                return total + max(1, (cells + perRow - 1) / perRow)
            }
        }
        for cellWidth in [2, 1] where rowsNeeded(cellWidth: cellWidth, perCell: 1) <= rows {
            return Layout(instancesPerCell: 1, cellWidth: cellWidth, rows: rowsNeeded(cellWidth: cellWidth, perCell: 1))
        }
        let largest = max(2, counts.max() ?? 2)
        func smallestFold(within available: Int) -> Int? {
            guard rowsNeeded(cellWidth: 1, perCell: largest) <= available else { return nil }
            var low = 2, high = largest
            while low < high {
                let middle = (low + high) / 2
                if rowsNeeded(cellWidth: 1, perCell: middle) <= available { high = middle } else { low = middle + 1 }
            }
            return low
        }
        let fold = smallestFold(within: rows - 1) ?? smallestFold(within: rows) ?? largest
        return Layout(instancesPerCell: fold, cellWidth: 1, rows: min(rows, rowsNeeded(cellWidth: 1, perCell: fold)))
    }

    /// The states folded `size` at a time, each fold showing its most urgent state.
    static func fold(_ states: [InstanceDisplayState], by size: Int) -> [InstanceDisplayState] {
        guard size > 1 else { return states }
        return stride(from: 0, to: states.count, by: size).map { start in
            states[start..<min(start + size, states.count)].max { $0.urgency < $1.urgency } ?? .unknown
        }
    }
}
