import RollwatchCore

/// How instances of one version behave in the simulator: how long they take to start, whether their health
/// checks pass, and whether they crash. Read from the definition: a leading `sleep N` in the command, and the
/// `ROLLWATCH_SIM_*` labels (ARCHITECTURE.md §5.4).
public struct SimBehaviour: Sendable, Hashable {
    /// Whether an instance's health checks pass.
    public enum Health: Sendable, Hashable {
        case always
        case never
        /// Each launch passes with this probability (decided once per launch, with the seeded generator).
        case probability(Double)
    }

    /// Seconds from placement to running, before jitter (at least `minimumStartupSeconds`).
    public var startupSeconds: Double {
        didSet { startupSeconds = max(startupSeconds, Self.minimumStartupSeconds) }
    }
    public var health: Health
    /// Seconds after it starts running that an instance exits with a failure, if it does.
    public var crashAfterSeconds: Double?

    public init(startupSeconds: Double = 2, health: Health = .always, crashAfterSeconds: Double? = nil) {
        self.startupSeconds = max(startupSeconds, Self.minimumStartupSeconds)
        self.health = health
        self.crashAfterSeconds = crashAfterSeconds
    }

    /// The shortest start-up the simulator uses: an instance that starts in no time and crashes at once would
    /// otherwise relaunch forever at one instant, and simulated time would never move on.
    public static let minimumStartupSeconds = 0.05

    /// Label names.
    public static let startupLabel = "ROLLWATCH_SIM_STARTUP_SECONDS"
    public static let healthyLabel = "ROLLWATCH_SIM_HEALTHY"
    public static let crashLabel = "ROLLWATCH_SIM_CRASH_AFTER_SECONDS"

    /// The behaviour a definition asks for: start-up from a leading `sleep N` in its command, else from the
    /// start-up label, else 2 s; health and crashes from their labels.
    public init(_ spec: RunSpec) {
        self.init()
        let labels = spec.labels
        if let sleep = spec.shellCommand.flatMap(Self.leadingSleep) {
            startupSeconds = sleep
        } else if let text = labels[Self.startupLabel], let seconds = Double(text), seconds >= 0, seconds.isFinite {
            startupSeconds = seconds
        }
        if let text = labels[Self.healthyLabel] {
            health = Self.parseHealth(text) ?? .always
        }
        if let text = labels[Self.crashLabel], let seconds = Double(text), seconds >= 0, seconds.isFinite {
            crashAfterSeconds = seconds
        }
    }

    /// `true`, `false`, or a probability from 0 to 1.
    public static func parseHealth(_ text: String) -> Health? {
        switch text.lowercased() {
        case "true": return .always
        case "false": return .never
        default:
            guard let probability = Double(text), probability >= 0, probability <= 1 else { return nil }
            return probability == 1 ? .always : probability == 0 ? .never : .probability(probability)
        }
    }

    /// N from a command that starts with `sleep N` (whole or fractional seconds).
    static func leadingSleep(_ command: String) -> Double? {
        let words = command.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
        guard words.count >= 2, words[0] == "sleep" else { return nil }
        let number = words[1].hasSuffix(";") ? words[1].dropLast() : words[1]
        guard let seconds = Double(number), seconds >= 0, seconds.isFinite else { return nil }
        return seconds
    }
}
