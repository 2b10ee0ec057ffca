import ArgumentParser

/// The `rollwatch` command: subcommands for each job; `rollwatch APP.json` opens the dashboard (`watch`).
@main
struct Rollwatch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollwatch",
        abstract: "Watch and steer rolling upgrades of Marathon apps, groups and pods.",
        version: "0.1.0",
        subcommands: [Watch.self, Validate.self, Run.self, Plan.self, Themes.self],
        defaultSubcommand: Watch.self)
}
