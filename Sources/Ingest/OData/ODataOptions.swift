import Entities
import Foundation
import Hummingbird

/// The query options of an OData request, checked before anything else as Central checks them: only OData's
/// options are known (anything else is 501.1), `$expand` only as `*` (501.6) and not with `$select` (501.11).
struct ODataOptions: Sendable {
    static let known: Set<String> = [
        "$format", "$count", "$skip", "$top", "$filter", "$wkt", "$expand", "$select", "$skiptoken", "$orderby", "$search",
    ]

    /// More rows than any table holds: a larger `$top` or `$skip` means the same, and counting past it
    /// (one more row to see whether a next page exists, the next page's `$skip`) cannot overflow.
    static let largestCount = 1 << 50

    var top: Int?
    var skip: Int
    var count: Bool
    var wkt: Bool
    var expand: Bool
    var select: [String]?
    var skiptoken: JSONObject?
    var search: String?

    init(_ request: Request) throws {
        for (key, _) in request.queryItems where !Self.known.contains(key) {
            throw Problem(
                code: 501.1, message: "The requested feature \(key) is not supported by this server.", details: ["feature": .string(key)])
        }
        let expandText = request.query("$expand") ?? ""
        guard expandText.isEmpty || expandText == "*" else {
            throw Problem(
                code: 501.6,
                message:
                    "The given OData expand expression is not supported by this server: \"\(expandText)\". Currently, only \"$expand=*\" is supported.",
                details: ["text": .string(expandText)])
        }
        expand = expandText == "*"
        let selectText = request.query("$select") ?? ""
        if expand && !selectText.isEmpty {
            throw Problem(code: 501.11, message: "This server doesn't support $select query parameter with $expand.")
        }
        select =
            selectText.isEmpty || selectText == "*" ? nil : selectText.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        func whole(_ name: String) throws -> Int? {
            guard let text = request.query(name) else { return nil }
            // Digits past Int's range mean "all", as Central's parseInt reads them.
            if Int(text) == nil, !text.isEmpty, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) { return Self.largestCount }
            guard let value = Int(text), value >= 0 else { throw Problem.invalidDataType(field: name, expected: "integer") }
            return min(value, Self.largestCount)
        }
        top = try whole("$top")
        skip = try whole("$skip") ?? 0
        count = request.flag("$count")
        wkt = request.flag("$wkt")
        search = request.query("$search").flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        if let token = request.query("$skiptoken") {
            skiptoken = try Self.decodeSkiptoken(token)
            skip = 0
        }
    }

    /// Central's opaque cursor: `01` and the base64 of a JSON object.
    static func encodeSkiptoken(_ object: JSONObject) -> String {
        "01" + JSONValue.object(object).data.base64EncodedString()
    }

    static func decodeSkiptoken(_ token: String) throws -> JSONObject {
        let invalid = Problem(code: 400.35, message: "Invalid $skiptoken")
        guard token.hasPrefix("01"), let data = Data(base64Encoded: String(token.dropFirst(2))),
            let object = (try? JSONValue.parse(data))?.objectValue
        else { throw invalid }
        return object
    }

    /// The request's URL with `$skip` dropped and `$skiptoken` set, its query written as a form is (`%24top`, `+`).
    static func nextLink(_ request: Request, base: String, token: JSONObject) -> String {
        var items = request.queryItems.filter { $0.name != "$skip" }
        let encoded = encodeSkiptoken(token)
        if let index = items.firstIndex(where: { $0.name == "$skiptoken" }) {
            items[index].value = encoded
        } else {
            items.append(("$skiptoken", encoded))
        }
        return "\(base)\(request.uri.path)?" + items.map { "\(formEncode($0.name))=\(formEncode($0.value))" }.joined(separator: "&")
    }

    /// With `$orderby` the next page is the same request further on: Central's cursor cannot follow an order.
    static func skipLink(_ request: Request, base: String, skip: Int) -> String {
        var items = request.queryItems.filter { $0.name != "$skip" && $0.name != "$skiptoken" }
        items.append(("$skip", String(skip)))
        return "\(base)\(request.uri.path)?" + items.map { "\(formEncode($0.name))=\(formEncode($0.value))" }.joined(separator: "&")
    }

    static func formEncode(_ text: String) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*-._ ")
        return (text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text).replacingOccurrences(of: " ", with: "+")
    }
}
