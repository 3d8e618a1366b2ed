import Crypto
import Entities
import Foundation
import Store
import XMLParse

/// One submission as Central's OData rows: its `Submissions` row, or the rows of one repeat table.
///
/// Groups are objects (present even when absent from the XML), primitives are typed or null, a repeat is a navigation
/// link (and with `$expand=*` an array of its rows). A repeat row's `__id` is the SHA-1 of the path of field names and
/// instance indexes that leads to it, as Central computes it, so ids stay stable between requests and servers.
struct SubmissionODataRows {
    let schema: SubmissionODataSchema
    let expand: Bool
    let wkt: Bool
    /// The repeat whose rows are collected, nil for the `Submissions` row.
    let table: SubmissionODataSchema.Node?

    private(set) var rows: [JSONObject] = []

    init(schema: SubmissionODataSchema, expand: Bool, wkt: Bool, table: SubmissionODataSchema.Node?) {
        self.schema = schema
        self.expand = expand
        self.wkt = wkt
        self.table = table
    }

    /// The submission's row (for `Submissions`) or its rows in the repeat table.
    mutating func rows(for submission: SubmissionRow, instance: InstanceElement) -> [JSONObject] {
        rows = []
        var object = frame(schema.roots)
        var counters: [String: Int] = [:]
        let link = "Submissions('\(Self.encodeURIComponent(submission.instanceId))')"
        fill(
            &object, element: instance, nodes: schema.roots, hashParts: ["Submissions#\(submission.instanceId)"], link: link,
            counters: &counters, parentId: submission.instanceId)
        guard table == nil else { return rows }
        object["__id"] = .string(submission.instanceId)
        object["__system"] = .object(Self.system(submission))
        return [object]
    }

    static func system(_ submission: SubmissionRow) -> JSONObject {
        [
            "submissionDate": .string(submission.createdAt), "updatedAt": JSONValue(submission.updatedAt),
            "submitterId": JSONValue(submission.submitterId.map(String.init)), "submitterName": JSONValue(submission.submitterName),
            "attachmentsPresent": .int(Int64(submission.attachmentsPresent)),
            "attachmentsExpected": .int(Int64(submission.attachmentsExpected)), "status": .null,
            "reviewState": JSONValue(submission.reviewState), "deviceId": JSONValue(submission.deviceId),
            "edits": .int(Int64(submission.edits)), "formVersion": .string(submission.firstFormVersion),
            "deletedAt": JSONValue(submission.deletedAt),
        ]
    }

    private func frame(_ nodes: [SubmissionODataSchema.Node]) -> JSONObject {
        var object = JSONObject()
        for node in nodes {
            switch node.kind {
            case .primitive: object[node.odataName] = .null
            case .group: object[node.odataName] = .object(frame(node.children))
            case .repeating: break
            }
        }
        return object
    }

    private mutating func fill(
        _ object: inout JSONObject, element: InstanceElement, nodes: [SubmissionODataSchema.Node], hashParts: [String], link: String,
        counters: inout [String: Int], parentId: String
    ) {
        for child in element.children {
            guard let node = nodes.first(where: { $0.field.name == child.name }) else { continue }
            switch node.kind {
            case .primitive:
                object[node.odataName] = value(child.text, type: node.field.type)
            case .group:
                var nested = object[node.odataName]?.objectValue ?? frame(node.children)
                fill(
                    &nested, element: child, nodes: node.children, hashParts: hashParts + ["\(child.name)#"],
                    link: "\(link)/\(node.odataName)", counters: &counters, parentId: parentId)
                object[node.odataName] = .object(nested)
            case .repeating:
                let index = counters[node.field.path, default: 0]
                counters[node.field.path] = index + 1
                let parts = hashParts + ["\(child.name)#\(index)"]
                let id = Insecure.SHA1.hash(data: Data(parts.joined(separator: "%%").utf8)).hex
                object["\(node.odataName)@odata.navigationLink"] = .string("\(link)/\(node.odataName)")
                var row = frame(node.children)
                var inner: [String: Int] = [:]
                fill(
                    &row, element: child, nodes: node.children, hashParts: parts, link: "\(link)/\(node.odataName)('\(id)')",
                    counters: &inner, parentId: id)
                if expand {
                    var expanded = row
                    expanded["__id"] = .string(id)
                    var list = object[node.odataName]?.arrayValue ?? []
                    list.append(.object(expanded))
                    object[node.odataName] = .array(list)
                }
                if node === table {
                    row["__id"] = .string(id)
                    row[node.parentKeyName] = .string(parentId)
                    rows.append(row)
                }
            }
        }
    }

