extension Duration {
    /// The duration in seconds, fractions included: for log fields, metrics and timeouts given as numbers.
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
