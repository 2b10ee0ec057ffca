import ArgumentParser
import Foundation
import RollwatchScreens
import RollwatchTUI

/// `rollwatch themes [NAME|FILE…]`: lists the themes with a preview of each, or checks and previews theme files
/// as they are written.
struct Themes: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the themes, with a preview of each.",
        discussion: """
            Themes are read from the shipped Themes directory, then from each directory of ROLLWATCH_THEMES, then \
            from ~/.config/rollwatch/themes (or $XDG_CONFIG_HOME/rollwatch/themes); a later theme replaces an \
            earlier one of the same name. Give names to preview only those, or paths to .theme files to check \
            and preview a theme being written. Styles are shown when standard output is a terminal: colours and \
            attributes, or attributes only with --no-color or NO_COLOR. Exits 64 when a theme named cannot be found or a theme file has an error.
            """)

    @Argument(help: "Theme names or paths to .theme files; all themes when none is given.")
    var themes: [String] = []

    @Flag(name: .long, help: "Show ASCII glyphs instead of Unicode ones.")
    var ascii = false

    @Flag(name: .long, help: "Show attributes only, no colour (as NO_COLOR does).")
    var noColor = false

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let directories = ThemeLocations.searchDirectories(
            executablePath: Bundle.main.executablePath, currentDirectory: FileManager.default.currentDirectoryPath,
            environment: environment,
            fileExists: { FileManager.default.fileExists(atPath: $0) })
        let (library, loadErrors) = ThemeLibrary.loadSkippingBadFiles(directories: directories)
        var failed = false
        // Broken files are reported when all themes are listed, or when one of them is asked for by name.
        var reportedNames: Set<String> = []
        for error in loadErrors {
            let name = ThemeLibrary.themeName(ofPath: error.file)
            guard themes.isEmpty || themes.contains(name) else { continue }
            printError(error.description)
            reportedNames.insert(name)
            failed = true
        }
        if library.files[ThemeLibrary.defaultThemeName] == nil {
            printError("rollwatch: the shipped themes were not found (looked in: \(directories.joined(separator: ", "))); "
                + "set ROLLWATCH_THEMES to the directory holding \(ThemeLibrary.defaultThemeName).theme")
            throw ExitCode(ExitCodes.badInput)
        }
        let styled = isatty(STDOUT_FILENO) == 1
        let capability = noColor ? .none : ColorCapability.detect(environment: environment, terminfoColors: Self.colorsFromTerm(environment["TERM"]))
        let width = Int(environment["COLUMNS"] ?? "").map { max(40, $0) } ?? 80

        let selected = themes.isEmpty ? library.names : themes
        var first = true
        for nameOrPath in selected where !reportedNames.contains(nameOrPath) {
            let theme: Theme
            do {
                if nameOrPath.contains("/") || nameOrPath.hasSuffix("." + ThemeLibrary.fileExtension) {
                    theme = try library.resolve(try ThemeLibrary.readFile(atPath: nameOrPath))
                } else {
                    theme = try library.theme(named: nameOrPath)
                }
            } catch {
                printError(error.description)
                failed = true
                continue
            }
            if !first { print("") }
            first = false
            let preview = ThemePreview.render(theme.adapted(to: capability, ascii: ascii), width: width)
            let lines = styled ? ANSIText.lines(of: preview) : preview.trimmedLines
            lines.forEach { print($0) }
        }
        if failed { throw ExitCode(ExitCodes.badInput) }
    }

    /// The colours a terminal type offers, by the usual naming: `*-256color`, `*-direct`, `dumb` and `vt*`
    /// (none), `linux` (8), else 16.
    static func colorsFromTerm(_ term: String?) -> Int {
        guard let term, !term.isEmpty, term != "dumb" else { return 0 }
        if term.hasSuffix("-direct") { return 1 << 24 }
        if term.contains("256color") { return 256 }
        if term.hasPrefix("vt") { return 0 }
        if term == "linux" { return 8 }
        return 16
    }

}
