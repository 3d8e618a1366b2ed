import Foundation
import Hummingbird
import MultipartKit

/// One part of a `multipart/form-data` body.
struct FormPart {
    var name: String?
    var filename: String?
    var contentType: String?
    var body: Data
}

enum Multipart {
    /// Splits a form-data body into parts, or fails with Central's 400.39.
    static func parts(contentType: String?, body: Data) throws -> [FormPart] {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data") else {
            throw Problem.multipartParsingFailed("Unsupported content type.").asOpenRosa()
        }
        guard let boundary = parameter("boundary", in: contentType) else {
            throw Problem.multipartParsingFailed("Multipart: Boundary not found").asOpenRosa()
        }
        var parts: [FormPart] = []
        var current = FormPart(body: Data())
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in
            switch name.lowercased() {
            case "content-disposition":
                current.name = parameter("name", in: value)
                current.filename = parameter("filename", in: value)
            case "content-type": current.contentType = value
            default: break
            }
        }
        parser.onBody = { buffer in
            current.body.append(contentsOf: buffer.readableBytesView)
        }
        parser.onPartComplete = {
            parts.append(current)
            current = FormPart(body: Data())
        }
        do {
            try parser.execute([UInt8](body))
        } catch {
            throw Problem.multipartParsingFailed("Unexpected end of form").asOpenRosa()
        }
        return parts
    }

    /// A `key=value` or `key="value"` parameter of a header value.
    static func parameter(_ key: String, in header: String) -> String? {
        for piece in header.split(separator: ";").dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == key else { continue }
            var value = pair[1].trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value
        }
        return nil
    }
}
