import ArgumentParser
import RollwatchCore

/// A length of time on the command line: `90s`, `5m`, `1h`, `250ms`, or a plain number of seconds.
struct DurationArgument: ExpressibleByArgument, Sendable {
    let seconds: Double

    init?(argument: String) {
        guard let seconds = DurationText.seconds(argument) else { return nil }
        self.seconds = seconds
    }

    init(seconds: Double) {
        self.seconds = seconds
    }

    static var defaultCompletionKind: CompletionKind { .default }

    /// `1h`, `90s`: how `--help` shows a default.
    var defaultValueDescription: String { DurationText.text(seconds) }
}

/// How fast simulated time runs: a factor of wall time (1 to 1000), or `max`, as fast as the machine goes.
enum SpeedArgument: ExpressibleByArgument, Sendable, Equatable {
    case factor(Double)
    case max

    init?(argument: String) {
        if argument == "max" {
            self = .max
            return
        }
        let text = argument.hasSuffix("x") ? String(argument.dropLast()) : argument
        guard let value = Double(text), value >= 1, value <= 1_000 else { return nil }
        self = .factor(value)
    }

    /// `max` or `10x`: how `--help` shows a default.
    var defaultValueDescription: String {
        switch self {
        case .max: return "max"
        case .factor(let value): return value == value.rounded() ? "\(Int(value))x" : "\(value)x"
        }
    }
}
