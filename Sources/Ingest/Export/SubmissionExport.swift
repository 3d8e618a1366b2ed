import Foundation
import Hummingbird
import OData
import Store
import XMLParse

/// A form's submissions as Central's CSV export: read a page at a time, newest first, and written as they are read,
/// so memory stays flat whatever the number of submissions.
struct SubmissionExport {
    /// Rows read per query. Debug builds (the tests) read 3, so that paging across reads is exercised by small data.
    #if DEBUG
        static let pageSize = 3
    #else
        static let pageSize = 500
    #endif

    let store: GatewayStore
    let layout: SubmissionTableLayout
    let selection: SubmissionSelection

    /// The options Central reads from the query (also for POST): `groupPaths` (on unless `false`),
    /// `splitSelectMultiples` and `deletedFields` (off unless `true`), and `$filter`.
    init(store: GatewayStore, form: FormRecord, def: FormDefRecord, draft: Bool, request: Request, now: Date) async throws {
        self.store = store
        var fields = (try? XFormParser.fields(def.xml)) ?? []
        if request.flag("deletedFields") && !draft {
            fields = try await Self.mergedFields(store: store, formId: form.id, current: fields)
        }
        let filter = try ODataQuery.filter(request)
        var selection = SubmissionSelection(formId: form.id, draft: draft)
        if let filter {
            selection.condition = try ODataQuery.condition(filter, columns: SubmissionSelection.odataColumns, now: now)
            selection.includeDeleted = ODataSQL.mentionsDeletedAt(filter)
        }
        self.selection = selection
        let groupPaths = request.query("groupPaths")?.lowercased() != "false"
        var choices: [String: [String]] = [:]
        if request.flag("splitSelectMultiples") {
            choices = try await Self.chosenValues(store: store, selection: selection, fields: fields)
        }
        layout = SubmissionTableLayout(fields: fields, xmlFormId: form.xmlFormId, groupPaths: groupPaths, choices: choices)
    }

    /// Every page of submissions with its rows in every table, in order.
    func forEachSubmission(_ body: (SubmissionRow, SubmissionTableRows) async throws -> Void) async throws {
        var cursor: SubmissionCursor?
        while true {
            let page = try await store.submissionRows(selection, after: cursor, limit: Self.pageSize)
            for row in page {
                let instance = (try? SubmissionParser.instance(row.xml)) ?? InstanceElement(name: "data")
                try await body(row, SubmissionTableRows(instance, instanceId: row.instanceId, layout: layout))
            }
            guard page.count == Self.pageSize, let last = page.last else { return }
            cursor = SubmissionCursor(createdAt: last.createdAt, id: last.id)
        }
    }

    static func submissionLine(_ row: SubmissionRow, cells: [String]) -> [String] {
        [row.createdAt] + cells + [
            row.instanceId, row.submitterId.map(String.init) ?? "", row.submitterName ?? "", String(row.attachmentsPresent),
            String(row.attachmentsExpected), "", row.reviewState ?? "", row.deviceId ?? "", String(row.edits), row.firstFormVersion,
        ]
    }

    static func line(_ cells: [String]) -> ByteBuffer {
        ByteBuffer(string: cells.map(CSV.field).joined(separator: ",") + "\n")
    }

    /// The submissions table alone, as `….csv`.
    func csvBody() -> ResponseBody {
        ResponseBody { writer in
            var pending = Self.line(layout.header(of: 0))
            try await forEachSubmission { row, tables in
                var line = Self.line(Self.submissionLine(row, cells: tables.submission))
                pending.writeBuffer(&line)
                if pending.readableBytes >= 1 << 16 {
                    try await writer.write(pending)
                    pending.clear()
                }
            }
            try await writer.write(pending)
            try await writer.finish(nil)
        }
    }

    /// The values chosen in each select-multiple among the selected submissions, sorted, for split columns.
    static func chosenValues(store: GatewayStore, selection: SubmissionSelection, fields: [FormField]) async throws -> [String: [String]] {
        let multiples = Set(fields.filter(\.selectMultiple).map(\.path))
        guard !multiples.isEmpty else { return [:] }
        var found: [String: Set<String>] = [:]
        func collect(_ element: InstanceElement, path: String) {
            for child in element.children {
                let childPath = path + "/" + child.name
                if multiples.contains(childPath) {
                    for token in child.text.split(whereSeparator: \.isWhitespace) { found[childPath, default: []].insert(String(token)) }
                }
                collect(child, path: childPath)
            }
        }
        var cursor: SubmissionCursor?
        while true {
            let page = try await store.submissionRows(selection, after: cursor, limit: pageSize)
            for row in page { if let instance = try? SubmissionParser.instance(row.xml) { collect(instance, path: "") } }
            guard page.count == pageSize, let last = page.last else { break }
            cursor = SubmissionCursor(createdAt: last.createdAt, id: last.id)
        }
        return found.mapValues { $0.sorted() }
    }

    /// With `deletedFields`: the fields of every published version, the newest version's order first and each
    /// field it lacks placed after the last field of its group, as Central merges them.
    static func mergedFields(store: GatewayStore, formId: Int64, current: [FormField]) async throws -> [FormField] {
        let versions = try await store.publishedVersions(formId: formId).reversed()
        var merged: [FormField]?
        for version in versions {
            guard let fields = try? XFormParser.fields(version.xml) else { continue }
            merged = merged.map { merge(older: $0, newer: fields) } ?? fields
        }
        return merged ?? current
    }

    static func merge(older: [FormField], newer: [FormField]) -> [FormField] {
        var result = newer
        var known = Set(newer.map(\.path))
        var index = 0
        while index < older.count {
            let field = older[index]
            guard !known.contains(field.path) else {
                index += 1
                continue
            }
            var subtree = [field]
            var next = index + 1
            while next < older.count, older[next].path.hasPrefix(field.path + "/") {
                subtree.append(older[next])
                next += 1
            }
            let prefix = field.path.split(separator: "/").dropLast().map { "/" + $0 }.joined()
            let anchor = result.lastIndex { $0.path.hasPrefix(prefix) } ?? (result.count - 1)
            result.insert(contentsOf: subtree, at: anchor + 1)
            known.formUnion(subtree.map(\.path))
            index = next
        }
        return result
    }
}
