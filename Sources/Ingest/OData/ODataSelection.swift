import Entities

/// A checked `$select`: which properties of a row to keep, as Central keeps them (a group brings all it holds, a field
/// brings its groups, a repeat only its navigation link; `__system` whole or the named parts).
struct ODataSelection: Sendable {
    /// Built by the selection's initializer and only read afterwards.
    final class Tree: @unchecked Sendable {
        var all = false
        var children: [String: Tree] = [:]
    }

    static let systemKeys = [
        "submissionDate", "updatedAt", "submitterId", "submitterName", "attachmentsPresent", "attachmentsExpected", "status",
        "reviewState", "deviceId", "edits", "formVersion", "deletedAt",
    ]

    let fields = Tree()
    var id = false
    var parentKey = false
    var wholeSystem = false
    var systemParts: Set<String> = []

    /// Checks each item against the table's fields: 400.23 for a property that is not there, 400.24 for one behind a repeat.
    init(_ items: [String], schema: SubmissionODataSchema, table: SubmissionODataSchema.Node?) throws {
        for item in items {
            func missing() -> Problem {
                Problem(code: 400.23, message: "Could not find a property named '\(item)'", details: ["property": .string(item)])
            }
            if item == "__id" {
                id = true
                continue
            }
            if let table, item == table.parentKeyName {
                parentKey = true
                continue
            }
            if item == "__system" || item.hasPrefix("__system/") {
                guard table == nil else { throw missing() }
                if item == "__system" {
                    wholeSystem = true
                } else {
                    let part = String(item.dropFirst("__system/".count))
                    guard Self.systemKeys.contains(part) else { throw missing() }
                    systemParts.insert(part)
                }
                continue
            }
            var nodes = table?.children ?? schema.roots
            var tree = fields
            let segments = item.split(separator: "/").map(String.init)
            for (index, segment) in segments.enumerated() {
                guard let node = nodes.first(where: { $0.odataName == segment }) else { throw missing() }
                if node.kind == .repeating && index < segments.count - 1 {
                    throw Problem(
                        code: 400.24, message: "The given OData select property '\(item)' uses features not supported by this server.",
                        details: ["property": .string(item)])
                }
                let next = tree.children[segment] ?? Tree()
                tree.children[segment] = next
                tree = next
                nodes = node.children
            }
            tree.all = true
        }
    }

    func apply(_ row: JSONObject, parentKeyName: String?) -> JSONObject {
        var kept = JSONObject()
        for (key, value) in row.pairs {
            if key == "__id" {
                if id { kept[key] = value }
            } else if key == parentKeyName {
                if parentKey { kept[key] = value }
            } else if key == "__system" {
                if wholeSystem {
                    kept[key] = value
                } else if !systemParts.isEmpty, let system = value.objectValue {
                    kept[key] = .object(JSONObject(system.pairs.filter { systemParts.contains($0.key) }.map { ($0.key, $0.value) }))
                }
            } else if let filtered = Self.filter(key: key, value: value, in: fields) {
                kept[key] = filtered
            }
        }
        return kept
    }

    private static func filter(key: String, value: JSONValue, in tree: Tree) -> JSONValue? {
        let name = key.hasSuffix("@odata.navigationLink") ? String(key.dropLast("@odata.navigationLink".count)) : key
        guard let sub = tree.children[name] else { return nil }
        if sub.all || name != key { return value }
        guard let object = value.objectValue else { return value }
        var kept = JSONObject()
        for (childKey, childValue) in object.pairs {
            if let filtered = filter(key: childKey, value: childValue, in: sub) { kept[childKey] = filtered }
        }
        return .object(kept)
    }
}
