/// A length of time as people write it on a command line or in a spec: `250ms`, `90s`, `5m`, `1h`, or a plain
/// number of seconds.
public enum DurationText {
    /// The seconds `text` stands for, or nil when it is not a finite duration of 0 or more.
    public static func seconds(_ text: String) -> Double? {
        let units: [(suffix: String, factor: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3_600)]
        let unit = units.first { text.hasSuffix($0.suffix) }
        guard let value = Double(text.dropLast(unit?.suffix.count ?? 0)), value >= 0, value.isFinite else { return nil }
        return value * (unit?.factor ?? 1)
    }

    /// `30s`, `90m`, `2h`, `0.5s`: seconds written back the way `seconds(_:)` reads them, in the largest whole
    /// unit; `forever` for an infinite length.
    public static func text(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds < 1e12 else { return "forever" }
        guard seconds == seconds.rounded() else { return "\(seconds)s" }
        let whole = Int(seconds)
        if whole >= 3600 && whole % 3600 == 0 { return "\(whole / 3600)h" }
        if whole >= 60 && whole % 60 == 0 { return "\(whole / 60)m" }
        return "\(whole)s"
    }
}

extension Duration {
    /// The duration as a number of seconds (with its fraction), for arithmetic with the simulated clock.
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
