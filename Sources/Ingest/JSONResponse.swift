import Entities
import Foundation
import HTTPTypes
import Hummingbird

enum JSONResponse {
    static func make(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: value.serialized())))
    }

    static let success = make(["success": true])

    static func bytes(_ data: Data, contentType: String, filename: String? = nil) -> Response {
        download(.init(byteBuffer: ByteBuffer(bytes: data)), contentType: contentType, filename: filename)
    }

    /// 304 when the client already holds this version (`If-None-Match`, also as the weak form a proxy makes).
    static func notModified(_ request: Request, eTag: String) -> Response? {
        guard let held = request.headers[.ifNoneMatch], held == "\"\(eTag)\"" || held == "W/\"\(eTag)\"" else { return nil }
        var headers = HTTPFields()
        headers[.eTag] = "\"\(eTag)\""
        return Response(status: .notModified, headers: headers)
    }

    /// A file for the client to save: its type, the name to save it under, and its version as `ETag`.
    static func download(_ body: ResponseBody, contentType: String, filename: String?, eTag: String? = nil) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        if let filename { headers[.contentDisposition] = ContentDisposition.attachment(filename: filename) }
        if let eTag { headers[.eTag] = "\"\(eTag)\"" }
        return Response(status: .ok, headers: headers, body: body)
    }
}

extension Request {
    /// The whole body, refusing anything over `limit` bytes with Central's 400.36.
    func collectBody(limit: Int) async throws -> Data {
        if let length = headers[.contentLength].flatMap(Int.init), length > limit { throw Problem.requestTooLarge }
        do {
            let buffer = try await body.collect(upTo: limit)
            return Data(buffer: buffer)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw Problem.requestTooLarge
        }
    }

    /// A JSON object body, or Central's 400.1; with `allowEmpty`, no body at all reads as `{}`.
    func jsonObjectBody(limit: Int = 250 * 1024, allowEmpty: Bool = false) async throws -> JSONObject {
        try requireJSONContentType()
        return try Self.jsonObject(try await collectBody(limit: limit), allowEmpty: allowEmpty)
    }

    /// A body declared as anything but JSON is refused: an HTML form on another site can post `text/plain`
    /// or form data without a CORS preflight, but not `application/json`. A body with no type is read as JSON.
    func requireJSONContentType() throws {
        guard let declared = headers[.contentType] else { return }
        let media = declared.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard media == "application/json" || media.hasSuffix("+json") else {
            throw Problem.unexpectedValue(field: "Content-Type", value: declared, reason: "this endpoint reads JSON (application/json).")
        }
    }

    static func isBlank(_ data: Data) -> Bool {
        data.allSatisfy { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
    }

    static func jsonObject(_ data: Data, allowEmpty: Bool = false) throws -> JSONObject {
        if allowEmpty && isBlank(data) { return JSONObject() }
        guard let object = (try? JSONValue.parse(data))?.objectValue else {
            throw Problem.unparseable(format: "json", rawLength: data.count)
        }
        if JSONValue.object(object).containsNull { throw Problem.nullCharacter(field: "JSON body") }
        return object
    }

    /// Query parameters decoded as a form is: `+` is a space (pyodk sends spaces so) and then percent escapes,
    /// in names too (pyodk sends `%24top` for `$top`). A malformed escape is kept as written.
    var queryItems: [(name: String, value: String)] {
        Self.decodeQuery(uri.query ?? "")
    }

    static func decodeQuery(_ query: String) -> [(name: String, value: String)] {
        func decode(_ part: Substring) -> String {
            let spaced = part.replacingOccurrences(of: "+", with: " ")
            return spaced.removingPercentEncoding ?? spaced
        }
        return query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            guard let equals = pair.firstIndex(of: "=") else { return (decode(pair), "") }
            return (decode(pair[..<equals]), decode(pair[pair.index(after: equals)...]))
        }
    }

    func query(_ name: String) -> String? {
        queryItems.first { $0.name == name }?.value
    }

    /// Central's boolean query flags: any capitalisation of `true`.
    func flag(_ name: String) -> Bool {
        query(name)?.lowercased() == "true"
    }

    var wantsExtendedMetadata: Bool {
        headers[HeaderNames.extendedMetadata]?.lowercased() == "true"
    }

    /// Central's paging parameters `offset` and `limit`: whole numbers, or 400.11.
    func paging() throws -> (offset: Int, limit: Int?) {
        func value(_ name: String) throws -> Int? {
            guard let text = query(name) else { return nil }
            guard let number = Int(text) else { throw Problem.invalidDataType(field: name, expected: "integer") }
            guard number >= 0 else { throw Problem.unexpectedValue(field: name, value: text, reason: "it may not be negative") }
            return number
        }
        return (try value("offset") ?? 0, try value("limit"))
    }

    /// Central's `X-Action-Notes`, percent-decoded, for the audit of the action; 400.6 when it does not decode.
    func actionNotes() throws -> String? {
        guard let raw = headers[HeaderNames.actionNotes] else { return nil }
        guard let notes = raw.removingPercentEncoding else {
            throw Problem(
                code: 400.6, message: "An expected header field (x-action-notes) did not match the expected format.",
                details: ["field": "x-action-notes"])
        }
        return notes
    }
}

extension JSONValue {
    /// True when a string or a key anywhere inside holds U+0000.
    var containsNull: Bool {
        switch self {
        case .string(let text): return text.containsNull
        case .array(let items): return items.contains { $0.containsNull }
        case .object(let object): return object.pairs.contains { $0.key.containsNull || $0.value.containsNull }
        case .null, .bool, .int, .double: return false
        }
    }
}

extension Parameters {
    /// A path parameter with its percent-escapes decoded (pyodk escapes `:` in `uuid:` instance ids).
    func decoded(_ name: String) throws -> String {
        let raw = try require(name)
        return raw.removingPercentEncoding ?? raw
    }
}

/// Header names built once: making an HTTPField.Name lower-cases it, and these are read on every request.
enum HeaderNames {
    static let extendedMetadata = HTTPField.Name("X-Extended-Metadata")!
    static let actionNotes = HTTPField.Name("X-Action-Notes")!
    static let forwardedProto = HTTPField.Name("X-Forwarded-Proto")!
    static let odkClient = HTTPField.Name("X-ODK-Client")!
    static let xlsformFormIdFallback = HTTPField.Name("X-XlsForm-FormId-Fallback")!
    static let odataVersion = HTTPField.Name("OData-Version")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
}
