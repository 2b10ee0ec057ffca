import ArgumentParser
import Foundation
import RollwatchCore
import RollwatchScreens
import RollwatchTerminal

/// `rollwatch [watch] APP.json`: the dashboard, on the simulated cluster.
struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Open the dashboard on a simulated cluster; press u to upgrade, ? for every key.",
        discussion: """
            Keys: u upgrade (to --to, or to APP.json as it is now on disk; an unchanged file offers a rolling \
            restart), r rolling restart, p pause / resume, a abort (roll back or stop), t time-lapse, + and - speed, \
            s scale, g agents, / filter, enter instance detail, ? help, q quit. Needs a terminal: for scripts and CI \
            use `rollwatch run`. Exits 0 on q, 130 on Ctrl-C, 143 on SIGTERM, 64 on bad input or without a terminal.
            """)

    @Argument(help: "The definitions that run now (an app, a group or a pod).")
    var app: String

    @Option(help: "The definitions u upgrades to. Without it: APP.json as it is on disk when u is pressed.")
    var to: String?

    @Option(help: "Simulated seconds per second at the start (0.125 to 1000).")
    var speed: Double = 1

    @Option(name: .customLong("time-lapse"), help: "The speed t switches to.")
    var timeLapse: Double = 10

    @Option(help: "A theme name (see `rollwatch themes`) or the path to a .theme file.")
    var theme: String?

    @Flag(help: "ASCII glyphs and boxes only.")
    var ascii = false

    @Flag(name: .long, help: "No colour, attributes only (as NO_COLOR does).")
    var noColor = false

    @Option(help: "Seed for the simulated cluster. Default: the scenario's, else 1.")
    var seed: UInt64?

    @Option(help: "A scenario file: agents and the fleet at the start (see the README).")
    var scenario: String?

    @Option(help: "sim: a simulated cluster on a virtual clock; local: real processes on this machine, in real time.")
    var driver: DriverKind = .sim

    @Option(help: ArgumentHelp("With --driver local: the host ports instances get (taken ones are skipped).", valueName: "low-high"))
    var ports: PortRangeArgument?

    @OptionGroup var deployment: DeploymentOptions

    func validate() throws {
        if driver == .sim && ports != nil { throw ValidationError("--ports applies to --driver local: simulated instances take no real ports") }
        guard speed.isFinite, speed >= DashboardUI.slowest, speed <= DashboardUI.fastest else {
            throw ValidationError("--speed must be between \(DashboardUI.slowest) and \(Int(DashboardUI.fastest)), got \(speed)")
        }
        guard timeLapse.isFinite, timeLapse > 1, timeLapse <= DashboardUI.fastest else {
            throw ValidationError("--time-lapse must be above 1 and at most \(Int(DashboardUI.fastest)), got \(timeLapse)")
        }
    }

    func run() throws {
        if driver == .local { return try runLocal() }
        let setup: SimulationSetup
        let parsedScenario: Scenario
        let chosenStrategy = try deployment.strategy()
        do {
            setup = try SimulationSetup(appPath: app, toPath: to, scenarioPath: scenario, seed: seed, strategy: chosenStrategy)
            deployment.apply(to: setup.core)
            parsedScenario = try scenario.map(SimulationSetup.readScenario) ?? Scenario()
        } catch {
            error.lines.forEach(printError)
            throw ExitCode(ExitCodes.badInput)
        }
        let options = try sessionOptions(strategy: chosenStrategy)
        let status = DashboardSession(setup: setup, scenario: parsedScenario, options: options).run()
        if status != 0 { throw ExitCode(status) }
    }

    /// The dashboard on real processes: APP.json's instances start when it opens, and stop when it closes.
    private func runLocal() throws {
        if scenario != nil { throw ValidationError("--scenario describes a simulated cluster; it does not apply to --driver local") }
        if speed != 1 { throw ValidationError("--speed applies to the simulated cluster; the local driver runs in real time") }
        let chosenStrategy = try deployment.strategy()
        let options = try sessionOptions(strategy: chosenStrategy)
        let setup: LocalSetup
        do throws(InputError) {
            setup = try LocalSetup(appPath: app, toPath: to, strategy: chosenStrategy, ports: ports?.range ?? 31_000...32_000)
        } catch {
            error.lines.forEach(printError)
            throw ExitCode(ExitCodes.badInput)
        }
        deployment.apply(to: setup.core)
        let status = DashboardSession(local: setup, options: options).run()
        if status != 0 { throw ExitCode(status) }
    }

    /// The session's options: the theme loaded, and a terminal checked for (without one: exit 64, pointing to
    /// `rollwatch run` with the same driver). Nothing has started yet when this fails.
    private func sessionOptions(strategy: any RolloutStrategy) throws -> DashboardSession.Options {
        let environment = ProcessInfo.processInfo.environment
        let chosenTheme: Theme
        do {
            chosenTheme = try loadTheme(environment: environment)
        } catch {
            printError(error.description)
            throw ExitCode(ExitCodes.badInput)
        }
        guard CursesTerminal.isInteractive else {
            printError("rollwatch: the dashboard needs a terminal, and standard input or output is not one. "
                       + "For scripts and CI: rollwatch run \(app)\(to.map { " --to \($0)" } ?? "")"
                       + (driver == .local ? " --driver local" : "") + " --output jsonl")
            throw ExitCode(ExitCodes.badInput)
        }
        var options = DashboardSession.Options(appPath: app, toPath: to, scenarioPath: scenario, seed: seed, speed: speed,
                                               timeLapse: timeLapse, strategy: strategy, theme: chosenTheme, ascii: ascii, noColor: noColor,
                                               environment: environment)
        options.driver = driver
        return options
    }

    /// The theme asked for (or the default), from the shipped and the user's theme directories, with the default
    /// built in as the last resort.
    private func loadTheme(environment: [String: String]) throws(ThemeError) -> Theme {
        let directories = ThemeLocations.searchDirectories(
            executablePath: Bundle.main.executablePath, currentDirectory: FileManager.default.currentDirectoryPath,
            environment: environment, fileExists: { FileManager.default.fileExists(atPath: $0) })
        let (found, errors) = ThemeLibrary.loadSkippingBadFiles(directories: directories)
        if let theme, let error = errors.first(where: { ThemeLibrary.themeName(ofPath: $0.file) == theme }) { throw error }
        var library = found
        if found.files[ThemeLibrary.defaultThemeName] == nil {
            library = ThemeLibrary(files: [try BuiltinTheme.defaultDarkFile()] + found.names.compactMap { found.files[$0] })
        }
        guard let theme else { return try library.theme(named: ThemeLibrary.defaultThemeName) }
        if theme.contains("/") || theme.hasSuffix("." + ThemeLibrary.fileExtension) {
            return try library.resolve(try ThemeLibrary.readFile(atPath: theme))
        }
        return try library.theme(named: theme)
    }
}
