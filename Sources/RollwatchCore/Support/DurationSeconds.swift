extension Duration {
    /// The duration as a number of seconds (with its fraction), for arithmetic with the simulated clock.
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
