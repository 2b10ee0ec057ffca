import ArgumentParser

/// The `rollwatch` command: subcommands for each job. The dashboard (`watch`) arrives with the screens; until
/// then only commands that do their whole job are listed.
@main
struct Rollwatch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollwatch",
        abstract: "Watch and steer rolling upgrades of Marathon apps, groups and pods.",
        version: "0.1.0",
        subcommands: [Validate.self, Run.self, Plan.self, Themes.self])
}
