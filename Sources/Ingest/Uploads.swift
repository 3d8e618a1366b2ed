import Foundation
import Hummingbird
import Store
import Synchronization

/// How request bodies that carry files are received: streamed, spilled to disk past a small size, and,
/// when large, only a few at a time.
struct Uploads: Sendable {
    let spillDirectory: String
    let bodyLimit: Int
    /// A body declared larger than this (or of unknown length) needs one of `gate`'s slots.
    let largeBodyBytes: Int
    let gate: UploadGate
    /// Parts smaller than this stay in memory.
    static let memoryLimit = 1 << 20
    static let maximumParts = 2_000

    init(configuration: GatewayConfiguration) {
        spillDirectory = configuration.scratchDirectory + "/uploads"
        bodyLimit = configuration.bodyLimit
        largeBodyBytes = configuration.largeUploadBytes
        gate = UploadGate(slots: configuration.largeUploadConcurrency)
        ScratchDirectory.prepare(spillDirectory)
    }

    var multipart: MultipartReader {
        MultipartReader(
            spillDirectory: spillDirectory, memoryLimit: Self.memoryLimit, bodyLimit: bodyLimit, maximumParts: Self.maximumParts)
    }

    /// Runs `body` while holding a large-upload slot when the request needs one; with none free, 503 and `Retry-After`.
    func admitting<T>(_ request: Request, _ body: () async throws -> T) async throws -> T {
        let declared = request.headers[.contentLength].flatMap(Int.init)
        guard declared.map({ $0 > largeBodyBytes }) ?? (request.method == .post || request.method == .put) else {
            return try await body()
        }
        guard gate.enter() else { throw Problem.busyWithUploads(retryAfter: 5) }
        defer { gate.leave() }
        return try await body()
    }

    /// A request body that is one file (REST attachment upload).
    func receiveFile(_ request: Request, name: String) async throws -> IncomingAttachment {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > bodyLimit { throw Problem.requestTooLarge }
        var sink = SpillingSink(directory: spillDirectory, memoryLimit: Self.memoryLimit)
        do {
            for try await buffer in request.body {
                if sink.size + buffer.readableBytes > bodyLimit { throw Problem.requestTooLarge }
                try sink.append(buffer)
            }
            let (bytes, size, sha256) = try sink.finish()
            return IncomingAttachment(name: name, contentType: request.headers[.contentType], bytes: bytes, size: size, sha256: sha256)
        } catch {
            sink.abandon()
            if error is UploadError { throw Problem.uploadNotWritten }
            throw error
        }
    }
}

/// A fixed number of slots for large uploads; a request that finds none free is turned away, not queued,
/// so a phone retries later instead of holding a connection open.
final class UploadGate: Sendable {
    let slots: Int
    private let busy = Mutex(0)

    init(slots: Int) { self.slots = slots }

    func enter() -> Bool {
        busy.withLock { busy in
            guard busy < slots else { return false }
            busy += 1
            return true
        }
    }

    func leave() { busy.withLock { $0 -= 1 } }

    var inUse: Int { busy.withLock { $0 } }
}
