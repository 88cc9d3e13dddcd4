extension Duration {
    /// The duration in seconds, fractions included: for log fields, metrics and timeouts given as numbers.
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

/// Seconds as the configuration writes them: `10`, not `10.0`; `0.5` as it is.
func secondsText(_ seconds: Double) -> String {
    seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
}
