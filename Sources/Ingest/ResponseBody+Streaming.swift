import Foundation
import Hummingbird
import Store

extension ResponseBody {
    /// The file's bytes, read in chunks as the client takes them; `file` is held until the last is sent.
    static func streaming(_ file: TemporaryFile, size: Int) -> ResponseBody {
        ResponseBody(contentLength: size) { writer in
            guard let input = fopen(file.path, "rb") else { throw HTTPError(.internalServerError) }
            defer { fclose(input) }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let read = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, input) }
                if read == 0 { break }
                try await writer.write(ByteBuffer(bytes: chunk[0..<read]))
            }
            withExtendedLifetime(file) {}
            try await writer.finish(nil)
        }
    }
}

extension ResponseBody {
    /// A stored attachment read a few megabytes at a time, each chunk in its own read, as the client takes it.
    static func blobChunks(_ attachment: SubmissionAttachmentRecord, size: Int, store: GatewayStore) -> ResponseBody {
        ResponseBody(contentLength: size) { writer in
            let chunk = 4 << 20
            var offset = 0
            while offset < size {
                // Replaced while being sent: the answer ends short, and the client sees a broken download.
                guard let bytes = try await store.attachmentBytes(attachment, offset: offset, length: chunk) else {
                    throw HTTPError(.conflict)
                }
                try await writer.write(ByteBuffer(bytes: bytes))
                offset += bytes.count
            }
            try await writer.finish(nil)
        }
    }
}
