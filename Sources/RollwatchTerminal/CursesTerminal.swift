import CNcursesw
import Glibc
import RollwatchTUI

/// A key or a change of size, decoded from the terminal.
public enum TerminalEvent: Sendable, Hashable {
    case character(Character)
    case enter, escape, backspace, tab, backTab
    case up, down, left, right, pageUp, pageDown, home, end
    /// The terminal has a new size (columns, rows).
    case resize(width: Int, height: Int)
}

/// What stops the terminal from being opened.
public enum TerminalError: Error, CustomStringConvertible {
    /// Standard input or output is not a terminal (a pipe, a file, CI).
    case notATerminal
    /// ncurses does not know the terminal type.
    case unknownTerminal(String)

    public var description: String {
        switch self {
        case .notATerminal: return "not a terminal"
        case .unknownTerminal(let name): return "the terminal type \(name.isEmpty ? "(TERM is not set)" : "'\(name)'") is unknown to ncurses"
        }
    }
}

/// The ncurses backend, the only code that talks to ncurses: opens the terminal (UTF-8 locale, cbreak, no echo,
/// hidden cursor, a short Esc delay), copies cell buffers to it writing only the cells that changed, decodes
/// keys and resizes, and gives the terminal back as it found it. One per process, used from one thread.
public final class CursesTerminal {
    private let screen: OpaquePointer
    private let window: UnsafeMutablePointer<WINDOW>
    /// The streams ncurses reads and writes: duplicates of standard input and output, closed with the terminal.
    private let input: UnsafeMutablePointer<FILE>
    private let output: UnsafeMutablePointer<FILE>
    /// The cursor's visibility before it was hidden, given back on close.
    private let cursorBefore: Int32
    private var presented: CellBuffer?
    private var pairs: [ColorPairKey: Int16] = [:]
    private var nextPair: Int32 = 1
    private let maximumPairs: Int32
    private var closed = false
    /// How many colours the terminal has (0 without colour support).
    public let colors: Int

    /// True when standard input and output are both terminals.
    public static var isInteractive: Bool { isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1 }

    /// Opens the terminal. Install signal handlers (`ProcessSignals.install()`) before this, or ncurses installs
    /// its own, which exit with status 1 and skip the caller's clean-up.
    public init() throws {
        guard Self.isInteractive else { throw TerminalError.notATerminal }
        // A parent may have blocked SIGWINCH (the mask is inherited across exec): without it no resize is seen.
        var resize = sigset_t()
        sigemptyset(&resize)
        sigaddset(&resize, SIGWINCH)
        pthread_sigmask(SIG_UNBLOCK, &resize, nil)
        setlocale(LC_ALL, "")
        guard let output = fdopen(dup(STDOUT_FILENO), "w") else { throw TerminalError.notATerminal }
        guard let input = fdopen(dup(STDIN_FILENO), "r") else {
            fclose(output)
            throw TerminalError.notATerminal
        }
        guard let screen = newterm(nil, output, input) else {
            fclose(output)
            fclose(input)
            throw TerminalError.unknownTerminal(getenv("TERM").map { String(cString: $0) } ?? "")
        }
        self.screen = screen
        self.output = output
        self.input = input
        set_term(screen)
        guard let window = newwin(0, 0, 0, 0) else {
            endwin()
            delscreen(screen)
            fclose(output)
            fclose(input)
            throw TerminalError.notATerminal
        }
        self.window = window
        cbreak()
        noecho()
        nonl()
        keypad(window, true)
        cursorBefore = curs_set(0)
        set_escdelay(25)
        leaveok(window, true)
        var colorCount = 0
        if has_colors() {
            start_color()
            use_default_colors()
            colorCount = Int(rw_colors())
        }
        colors = colorCount
        maximumPairs = has_colors() ? min(rw_color_pairs(), 32_767) : 0
    }

    deinit {
        close()
    }

    /// The terminal's size now (0×0 once closed).
    public var size: (width: Int, height: Int) {
        guard !closed else { return (0, 0) }
        return (Int(getmaxx(window)), Int(getmaxy(window)))
    }

    /// Gives the terminal back: cooked mode, the cursor as it was, the screen as the shell left it. Safe to call
    /// twice; nothing is drawn or read afterwards.
    public func close() {
        guard !closed else { return }
        closed = true
        curs_set(cursorBefore == ERR ? 1 : cursorBefore)
        endwin()
        delwin(window)
        delscreen(screen)
        fclose(output)
        fclose(input)
    }

