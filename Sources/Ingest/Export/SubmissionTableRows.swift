import XMLParse

/// One submission's rows in every table of a `SubmissionTableLayout`, read from its XML as Central's export reads it:
/// elements not in the form are skipped with everything below them; a repeat instance is a row whose KEY is the
/// instanceID followed by `/group` for each group and `/repeat[n]` for each repeat on its path, `n` counted within
/// the nearest enclosing repeat instance.
struct SubmissionTableRows: Sendable {
    /// The field cells of the submission's row.
    var submission: [String]
    /// Rows of each repeat table (index as in the layout), field cells then `PARENT_KEY` and `KEY`, in document order.
    var repeats: [Int: [[String]]] = [:]

    init(_ instance: InstanceElement, instanceId: String, layout: SubmissionTableLayout) {
        var row = layout.tables[0].defaults
        var counters: [String: Int] = [:]
        submission = []
        visit(instance, path: "", key: instanceId, repeatKey: instanceId, row: &row, counters: &counters, layout: layout)
        submission = row
    }

    private mutating func visit(
        _ element: InstanceElement, path: String, key: String, repeatKey: String, row: inout [String], counters: inout [String: Int],
        layout: SubmissionTableLayout
    ) {
        for child in element.children {
            let childPath = path + "/" + child.name
            guard let field = layout.fields[childPath] else { continue }
            switch field.type {
            case "repeat":
                guard let table = layout.repeatTables[childPath] else { continue }
                counters[childPath, default: 0] += 1
                let childKey = "\(key)/\(child.name)[\(counters[childPath]!)]"
                var childRow = layout.tables[table].defaults
                var childCounters: [String: Int] = [:]
                visit(child, path: childPath, key: childKey, repeatKey: childKey, row: &childRow, counters: &childCounters, layout: layout)
                repeats[table, default: []].append(childRow + [repeatKey, childKey])
            case "structure":
                visit(
                    child, path: childPath, key: "\(key)/\(child.name)", repeatKey: repeatKey, row: &row, counters: &counters,
                    layout: layout)
            default:
                guard let slot = layout.slots[childPath] else { continue }
                switch slot.placement {
                case .plain(let column):
                    row[column] += child.text
                case .geopoint(let column):
                    let parts = child.text.split(whereSeparator: \.isWhitespace)
                    for offset in 0..<4 { row[column + offset] = offset < parts.count ? String(parts[offset]) : "" }
                case .selectMultiple(let column, let choices):
                    row[column] += child.text
                    for token in child.text.split(whereSeparator: \.isWhitespace) {
                        if let position = choices[String(token)] { row[position] = "1" }
                    }
                }
            }
        }
    }
}
