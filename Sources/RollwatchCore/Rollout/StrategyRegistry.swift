/// The strategies a deployment can use, by name, and the syntax that chooses one: `--strategy SPEC` on the
/// command line or the `ROLLWATCH_STRATEGY` label of a run spec. A new strategy is one file (its
/// `RolloutStrategy` and `RestartProcess`) and one entry in `makers`, with a parser here for its parameters.
public enum StrategyRegistry {
    /// A spec that cannot be used: what is wrong, with the syntax.
    public struct SpecError: Error, Sendable, Hashable, CustomStringConvertible {
        public let message: String

        public var description: String { "\(message); the syntax is \(StrategyRegistry.syntax)" }
    }

    /// The label that chooses a run spec's strategy (the command line's `--strategy` wins over it).
    public static let label = "ROLLWATCH_STRATEGY"

    /// How a spec is written, shown with every spec error.
    public static let syntax = "marathon | recreate | kubernetes[:maxSurge=N|N%,maxUnavailable=N|N%,minReadySeconds=S] "
        + "| blue-green[:scaleDownDelaySeconds=S,autoPromotion=true|false] "
        + "| canary[:steps=W,…|pause|pause:DUR|gate:DUR;pause=DUR|promote;gate=DUR;maxSurge=N|N%;maxUnavailable=N|N%] "
        + "(parameters are separated by , or ;) (e.g. kubernetes:maxSurge=25%,maxUnavailable=0 or canary:steps=10,50,100;pause=30s)"

    /// Each strategy's name and how it is made from its parameters.
    static let makers: [(name: String, make: @Sendable ([String: String]) throws(SpecError) -> any RolloutStrategy)] = [
        ("marathon", { parameters throws(SpecError) in try noParameters("marathon", parameters); return MarathonStrategy() }),
        ("recreate", { parameters throws(SpecError) in try noParameters("recreate", parameters); return RecreateStrategy() }),
        ("kubernetes", { parameters throws(SpecError) in try kubernetes(parameters) }),
        ("blue-green", { parameters throws(SpecError) in try blueGreen(parameters) }),
        ("canary", { parameters throws(SpecError) in try canary(parameters) }),
    ]

    /// The names of the strategies, in the order they are listed.
    public static var names: [String] { makers.map(\.name) }

    /// The strategy a spec names: `name` or `name:key=value,key=value`.
    public static func parse(_ text: String) throws(SpecError) -> any RolloutStrategy {
        let spec = trimmed(text)
        let parts = spec.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let name = String(parts.first ?? "").lowercased()
        guard let maker = makers.first(where: { $0.name == name }) else {
            throw SpecError(message: "\"\(spec)\" names no strategy (known: \(names.joined(separator: ", ")))")
        }
        var parameters: [String: String] = [:]
        if parts.count == 2 {
            // `key=value` pairs separated by `,` or `;`; a piece without `=` continues the value before it, so a
            // list (`steps=10,50,100`) needs no quoting.
            var lastKey: String?
            for piece in parts[1].split(omittingEmptySubsequences: false, whereSeparator: { $0 == "," || $0 == ";" }).map(String.init) {
                guard !trimmed(piece).isEmpty else {
                    throw SpecError(message: "\(name): an empty parameter (two separators in a row, or one at the end)")
                }
                let keyValue = piece.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard keyValue.count == 2 else {
                    guard let key = lastKey else { throw SpecError(message: "\(name): \"\(piece)\" is not key=value") }
                    parameters[key, default: ""] += "," + trimmed(piece)
                    continue
                }
                let key = trimmed(String(keyValue[0]))
                guard !key.isEmpty else { throw SpecError(message: "\(name): \"\(piece)\" is not key=value") }
                guard parameters[key] == nil else { throw SpecError(message: "\(name): \(key) is given twice") }
                parameters[key] = trimmed(String(keyValue[1]))
                lastKey = key
            }
        }
        return try maker.make(parameters)
    }

