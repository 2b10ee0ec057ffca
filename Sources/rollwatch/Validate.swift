import ArgumentParser
import Foundation
import RollwatchCore

/// `rollwatch validate FILE…`: reads Marathon definitions and reports every error with its JSON path, as
/// Marathon's API would, without deploying anything.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check Marathon app, group and pod definitions.",
        discussion: """
            Prints 'FILE: ok (summary)' for a valid file, or one 'FILE: /json/path: message' line per error, \
            with Marathon's paths and messages. Exits 0 when every file is valid, 64 otherwise.
            """)

    /// How results are printed.
    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Argument(help: "Definition files (JSON): an app, a group or a pod each; '-' reads standard input.")
    var files: [String]

    @Option(name: .long, help: "text: one line per finding; json: Marathon's error body per invalid file, one per line.")
    var output: OutputFormat = .text

    func run() throws {
        var allValid = true
        for file in files {
            let report: DefinitionReport
            switch DefinitionFile.read(file) {
            case .failure(let error):
                allValid = false
                printError("\(file): \(error.message)")
                continue
            case .success(let loaded):
                report = loaded
            }
            allValid = allValid && report.isValid
            switch output {
            case .text:
                ValidationOutput.textLines(file: file, report: report).forEach { print($0) }
            case .json:
                if var body = ValidationOutput.marathonBody(report: report), case .object(var object) = body {
                    object.append("file", .string(file))
                    body = .object(object)
                    print(JSONWriter.compact(body))
                }
                for warning in report.warnings { printError("\(file): warning: \(warning)") }
            }
        }
        if !allValid { throw ExitCode(ExitCodes.badInput) }
    }
}
