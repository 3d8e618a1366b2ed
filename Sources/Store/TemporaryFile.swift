import Foundation

/// A file that exists as long as something holds this value: an upload spilled to disk is deleted once
/// the request that received it, and the write that stored it, are done with it.
public final class TemporaryFile: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    deinit { unlink(path) }
}
