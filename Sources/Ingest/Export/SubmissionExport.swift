import Foundation
import Hummingbird
import OData
import Store
import XMLParse
import ZipStream

/// A form's submissions as Central's CSV export: read a page at a time, newest first, and written as they are read,
/// so memory stays flat whatever the number of submissions.
struct SubmissionExport {
    static let pageSize = ReadBatch.size

    let store: GatewayStore
    let layout: SubmissionTableLayout
    let selection: SubmissionSelection
    /// Where the repeat tables wait while the submissions table is written (a ZIP entry is written whole).
    let scratchDirectory: String

    /// The options Central reads from the query (also for POST): `groupPaths` (on unless `false`),
    /// `splitSelectMultiples` and `deletedFields` (off unless `true`), and `$filter`.
    init(
        store: GatewayStore, form: FormRecord, def: FormDefRecord, draft: Bool, request: Request, now: Date, scratchDirectory: String
    ) async throws {
        self.store = store
        self.scratchDirectory = scratchDirectory
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

    /// The selected submissions a page at a time, each with its rows in every table, in order.
    struct Pages {
        let export: SubmissionExport
        var cursor: SubmissionCursor?
        var done = false

        mutating func next() async throws -> [(row: SubmissionRow, tables: SubmissionTableRows)]? {
            guard !done else { return nil }
            let page = try await export.store.submissionRows(export.selection, after: cursor, limit: SubmissionExport.pageSize)
            if page.count < SubmissionExport.pageSize { done = true }
            if let last = page.last { cursor = SubmissionCursor(createdAt: last.createdAt, id: last.id) }
            guard !page.isEmpty else { return nil }
            // Parsing is most of an export's time: both halves of the page are read at once, one per core.
            let layout = export.layout
            let middle = page.count / 2
            async let first = Self.rows(Array(page[..<middle]), layout: layout)
            let second = try await Self.rows(Array(page[middle...]), layout: layout)
            return try await first + second
        }

        @concurrent static func rows(_ page: [SubmissionRow], layout: SubmissionTableLayout) async throws -> [(
            row: SubmissionRow, tables: SubmissionTableRows
        )] {
            page.map { row in
                let instance = (try? SubmissionParser.instance(row.xml)) ?? InstanceElement(name: "data")
                return (row, SubmissionTableRows(instance, instanceId: row.instanceId, layout: layout))
            }
        }
    }

    var pages: Pages { Pages(export: self) }

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
            var pages = self.pages
            while let page = try await pages.next() {
                for (row, tables) in page {
                    var line = Self.line(Self.submissionLine(row, cells: tables.submission))
                    pending.writeBuffer(&line)
                }
                if pending.readableBytes >= 1 << 16 {
                    try await writer.write(pending)
                    pending.clear()
                }
            }
            try await writer.write(pending)
            try await writer.finish(nil)
        }
    }

    /// Every table, then with `media` each current version's files under `media/`, as Central's `.csv.zip`.
    ///
    /// The submissions table is written into the archive as rows are read; each repeat table goes to a scratch file
    /// meanwhile and is copied in after it. Files are read from the database a few megabytes at a time.
    func zipBody(media: Bool) -> ResponseBody {
        ResponseBody { writer in
            try await ZipStreamWriter.withArchive(output: { try await writer.write(ByteBuffer(data: $0)) }) { zip in
                let now = Date()
                try FileManager.default.createDirectory(atPath: scratchDirectory, withIntermediateDirectories: true)
                var spills: [Int: (file: TemporaryFile, handle: FileHandle)] = [:]
                for table in layout.tables.indices.dropFirst() {
                    let file = TemporaryFile(path: "\(scratchDirectory)/export-\(UUID().uuidString).csv")
                    FileManager.default.createFile(atPath: file.path, contents: nil)
                    guard let handle = FileHandle(forWritingAtPath: file.path) else { throw HTTPError(.internalServerError) }
                    spills[table] = (file, handle)
                    handle.write(Data(Self.line(layout.header(of: table)).readableBytesView))
                }
                var withFiles: [Int64] = []
                try await zip.startEntry(name: layout.tables[0].fileName, modified: now)
                var pending = Self.line(layout.header(of: 0))
                var pages = self.pages
                while let page = try await pages.next() {
                    var spilled: [Int: ByteBuffer] = [:]
                    for (row, tables) in page {
                        var line = Self.line(Self.submissionLine(row, cells: tables.submission))
                        pending.writeBuffer(&line)
                        for (table, rows) in tables.repeats {
                            for cells in rows {
                                spilled[table, default: ByteBuffer()].writeString(cells.map(CSV.field).joined(separator: ",") + "\n")
                            }
                        }
                        if media && row.attachmentsPresent > 0 { withFiles.append(row.currentDefId) }
                    }
                    for (table, text) in spilled { spills[table]?.handle.write(Data(text.readableBytesView)) }
                    if pending.readableBytes >= 1 << 16 {
                        try await zip.write(Data(pending.readableBytesView))
                        pending.clear()
                    }
                }
                try await zip.write(Data(pending.readableBytesView))
                try await zip.finishEntry()
                for table in layout.tables.indices.dropFirst() {
                    guard let spill = spills[table] else { continue }
                    try spill.handle.close()
                    try await zip.startEntry(name: layout.tables[table].fileName, modified: now)
                    guard let input = FileHandle(forReadingAtPath: spill.file.path) else { throw HTTPError(.internalServerError) }
                    defer { try? input.close() }
                    while let chunk = try input.read(upToCount: 1 << 16), !chunk.isEmpty { try await zip.write(chunk) }
                    try await zip.finishEntry()
                }
                for defId in withFiles {
                    for attachment in try await store.submissionAttachments(defId: defId) {
                        guard let size = attachment.size else { continue }
                        // Photos, sound and video are compressed already.
                        let type = attachment.contentType ?? ""
                        let compress = !(type.hasPrefix("image/") || type.hasPrefix("audio/") || type.hasPrefix("video/"))
                        do {
                            try await zip.startEntry(
                                name: "media/\(attachment.name)", modified: now, compress: compress, expectedSize: UInt64(size))
                        } catch ZipStreamError.invalidName {
                            continue
                        }
                        var offset = 0
                        while offset < size {
                            guard let bytes = try await store.attachmentBytes(attachment, offset: offset, length: 4 << 20) else { break }
                            try await zip.write(bytes)
                            offset += bytes.count
                        }
                        try await zip.finishEntry()
                    }
                }
            }
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
