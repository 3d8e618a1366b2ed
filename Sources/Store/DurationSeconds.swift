extension Duration {
    /// The duration in seconds, as metrics and `Date` want it.
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