    /// Shows `buffer`, writing only the cells that differ from the last buffer shown (all of them after a resize),
    /// and returns how many cells were written.
    @discardableResult
    public func present(_ buffer: CellBuffer) -> Int {
        guard !closed else { return 0 }
        var previous = presented
        if let shown = previous, shown.width != buffer.width || shown.height != buffer.height { previous = nil }
        // A full redraw starts from a blank window, so that the cell left alone below stays blank too.
        if previous == nil { werase(window) }
        let changes = buffer.changes(since: previous)
        for change in changes {
            // The bottom-right cell cannot be written without scrolling (ncurses answers ERR): it is left alone.
            if change.x == buffer.width - 1 && change.y == buffer.height - 1 { continue }
            put(change.cell, x: change.x, y: change.y)
        }
        presented = buffer
        wnoutrefresh(window)
        doupdate()
        return changes.count
    }

    /// Waits up to `milliseconds` for a key or a resize; nil when none came (or a signal interrupted the wait).
    public func nextEvent(timeoutMilliseconds milliseconds: Int) -> TerminalEvent? {
        guard !closed else { return nil }
        wtimeout(window, Int32(max(0, milliseconds)))
        var character: wint_t = 0
        let result = wget_wch(window, &character)
        switch result {
        case KEY_CODE_YES:
            return decodeFunctionKey(Int32(character))
        case OK:
            return decodeCharacter(UInt32(character))
        default:
            return nil
        }
    }

    private func decodeFunctionKey(_ code: Int32) -> TerminalEvent? {
        switch code {
        case KEY_RESIZE:
            presented = nil
            let size = self.size
            return .resize(width: size.width, height: size.height)
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case KEY_PPAGE: return .pageUp
        case KEY_NPAGE: return .pageDown
        case KEY_HOME: return .home
        case KEY_END: return .end
        case KEY_ENTER: return .enter
        case KEY_BACKSPACE, KEY_DC: return .backspace
        case KEY_BTAB: return .backTab
        default: return nil
        }
    }

    private func decodeCharacter(_ value: UInt32) -> TerminalEvent? {
        switch value {
        case 10, 13: return .enter
        case 27: return .escape
        case 8, 127: return .backspace
        case 9: return .tab
        default:
            guard value >= 32, let scalar = Unicode.Scalar(value) else { return nil }
            return .character(Character(scalar))
        }
    }

    // MARK: Cells and colours

    private func put(_ cell: Cell, x: Int, y: Int) {
        var characters: [wchar_t] = [wchar_t(bitPattern: cell.symbol.value), 0]
        var complex = cchar_t()
        let pair = pairNumber(cell.style.foreground, cell.style.background)
        setcchar(&complex, &characters, attributes(cell.style.attributes), pair, nil)
        mvwadd_wch(window, Int32(y), Int32(x), &complex)
    }

    private func attributes(_ attributes: TextAttributes) -> attr_t {
        var bits: attr_t = 0
        if attributes.contains(.bold) { bits |= rw_a_bold() }
        if attributes.contains(.dim) { bits |= rw_a_dim() }
        if attributes.contains(.italic) { bits |= rw_a_italic() }
        if attributes.contains(.underline) { bits |= rw_a_underline() }
        if attributes.contains(.reverse) { bits |= rw_a_reverse() }
        return bits
    }

    /// The colour pair for a foreground and background, allocated on first use; pair 0 (the terminal's default
    /// colours) when the terminal has no colour or the pairs are used up.
    private func pairNumber(_ foreground: TerminalColor, _ background: TerminalColor) -> Int16 {
        guard colors > 0 else { return 0 }
        let key = ColorPairKey(foreground: colorIndex(foreground), background: colorIndex(background))
        if key.foreground == -1 && key.background == -1 { return 0 }
        if let known = pairs[key] { return known }
        guard nextPair < maximumPairs else { return 0 }
        let number = Int16(nextPair)
        guard init_pair(number, key.foreground, key.background) != ERR else { return 0 }
        nextPair += 1
        pairs[key] = number
        return number
    }

    /// The ncurses colour number: -1 for the default; colours beyond what the terminal has are folded into it
    /// (themes are degraded to the terminal's colours before they get here; this only guards the call).
    private func colorIndex(_ color: TerminalColor) -> Int16 {
        switch color {
        case .default: return -1
        case .ansi(let index), .indexed(let index): return Int(index) < colors ? Int16(index) : Int16(Int(index) % max(1, min(colors, 8)))
        case .rgb: return -1
        }
    }

    /// A foreground and background as ncurses numbers, the key of the pair cache.
    private struct ColorPairKey: Hashable {
        let foreground: Int16
        let background: Int16
    }
}
