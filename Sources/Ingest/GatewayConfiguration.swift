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
    /// Where temporary files go: uploads between arriving and being stored, rendered entity lists.
    public var scratchDirectory: String
    /// Bodies larger than this count as large uploads, of which only `largeUploadConcurrency` are received at once.
    public var largeUploadBytes: Int
    public var largeUploadConcurrency: Int
    /// The address phones and scripts reach the server at (`https://odk.example.org`), used for every URL the
    /// server hands out; without it, the request's own `Host` (checked to be a plain host and port) and `http`.
    public var publicURL: String?
    /// When set, `/metrics` answers only requests bearing this token (`Authorization: Bearer …`).
    public var metricsToken: String?
    /// Seconds a connection may take to send its next request's headers (from opening, or from the last answer).
    public var requestHeadTimeoutSeconds: Int
    /// Most entities one bulk-create request may carry.
    public var bulkEntityLimit: Int
    /// pyxform's `xls2xform` command, which turns uploaded XLSForms into XForms; without it they get 501.3.
    public var xlsformConverter: String?

    public init(
        host: String = "127.0.0.1", port: Int = 8383, bodyLimit: Int = 100_000_000,
        backlogHoldSeconds: Int = 432_000, backlogSweepSeconds: Int = 3600, sessionLifetime: TimeInterval = 86_400,
        consistencySweepSeconds: Int = 0, scratchDirectory: String = NSTemporaryDirectory() + "ingest",
        largeUploadBytes: Int = 10_000_000, largeUploadConcurrency: Int = 4, publicURL: String? = nil, metricsToken: String? = nil,
        requestHeadTimeoutSeconds: Int = 60, bulkEntityLimit: Int = 50_000,
        xlsformConverter: String? = nil
    ) {
        self.xlsformConverter = xlsformConverter
        self.publicURL = publicURL
        self.metricsToken = metricsToken
        self.requestHeadTimeoutSeconds = requestHeadTimeoutSeconds
        self.bulkEntityLimit = bulkEntityLimit
        self.scratchDirectory = scratchDirectory
        self.largeUploadBytes = largeUploadBytes
        self.largeUploadConcurrency = largeUploadConcurrency
        self.host = host
        self.port = port
        self.bodyLimit = bodyLimit
        self.backlogHoldSeconds = backlogHoldSeconds
        self.backlogSweepSeconds = backlogSweepSeconds
        self.sessionLifetime = sessionLifetime
        self.consistencySweepSeconds = consistencySweepSeconds
    }
}
