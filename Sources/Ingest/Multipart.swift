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

    /// A `key=value` or `key="value"` parameter of a header value (keys compared without case).
    static func parameter(_ key: String, in header: String) -> String? {
        var pieces = header.split(separator: ";", omittingEmptySubsequences: false).dropFirst().makeIterator()
        while let piece = pieces.next() {
            guard let equals = piece.firstIndex(of: "=") else { continue }
            let name = trimmed(piece[..<equals])
            guard name.utf8.count == key.utf8.count, name.lowercased() == key else { continue }
            var value = trimmed(piece[piece.index(after: equals)...])
            if value.count >= 2, value.first == "\"", value.last == "\"" { value = value.dropFirst().dropLast() }
            return String(value)
        }
        return nil
    }

    /// Without surrounding spaces and tabs (Foundation's character-set trimming showed in the profile).
    private static func trimmed(_ text: Substring) -> Substring {
        let isBlank = { (character: Character) in character == " " || character == "\t" }
        guard let first = text.firstIndex(where: { !isBlank($0) }), let last = text.lastIndex(where: { !isBlank($0) }) else {
            return ""
        }
        return text[first...last]
    }
}
