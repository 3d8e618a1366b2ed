import Foundation
import GRDB
import OData

/// A submission as exports and OData read it: the current version's XML with what Central shows beside it.
public struct SubmissionRow: Sendable {
    public var id: Int64
    /// The current version's row id (its attachments hang off it).
    public var currentDefId: Int64
    /// The logical instanceID (the first version's).
    public var instanceId: String
    public var createdAt: String
    public var updatedAt: String?
    public var deletedAt: String?
    public var submitterId: Int64?
    public var submitterName: String?
    public var deviceId: String?
    public var reviewState: String?
    public var xml: Data
    /// Versions after the first.
    public var edits: Int
    public var attachmentsPresent: Int
    public var attachmentsExpected: Int
    /// The form version the submission was first made against, and the one its current version was.
    public var firstFormVersion: String
    public var currentFormVersion: String
}

/// Which of a form's submissions a read covers.
public struct SubmissionSelection: Sendable {
    public var formId: Int64
    public var draft: Bool
    /// An OData `$filter` over `SubmissionSelection.odataColumns`.
    public var condition: SQLFragment?
    /// Central shows deleted submissions only to a filter that names `__system/deletedAt`.
    public var includeDeleted: Bool

    public init(formId: Int64, draft: Bool = false, condition: SQLFragment? = nil, includeDeleted: Bool = false) {
        self.formId = formId
        self.draft = draft
        self.condition = condition
        self.includeDeleted = includeDeleted
    }

    /// The paths Central lets `$filter` name on submissions, with and without `$root/Submissions/`.
    public static let odataColumns: [String: ODataColumn] = {
        let fields: [(String, ODataColumn)] = [
            ("__id", ODataColumn("s.instance_id", .text)),
            ("__system/submissionDate", ODataColumn("s.created_at", .timestamp)),
            ("__system/updatedAt", ODataColumn("s.updated_at", .timestamp)),
            ("__system/submitterId", ODataColumn("s.submitter_id", .integer)),
            ("__system/reviewState", ODataColumn("s.review_state", .text)),
            ("__system/deletedAt", ODataColumn("s.deleted_at", .timestamp)),
        ]
        return Dictionary(uniqueKeysWithValues: fields + fields.map { ("$root/Submissions/\($0.0)", $0.1) })
    }()

    var whereClause: SQLFragment {
        var sql = "s.form_id = ? AND s.draft = ?"
        var arguments: [SQLValue] = [.integer(formId), .integer(draft ? 1 : 0)]
        if !includeDeleted { sql += " AND s.deleted_at IS NULL" }
        if let condition {
            sql += " AND \(condition.sql)"
            arguments += condition.arguments
        }
        return SQLFragment(sql, arguments)
    }
}

/// Where a page of submissions, newest first, continues: after this one.
public struct SubmissionCursor: Sendable, Equatable {
    public var createdAt: String
    public var id: Int64
    public init(createdAt: String, id: Int64) {
        self.createdAt = createdAt
        self.id = id
    }
}

extension StatementArguments {
    init(_ values: [SQLValue]) {
        self.init(
            values.map { value -> DatabaseValue in
                switch value {
                case .null: .null
                case .integer(let number): number.databaseValue
                case .real(let number): number.databaseValue
                case .text(let text): text.databaseValue
                }
            })
    }
}

extension GatewayStore {
    /// Up to `limit` submissions newest first (`created_at`, then id), after `cursor` when given, else after
    /// skipping `offset`; `order` (an OData `$orderby` over `odataColumns`) replaces the order, and then only
    /// `offset` pages. The cursor walks the `(form_id, created_at, id)` index, so every page costs the same.
    public func submissionRows(
        _ selection: SubmissionSelection, after cursor: SubmissionCursor? = nil, offset: Int = 0, limit: Int, order: ODataOrderBy? = nil
    ) async throws -> [SubmissionRow] {
        try await read { db in
            var condition = selection.whereClause
            if let cursor {
                condition.sql += " AND (s.created_at, s.id) < (?, ?)"
                condition.arguments += [.text(cursor.createdAt), .integer(cursor.id)]
            }
            let sql = """
                SELECT s.id, s.instance_id, s.created_at, s.updated_at, s.deleted_at, s.submitter_id, a.display_name, s.device_id,
                  s.review_state, d.xml,
                  (SELECT COUNT(*) - 1 FROM submission_defs e WHERE e.submission_id = s.id),
                  (SELECT COUNT(*) FROM submission_attachments sa WHERE sa.submission_def_id = d.id AND sa.blob IS NOT NULL),
                  (SELECT COUNT(*) FROM submission_attachments sa WHERE sa.submission_def_id = d.id),
                  (SELECT fd.version FROM submission_defs f JOIN form_defs fd ON fd.id = f.form_def_id
                    WHERE f.submission_id = s.id ORDER BY f.id LIMIT 1),
                  cd.version, d.id
                FROM submissions s
                JOIN submission_defs d ON d.submission_id = s.id AND d.current = 1
                JOIN form_defs cd ON cd.id = d.form_def_id
                LEFT JOIN actors a ON a.id = s.submitter_id
                WHERE \(condition.sql)
                ORDER BY \(order?.sql(stable: "s.id") ?? "s.created_at DESC, s.id DESC") LIMIT ? OFFSET ?
                """
            let arguments = StatementArguments(condition.arguments + [.integer(Int64(limit)), .integer(Int64(cursor == nil ? offset : 0))])
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                SubmissionRow(
                    id: row[0], currentDefId: row[15], instanceId: row[1], createdAt: row[2], updatedAt: row[3], deletedAt: row[4],
                    submitterId: row[5],
                    submitterName: row[6], deviceId: row[7], reviewState: row[8], xml: row[9], edits: row[10], attachmentsPresent: row[11],
                    attachmentsExpected: row[12], firstFormVersion: row[13] ?? "", currentFormVersion: row[14] ?? "")
            }
        }
    }

    public func submissionCount(_ selection: SubmissionSelection) async throws -> Int {
        try await read { db in
            let condition = selection.whereClause
            return try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM submissions s WHERE \(condition.sql)", arguments: StatementArguments(condition.arguments))
                ?? 0
        }
    }

    /// The cursor of the submission with this logical instanceID, for a `$skiptoken` that names it.
    public func submissionCursor(formId: Int64, instanceId: String) async throws -> SubmissionCursor? {
        try await read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT s.created_at, s.id FROM submission_defs d JOIN submissions s ON s.id = d.submission_id
                    WHERE d.instance_id = ? AND s.instance_id = d.instance_id AND s.form_id = ? ORDER BY s.draft LIMIT 1
                    """,
                arguments: [instanceId, formId]
            ).map { SubmissionCursor(createdAt: $0[0], id: $0[1]) }
        }
    }
}

extension GatewayStore {
    /// Central's `form.submission.export`, written when a published form's submissions are downloaded.
    public func logSubmissionExport(formId: Int64, actorId: Int64) async throws {
        try await write { db in
            try Audit.log(db, actorId: actorId, action: "form.submission.export", acteeType: "form", acteeId: formId, details: [:])
        }
    }
}