    private static func trimmed(_ text: String) -> String {
        String(text.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }

    /// Refuses a parameter `strategy` does not know, naming those it does.
    private static func onlyKnown(_ known: [String], in parameters: [String: String], of strategy: String) throws(SpecError) {
        if let unknown = parameters.keys.sorted().first(where: { !known.contains($0) }) {
            throw SpecError(message: "\(strategy): unknown parameter \(unknown) (known: \(known.joined(separator: ", ")))")
        }
    }

    /// A whole number of seconds from 0 to a day.
    private static func wholeSeconds(_ text: String, field: String, strategy: String) throws(SpecError) -> Double {
        guard let seconds = Int(text), (0...86_400).contains(seconds) else {
            throw SpecError(message: "\(strategy): \(field): \"\(text)\" is not a whole number of seconds, 0 or more")
        }
        return Double(seconds)
    }

    /// Kubernetes' checks of a rolling update's limits, worded as its API server words them.
    private static func checkRollingLimits(maxSurge: InstanceAmount, maxUnavailable: InstanceAmount, strategy: String) throws(SpecError) {
        if case .percent(let percent) = maxUnavailable, percent > 100 {
            throw SpecError(message: "\(strategy): maxUnavailable: Invalid value: \"\(percent)%\": must not be greater than 100%")
        }
        if maxSurge.isZero && maxUnavailable.isZero {
            throw SpecError(message: "\(strategy): maxUnavailable: Invalid value: \(maxUnavailable): may not be 0 when `maxSurge` is 0")
        }
    }

    private static func noParameters(_ name: String, _ parameters: [String: String]) throws(SpecError) {
        if let key = parameters.keys.sorted().first { throw SpecError(message: "\(name) takes no parameters, got \(key)") }
    }

    /// Kubernetes' parameters, checked as its API server checks them.
    private static func kubernetes(_ parameters: [String: String]) throws(SpecError) -> any RolloutStrategy {
        try onlyKnown(["maxSurge", "maxUnavailable", "minReadySeconds"], in: parameters, of: "kubernetes")
        var strategy = KubernetesStrategy()
        if let text = parameters["maxSurge"] { strategy.maxSurge = try amount(text, field: "maxSurge") }
        if let text = parameters["maxUnavailable"] { strategy.maxUnavailable = try amount(text, field: "maxUnavailable") }
        if let text = parameters["minReadySeconds"] {
            strategy.minReadySeconds = try wholeSeconds(text, field: "minReadySeconds", strategy: "kubernetes")
        }
        try checkRollingLimits(maxSurge: strategy.maxSurge, maxUnavailable: strategy.maxUnavailable, strategy: "kubernetes")
        return strategy
    }

    /// Blue-green's parameters: the delay before the old set stops, and whether the switch waits for a promotion.
    private static func blueGreen(_ parameters: [String: String]) throws(SpecError) -> any RolloutStrategy {
        try onlyKnown(["scaleDownDelaySeconds", "autoPromotion"], in: parameters, of: "blue-green")
        var strategy = BlueGreenStrategy()
        if let text = parameters["scaleDownDelaySeconds"] {
            strategy.scaleDownDelaySeconds = try wholeSeconds(text, field: "scaleDownDelaySeconds", strategy: "blue-green")
        }
        if let text = parameters["autoPromotion"] {
            guard let enabled = Bool(text) else { throw SpecError(message: "blue-green: autoPromotion: \"\(text)\" is neither true nor false") }
            strategy.autoPromotionEnabled = enabled
        }
        return strategy
    }

    /// A canary's steps and limits. `steps` lists weights (`10` or `10%`), `pause` (until promoted),
    /// `pause:DUR` and `gate:DUR`; `pause=` and `gate=` put a pause or a gate after every weight below 100.
    private static func canary(_ parameters: [String: String]) throws(SpecError) -> any RolloutStrategy {
        try onlyKnown(["steps", "pause", "gate", "maxSurge", "maxUnavailable"], in: parameters, of: "canary")
        var steps: [CanaryStep] = []
        if let text = parameters["steps"] {
            for item in text.split(separator: ",", omittingEmptySubsequences: false).map({ trimmed(String($0)) }) {
                steps.append(try canaryStep(item))
            }
        } else {
            steps = [.setWeight(10), .setWeight(50), .setWeight(100)]
        }
        var weight = 0
        for (index, step) in steps.enumerated() {
            guard case .setWeight(let next) = step else { continue }
            guard next >= weight else {
                throw SpecError(message: "canary: steps: setWeight \(next) comes after setWeight \(weight); weights only go up")
            }
            if next == 100 && index < steps.count - 1 {
                throw SpecError(message: "canary: steps: \(steps[index + 1]) comes after setWeight 100, where the canary is done")
            }
            weight = next
        }
        let explicitWaits = steps.contains { if case .setWeight = $0 { false } else { true } }
        var pause = parameters["steps"] == nil && parameters["gate"] == nil ? CanaryStep.pause(seconds: 30) : nil
        if let text = parameters["pause"] {
            pause = text == "promote" ? .pause(seconds: nil) : .pause(seconds: try duration(text, field: "pause"))
        }
        let gate = try parameters["gate"].map { text throws(SpecError) in CanaryStep.gate(seconds: try duration(text, field: "gate")) }
        if explicitWaits && (parameters["pause"] != nil || gate != nil) {
            throw SpecError(message: "canary: pause= and gate= add a wait after every weight; with pause or gate in steps, leave them out")
        }
        if pause != nil || gate != nil {
            steps = steps.flatMap { step -> [CanaryStep] in
                guard case .setWeight(let weight) = step, weight < 100 else { return [step] }
                return [step] + [gate, pause].compactMap { $0 }
            }
        }
        var strategy = CanaryStrategy(steps: steps)
        if let text = parameters["maxSurge"] { strategy.maxSurge = try amount(text, field: "maxSurge", strategy: "canary") }
        if let text = parameters["maxUnavailable"] { strategy.maxUnavailable = try amount(text, field: "maxUnavailable", strategy: "canary") }
        try checkRollingLimits(maxSurge: strategy.maxSurge, maxUnavailable: strategy.maxUnavailable, strategy: "canary")
        return strategy
    }

    /// One item of a canary's `steps`: `10`, `10%`, `pause`, `pause:30s` (or `pause 30s`), `gate:60s`.
    private static func canaryStep(_ item: String) throws(SpecError) -> CanaryStep {
        let weightText = item.hasSuffix("%") ? String(item.dropLast()) : item
        if let weight = Int(weightText) {
            guard (0...100).contains(weight) else { throw SpecError(message: "canary: steps: setWeight \(weight) is not between 0 and 100") }
            return .setWeight(weight)
        }
        let words = item.split(whereSeparator: { $0 == ":" || $0 == " " }).map(String.init)
        switch (words.first?.lowercased(), words.count) {
        case ("pause", 1):
            return .pause(seconds: nil)
        case ("pause", 2):
            return .pause(seconds: try duration(words[1], field: "steps: pause"))
        case ("gate", 2):
            return .gate(seconds: try duration(words[1], field: "steps: gate"))
        default:
            throw SpecError(message: "canary: steps: \"\(item)\" is none of a weight (10), pause, pause:DUR or gate:DUR")
        }
    }

    /// `30`, `30s`, `5m`, `1h`: more than 0 s and at most a week.
    private static func duration(_ text: String, field: String) throws(SpecError) -> Double {
        guard let seconds = DurationText.seconds(text), seconds > 0, seconds <= 7 * 86_400 else {
            throw SpecError(message: "canary: \(field): \"\(text)\" is not a duration such as 30s, 5m or 1h (more than 0, at most a week)")
        }
        return seconds
    }

    /// `3` or `25%` (at most a million instances or 10,000 %, so that no arithmetic overflows).
    private static func amount(_ text: String, field: String, strategy: String = "kubernetes") throws(SpecError) -> InstanceAmount {
        if text.hasSuffix("%"), let percent = Int(text.dropLast()), (0...10_000).contains(percent) { return .percent(percent) }
        if let count = Int(text), (0...1_000_000).contains(count) { return .count(count) }
        throw SpecError(message: "\(strategy): \(field): \"\(text)\" is neither a count (3) nor a percentage (25%)")
    }
}

/// The strategy of each run spec: the command line's when one was given, else the run spec's
/// `ROLLWATCH_STRATEGY` label, else Marathon's. (A label that cannot be parsed is reported by validation.)
public struct SelectedStrategy: RolloutStrategy {
    /// The command line's choice, which overrides the labels.
    public let chosen: (any RolloutStrategy)?

    public init(chosen: (any RolloutStrategy)? = nil) {
        self.chosen = chosen
    }

    public var name: String { chosen?.name ?? "marathon" }

    public var summary: String { chosen?.summary ?? MarathonStrategy().summary }

    /// The strategy a run spec gets.
    public func strategy(for spec: RunSpec) -> any RolloutStrategy {
        if let chosen { return chosen }
        if let text = spec.labels[StrategyRegistry.label], let labelled = try? StrategyRegistry.parse(text) { return labelled }
        return MarathonStrategy()
    }

    public func makeRestart(for spec: RunSpec, version: String, current: [InstanceSnapshot]) -> any RestartProcess {
        strategy(for: spec).makeRestart(for: spec, version: version, current: current)
    }

    public func makeRollback(for spec: RunSpec, version: String, current: [InstanceSnapshot]) -> any RestartProcess {
        strategy(for: spec).makeRollback(for: spec, version: version, current: current)
    }
}