    func value(_ text: String, type: String) -> JSONValue {
        switch type {
        case "int":
            return Self.leadingInteger(text).map { .int($0) } ?? .null
        case "decimal":
            return Self.leadingDecimal(text).map { .double($0) } ?? .null
        case "dateTime":
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            let tail = Array(trimmed.utf8.suffix(3))
            let shortOffset =
                tail.count == 3 && (tail[0] == UInt8(ascii: "+") || tail[0] == UInt8(ascii: "-")) && Self.isDigit(tail[1])
                && Self.isDigit(tail[2])
            return .string(shortOffset ? trimmed + ":00" : trimmed)
        case "geopoint":
            guard let point = Self.point(text) else { return .null }
            if wkt { return .string("POINT (\(Self.coordinates(point)))") }
            var object: JSONObject = ["type": "Point", "coordinates": .array(point.prefix(3).map { .double($0) })]
            if point.count > 3 { object["properties"] = .object(["accuracy": .double(point[3])]) }
            return .object(object)
        case "geotrace", "geoshape":
            let points = text.split(separator: ";").compactMap { Self.point(String($0.hasPrefix(" ") ? $0.dropFirst() : $0)) }
            guard !points.isEmpty else { return .null }
            let polygon = type == "geoshape"
            if wkt {
                let list = points.map(Self.coordinates).joined(separator: ",")
                return .string(polygon ? "POLYGON ((\(list)))" : "LINESTRING (\(list))")
            }
            let line: JSONValue = .array(points.map { .array($0.prefix(3).map { .double($0) }) })
            var object: JSONObject = ["type": .string(polygon ? "Polygon" : "LineString"), "coordinates": polygon ? .array([line]) : line]
            if points.contains(where: { $0.count > 3 && $0[3] != 0 }) {
                object["properties"] = .object([
                    "accuracies": .array(points.map { $0.count > 3 && $0[3] != 0 ? .double($0[3]) : .null })
                ])
            }
            return .object(object)
        default:
            return .string(text)
        }
    }

    /// `[lon, lat, alt?, accuracy?]` from ODK's `lat lon alt acc`, nil without a latitude and longitude.
    static func point(_ text: String) -> [Double]? {
        let parts = text.split(separator: " ", omittingEmptySubsequences: false).map { leadingDecimal(String($0)) }
        guard parts.count >= 2, let lat = parts[0], let lon = parts[1] else { return nil }
        var point = [lon, lat]
        for part in parts.dropFirst(2).prefix(2) {
            guard let part else { break }
            point.append(part)
        }
        return point
    }

    static func coordinates(_ point: [Double]) -> String {
        point.prefix(3).map(number).joined(separator: " ")
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    /// JavaScript's `parseInt(text, 10)`: leading white space, a sign, then digits (scanned by hand: a Regex here
    /// was a third of the feed's time).
    static func leadingInteger(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        var index = bytes.firstIndex { !(($0 == 0x20) || ($0 >= 0x09 && $0 <= 0x0D)) } ?? bytes.count
        let start = index
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") { index += 1 }
        let digits = index
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        guard index > digits else { return nil }
        return Int64(String(decoding: bytes[start..<index], as: UTF8.self))
    }

    /// JavaScript's `parseFloat`: the longest leading decimal number.
    static func leadingDecimal(_ text: String) -> Double? {
        let bytes = Array(text.utf8)
        var index = bytes.firstIndex { !(($0 == 0x20) || ($0 >= 0x09 && $0 <= 0x0D)) } ?? bytes.count
        let start = index
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") { index += 1 }
        var digits = 0
        while index < bytes.count, isDigit(bytes[index]) { index += 1; digits += 1 }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < bytes.count, isDigit(bytes[index]) { index += 1; digits += 1 }
        }
        guard digits > 0 else { return nil }
        var end = index
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            var exponent = index + 1
            if exponent < bytes.count, bytes[exponent] == UInt8(ascii: "-") || bytes[exponent] == UInt8(ascii: "+") { exponent += 1 }
            let exponentDigits = exponent
            while exponent < bytes.count, isDigit(bytes[exponent]) { exponent += 1 }
            if exponent > exponentDigits { end = exponent }
        }
        return Double(String(decoding: bytes[start..<end], as: UTF8.self))
    }

    static func encodeURIComponent(_ text: String) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
