import Crypto
import Foundation

/// A file sent with a submission, before it is stored: held in memory when small, spilled to a temporary
/// file by the multipart reader when not, so that a large upload is on disk once and in memory never.
public struct IncomingAttachment: Sendable {
    public enum Bytes: Sendable {
        case memory(Data)
        case file(TemporaryFile)
    }

    public var name: String
    public var contentType: String?
    public var bytes: Bytes
    public var size: Int
    /// Lower-case hex SHA-256 of the bytes, worked out while they were received.
    public var sha256: String

    public init(name: String, contentType: String?, bytes: Bytes, size: Int, sha256: String) {
        self.name = name
        self.contentType = contentType
        self.bytes = bytes
        self.size = size
        self.sha256 = sha256
    }

    public init(name: String, contentType: String?, data: Data) {
        self.init(name: name, contentType: contentType, bytes: .memory(data), size: data.count, sha256: SHA256.hash(data: data).hex)
    }
}
