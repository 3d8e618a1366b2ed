import Foundation
import Hummingbird
import MultipartKit
import Store

/// One part of a `multipart/form-data` body, read from the stream.
struct ReceivedPart {
    var name: String?
    var contentType: String?
    var bytes: IncomingAttachment.Bytes
    var size: Int
    var sha256: String

    /// The part's bytes in memory (the submission XML, which is parsed whole anyway).
    var data: Data {
        get throws {
            switch bytes {
            case .memory(let data): return data
            case .file(let file): return try Data(contentsOf: URL(fileURLWithPath: file.path))
            }
        }
    }
}

/// Reads a form-data body as it arrives, spilling large parts to temporary files (see `SpillingSink`).
/// Problems are Central's: 400.39 for a body that is not form data, 400.36 past the size limit.
struct MultipartReader {
    let spillDirectory: String
    let memoryLimit: Int
    let bodyLimit: Int
    /// More parts than any form's files: past it the request is refused rather than each part kept.
    let maximumParts: Int

    func read(_ request: Request) async throws -> [ReceivedPart] {
        let contentType = request.headers[.contentType]
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data") else {
            throw Problem.multipartParsingFailed("Unsupported content type.")
        }
        guard let boundary = Multipart.parameter("boundary", in: contentType), !boundary.isEmpty else {
            throw Problem.multipartParsingFailed("Multipart: Boundary not found")
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > bodyLimit { throw Problem.requestTooLarge }
        let collector = PartCollector(spillDirectory: spillDirectory, memoryLimit: memoryLimit, maximumParts: maximumParts)
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in collector.header(name: name, value: value) }
        parser.onBody = { buffer in collector.body(buffer) }
        parser.onPartComplete = { collector.completePart() }
        var received = 0
        do {
            for try await buffer in request.body {
                received += buffer.readableBytes
                if received > bodyLimit { throw Problem.requestTooLarge }
                do { try parser.execute(buffer) } catch { throw Problem.multipartParsingFailed("Unexpected end of form") }
                if let failure = collector.failure { throw failure }
            }
        } catch {
            collector.abandon()
            throw error
        }
        guard !collector.inPart else {
            collector.abandon()
            throw Problem.multipartParsingFailed("Unexpected end of form")
        }
        return collector.parts
    }
}

/// The parser's callbacks are synchronous and cannot throw: what they find is kept here.
private final class PartCollector {
    let spillDirectory: String
    let memoryLimit: Int
    let maximumParts: Int
    var parts: [ReceivedPart] = []
    var failure: Problem?
    private(set) var inPart = false
    private var name: String?
    private var contentType: String?
    private var sink: SpillingSink

    init(spillDirectory: String, memoryLimit: Int, maximumParts: Int) {
        self.spillDirectory = spillDirectory
        self.memoryLimit = memoryLimit
        self.maximumParts = maximumParts
        sink = SpillingSink(directory: spillDirectory, memoryLimit: memoryLimit)
    }

    func header(name header: String, value: String) {
        inPart = true
        switch header.lowercased() {
        case "content-disposition":
            name = Multipart.parameter("name", in: value)
            if value.containsNull { failure = failure ?? Problem.nullCharacter(field: "multipart part name") }
        case "content-type": contentType = value
        default: break
        }
    }

    func body(_ buffer: ByteBuffer) {
        guard failure == nil else { return }
        do { try sink.append(buffer) } catch { failure = Problem.uploadNotWritten }
    }

    func completePart() {
        defer {
            inPart = false
            (name, contentType) = (nil, nil)
            sink = SpillingSink(directory: spillDirectory, memoryLimit: memoryLimit)
        }
        guard failure == nil else { return }
        guard parts.count < maximumParts else {
            failure = Problem.multipartParsingFailed("More than \(maximumParts) parts")
            return
        }
        do {
            let (bytes, size, sha256) = try sink.finish()
            parts.append(ReceivedPart(name: name, contentType: contentType, bytes: bytes, size: size, sha256: sha256))
        } catch {
            failure = Problem.uploadNotWritten
        }
    }

    func abandon() { sink.abandon() }
}
