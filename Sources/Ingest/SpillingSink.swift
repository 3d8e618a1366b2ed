import Crypto
import Foundation
import NIOCore
import Store

/// Receives one file's bytes as they arrive: kept in memory while small, moved to a temporary file once
/// past `memoryLimit`, hashed on the way, so a large upload is held once, on disk.
struct SpillingSink {
    let directory: String
    let memoryLimit: Int
    private(set) var size = 0
    private var memory = Data()
    private var file: (temporary: TemporaryFile, handle: UnsafeMutablePointer<FILE>)?
    private var hasher = SHA256()

    init(directory: String, memoryLimit: Int) {
        self.directory = directory
        self.memoryLimit = memoryLimit
    }

    mutating func append(_ buffer: ByteBuffer) throws {
        try buffer.withUnsafeReadableBytes { bytes in try append(bytes) }
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) throws {
        hasher.update(bufferPointer: bytes)
        size += bytes.count
        if file == nil, memory.count + bytes.count > memoryLimit {
            try spill()
        }
        if let (_, handle) = file {
            guard fwrite(bytes.baseAddress, 1, bytes.count, handle) == bytes.count else { throw UploadError.spillFailed }
        } else {
            memory.append(contentsOf: bytes)
        }
    }

    private mutating func spill() throws {
        let path = directory + "/" + UUID().uuidString
        guard let handle = fopen(path, "wb") else { throw UploadError.spillFailed }
        let temporary = TemporaryFile(path: path)
        file = (temporary, handle)
        if !memory.isEmpty {
            let written = memory.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, handle) }
            guard written == memory.count else { throw UploadError.spillFailed }
        }
        memory = Data()
    }

    /// The bytes received, closed and ready for the store.
    mutating func finish() throws -> (bytes: IncomingAttachment.Bytes, size: Int, sha256: String) {
        let digest = Hashing.hex(hasher.finalize())
        if let (temporary, handle) = file {
            file = nil
            guard fclose(handle) == 0 else { throw UploadError.spillFailed }
            return (.file(temporary), size, digest)
        }
        return (.memory(memory), size, digest)
    }

    /// Closes a file left open when the request failed half-way; the temporary file goes with the sink.
    mutating func abandon() {
        if let (_, handle) = file { fclose(handle) }
        file = nil
    }
}

enum UploadError: Error {
    case spillFailed
}
