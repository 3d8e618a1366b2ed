import Foundation
import Hummingbird
import FormData
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
        var body = try MultipartBody(
            contentType: request.headers[.contentType], contentLength: request.headers[.contentLength].flatMap(Int.init),
            reader: self)
        do {
            for try await buffer in request.body { try body.feed(buffer) }
            return try body.finish()
        } catch {
            body.abandon()
            throw error
        }
    }
}

/// The body of one form-data request, fed as its chunks arrive; synchronous, so the reading rules
/// do not depend on how the request delivers its body.
struct MultipartBody {
    private var parser: FormDataParser
    private let collector: PartCollector
    private let bodyLimit: Int
    private var received = 0

    init(contentType: String?, contentLength: Int?, reader: MultipartReader) throws {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data") else {
            throw Problem.multipartParsingFailed("Unsupported content type.")
        }
        guard let boundary = Multipart.parameter("boundary", in: contentType), !boundary.isEmpty else {
            throw Problem.multipartParsingFailed("Multipart: Boundary not found")
        }
        if let contentLength, contentLength > reader.bodyLimit { throw Problem.requestTooLarge }
        let collector = PartCollector(
            spillDirectory: reader.spillDirectory, memoryLimit: reader.memoryLimit, maximumParts: reader.maximumParts)
        self.parser = FormDataParser(boundary: boundary)
        self.collector = collector
        self.bodyLimit = reader.bodyLimit
    }

    mutating func feed(_ buffer: ByteBuffer) throws {
        received += buffer.readableBytes
        if received > bodyLimit { throw Problem.requestTooLarge }
        let collector = collector
        do {
            try buffer.withUnsafeReadableBytes { bytes in
                try parser.feed(bytes) { event in
                    switch event {
                    case .header(let name, let value): collector.header(name: name, value: value)
                    case .body(let bytes): collector.body(bytes)
                    case .partEnd: collector.completePart()
                    }
                }
            }
        } catch is FormDataParser.SyntaxError {
            throw Problem.multipartParsingFailed("Unexpected end of form")
        }
        if let failure = collector.failure { throw failure }
    }

    /// The parts, once the body has ended; a body that ends inside a part is refused.
    func finish() throws -> [ReceivedPart] {
        guard !collector.inPart else { throw Problem.multipartParsingFailed("Unexpected end of form") }
        return collector.parts
    }

    /// Removes what was spilled of a body that will not be finished.
    func abandon() { collector.abandon() }
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

    func body(_ bytes: UnsafeRawBufferPointer) {
        guard failure == nil else { return }
        do { try sink.append(bytes) } catch { failure = Problem.uploadNotWritten }
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
