import Foundation

/// Everything the server needs to know besides its database.
public struct GatewayConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Largest request body accepted, in bytes (Central advertises 100 MB to OpenRosa clients).
    public var bodyLimit: Int
    /// How long an out-of-order offline update waits for its predecessor before it is forced.
    public var backlogHoldSeconds: Int
    /// How often the server looks for held updates to force.
    public var backlogSweepSeconds: Int
    public var sessionLifetime: TimeInterval
    /// How often a full consistency pass walks every entity; 0 turns it off.
    public var consistencySweepSeconds: Int

    public init(
        host: String = "127.0.0.1", port: Int = 8383, bodyLimit: Int = 100_000_000,
        backlogHoldSeconds: Int = 432_000, backlogSweepSeconds: Int = 3600, sessionLifetime: TimeInterval = 86_400,
        consistencySweepSeconds: Int = 0
    ) {
        self.host = host
        self.port = port
        self.bodyLimit = bodyLimit
        self.backlogHoldSeconds = backlogHoldSeconds
        self.backlogSweepSeconds = backlogSweepSeconds
        self.sessionLifetime = sessionLifetime
        self.consistencySweepSeconds = consistencySweepSeconds
    }
}
