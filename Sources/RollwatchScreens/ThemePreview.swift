import RollwatchTUI

/// A few lines that show what a theme looks like: every instance state with its glyph, the badges, a health bar
/// with its markers, footer keys and log levels. `rollwatch themes` prints one per theme.
public enum ThemePreview {
    /// One styled piece of the preview, laid out left to right and wrapped as a whole.
    private struct Piece {
        var parts: [(text: String, style: Style)]
        var width: Int { parts.reduce(0) { $0 + DisplayWidth.columns($1.text) } }
    }

    /// The preview of a theme in `width` columns: a title line, then the samples wrapped to the width.
    public static func render(_ theme: Theme, width: Int) -> CellBuffer {
        let width = max(width, 20)
        var rows: [[Piece]] = []
        rows.append(InstanceDisplayState.allCases.map { state in
            Piece(parts: [(String(theme.glyph(state.glyphSlot)), theme.style(state.themeSlot)), (" \(state)", theme.style(.dimText))])
        })
        let badges: [(ThemeSlot, String)] = [(.badgeIdle, "READY"), (.badgeLive, "LIVE"), (.badgePaused, "PAUSED"),
                                              (.badgeDone, "DONE"), (.badgeFailed, "FAILED"), (.badgeRolledBack, "ROLLED BACK")]
        var badgeRow = badges.map { Piece(parts: [(" \($0.1) ", theme.style($0.0))]) }
        badgeRow.append(Piece(parts: [("SIM \(theme.glyph(.times))10", theme.style(.badgeSim))]))
        rows.append(badgeRow)
        rows.append([healthBar(theme), footer(theme)])
        let logs: [(ThemeSlot, String)] = [(.logInfo, "info"), (.logAction, "action"), (.logWarn, "warning"), (.logError, "error")]
        rows.append([Piece(parts: [("12:04:31", theme.style(.logTime))])] + logs.map { Piece(parts: [($0.1, theme.style($0.0))]) })

        var lines: [[Piece]] = []
        for row in rows {
            var line: [Piece] = []
            var used = 2
            for piece in row {
                if !line.isEmpty && used + piece.width > width {
                    lines.append(line)
                    line = []
                    used = 2
                }
                line.append(piece)
                used += piece.width + 2
            }
            if !line.isEmpty { lines.append(line) }
        }
        var buffer = CellBuffer(width: width, height: lines.count + 1)
        var x = buffer.write(theme.name, x: 0, y: 0, style: theme.style(.title))
        if !theme.summary.isEmpty {
            x = buffer.write("  " + DisplayWidth.truncated(theme.summary, to: max(0, width - x - 2), ellipsis: theme.glyph(.ellipsis)), x: x, y: 0, style: theme.style(.mainText))
        }
        for (index, line) in lines.enumerated() {
            var column = 2
            for piece in line {
                for part in piece.parts { column = buffer.write(part.text, x: column, y: index + 1, style: part.style) }
                column += 2
            }
        }
        return buffer
    }

    /// A small stacked health bar: healthy, starting, a gap, with the minimum-healthy and maximum-capacity marks.
    private static func healthBar(_ theme: Theme) -> Piece {
        let full = String(theme.glyph(.barFull)), empty = String(theme.glyph(.barEmpty)), marker = String(theme.glyph(.marker))
        return Piece(parts: [
            (String(repeating: full, count: 9), theme.style(.progressDone)),
            (marker, theme.style(.markerMinHealthy)),
            (String(repeating: full, count: 2), theme.style(.instStarting)),
            (String(repeating: empty, count: 3), theme.style(.progressTodo)),
            (marker, theme.style(.markerMaxCapacity)),
            (" 17/20", theme.style(.progressText)),
        ])
    }

    /// Footer key hints, one of them unavailable.
    private static func footer(_ theme: Theme) -> Piece {
        Piece(parts: [("u", theme.style(.hintKey)), (" upgrade ", theme.style(.hintText)),
                      ("p", theme.style(.hintKey)), (" pause ", theme.style(.hintText)),
                      ("a abort", theme.style(.hintInactive))])
    }
}
