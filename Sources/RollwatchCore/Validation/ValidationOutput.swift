/// How `rollwatch validate` reports a file: lines for people, or Marathon's error body for scripts.
public enum ValidationOutput {
    /// The lines for one file: `FILE: ok (…)` or one `FILE: /path: message` per error, then
    /// `FILE: warning: /path: message` per warning. A malformed file gives `FILE:LINE:COLUMN: malformed JSON: …`.
    public static func textLines(file: String, report: DefinitionReport) -> [String] {
        if let syntax = report.syntaxError {
            return ["\(file):\(syntax.line):\(syntax.column): malformed JSON: \(syntax.message)"]
        }
        var lines: [String] = []
        if report.isValid, let definition = report.definition {
            lines.append("\(file): ok: \(summary(of: definition))")
        } else {
            lines += report.errors.map { "\(file): \($0)" }
        }
        lines += report.warnings.map { "\(file): warning: \($0)" }
        return lines
    }

    /// Marathon's answer to an invalid definition: `{"message":"Object is not valid","details":[…]}` (422), or
    /// `"Invalid JSON"` when a value has the wrong type or the file does not parse (400 in Marathon). One entry
    /// per distinct path, in the order found, each listing its messages. Nil for a valid file.
    public static func marathonBody(report: DefinitionReport) -> JSONValue? {
        if let syntax = report.syntaxError {
            // Marathon answers a JSON parse failure with the parser's message as `details`.
            return ["message": "Invalid JSON", "details": .string(syntax.description)]
        }
        guard !report.isValid else { return nil }
        let errors = report.errors
        var order: [JSONPath] = []
        var messages: [JSONPath: [String]] = [:]
        for error in errors {
            if messages[error.path] == nil { order.append(error.path) }
            if messages[error.path]?.contains(error.message) != true { messages[error.path, default: []].append(error.message) }
        }
        let details = order.map { path -> JSONValue in
            ["path": .string(path.description), "errors": .array((messages[path] ?? []).map(JSONValue.string))]
        }
        let shapeErrors = errors.contains { $0.stage == .shape }
        return ["message": .string(shapeErrors ? "Invalid JSON" : "Object is not valid"), "details": .array(details)]
    }

    /// One line that says what the file is: kind, id, instances and the upgrade strategy with the numbers it
    /// leads to for a steady fleet.
    public static func summary(of definition: Definition) -> String {
        switch definition {
        case .app(let app):
            return "app \(app.id), " + describe(.app(app))
        case .pod(let pod):
            return "pod \(pod.id), \(count(pod.containers.count, "container")), " + describe(.pod(pod))
        case .group(let group):
            let specs = group.transitiveRunSpecs
            let apps = group.transitiveApps.count, pods = group.transitivePods.count
            var parts = ["group \(group.id)", count(apps, "app")]
            if pods > 0 { parts.append(count(pods, "pod")) }
            parts.append(count(specs.map(\.instances).reduce(0, +), "instance"))
            let strategies = Set(specs.map { SelectedStrategy().strategy(for: $0).name }).sorted()
            parts.append("strategy " + (strategies.isEmpty ? "marathon" : strategies.joined(separator: " / ")) + " per app")
            let order = group.dependencyClasses.map { $0.map(\.description).joined(separator: " + ") }
            if order.count > 1 { parts.append("order " + order.joined(separator: " → ")) }
            return parts.joined(separator: ", ")
        }
    }

    private static func describe(_ spec: RunSpec) -> String {
        let chosen = SelectedStrategy().strategy(for: spec)
        guard chosen is MarathonStrategy else {
            return "\(count(spec.instances, "instance"))\(spec.isResident ? " (resident)" : ""), strategy \(chosen.summary) (\(StrategyRegistry.label))"
        }
        let strategy = spec.upgradeStrategy
        var text = "\(count(spec.instances, "instance"))\(spec.isResident ? " (resident)" : ""), strategy marathon "
            + "(minimumHealthCapacity \(Rules.format(strategy.minimumHealthCapacity)), "
            + "maximumOverCapacity \(Rules.format(strategy.maximumOverCapacity)))"
        if spec.instances > 0 {
            let restart = RestartStrategy(steady: spec)
            text += ": keeps \(restart.minHealthy) healthy, at most \(restart.maxCapacity) running, kills \(restart.killImmediately) at once"
        }
        return text
    }

    private static func count(_ number: Int, _ noun: String) -> String {
        "\(number) \(noun)\(number == 1 ? "" : "s")"
    }
}
