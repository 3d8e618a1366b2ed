import Entities
import Foundation
import GRDB

/// A submission's entity block waiting for the version its offline branch builds on.
public struct BacklogItem: Sendable, Equatable {
    public var submissionId: Int64?
    public var instanceId: String?
    public var projectId: Int64?
    public var xmlFormId: String?
    public var entityUuid: String
    public var branchId: String?
    public var branchBaseVersion: Int
    public var heldAt: String
}

extension GatewayStore {
    /// Everything held, oldest first.
    public func backlog() async throws -> [BacklogItem] {
        try await read { db in
            try Row.fetchAll(
                try db.cachedStatement(
                    sql: """
                        SELECT b.*, s.instance_id, f.project_id, f.xml_form_id FROM entity_backlog b
                        LEFT JOIN submissions s ON s.id = b.submission_id LEFT JOIN forms f ON f.id = s.form_id
                        ORDER BY b.held_at, b.id
                        """)
            ).map {
                BacklogItem(
                    submissionId: $0["submission_id"], instanceId: $0["instance_id"], projectId: $0["project_id"],
                    xmlFormId: $0["xml_form_id"], entityUuid: $0["entity_uuid"], branchId: $0["branch_id"],
                    branchBaseVersion: $0["branch_base_version"], heldAt: $0["held_at"])
            }
        }
    }

    /// Force-applies what was held before `heldBefore` (everything when nil), in `BacklogRule` order and
    /// under its disposition, and returns how many rows were taken off. A dropped row leaves an audit.
    public func processBacklog(heldBefore: Date?, actorId: Int64?) async throws -> Int {
        try await write { db in
            let cutoff = heldBefore.map(Timestamp.string) ?? "9999"
            let rows = try db.allRows(
                """
                SELECT \(EntityRows.heldColumns), b.id, b.submission_id, f.project_id,
                  s.id IS NULL OR s.deleted_at IS NOT NULL, f.id IS NULL OR f.deleted_at IS NOT NULL
                FROM entity_backlog b LEFT JOIN submissions s ON s.id = b.submission_id LEFT JOIN forms f ON f.id = s.form_id
                WHERE b.held_at < ? ORDER BY b.id
                """, cutoff
            ) { row in
                EntityRows.held(row).map { held in
                    (
                        held: held, id: row[3] as Int64, submissionId: row[4] as Int64?, projectId: row[5] as Int64?,
                        disposition: BacklogRule.disposition(submissionDeleted: row[6], formDeleted: row[7])
                    )
                }
            }.compactMap { $0 }.sorted { BacklogRule.forcedFirst($0.held, $1.held) }
            for row in rows {
                let held = row.held
                if case .drop(let reason) = row.disposition {
                    try db.run("DELETE FROM entity_backlog WHERE id = ?", row.id)
                    try Audit.log(
                        db, actorId: actorId, action: "submission.backlog.drop", acteeType: "submission",
                        acteeId: row.submissionId,
                        details: [
                            "entityUuid": .string(held.change.uuid), "branchId": JSONValue(held.branchId),
                            "branchBaseVersion": .int(Int64(held.branchBaseVersion)),
                            "reason": .string(reason),
                        ])
                    continue
                }
                guard let projectId = row.projectId else { continue }  // a live form always has one
                let processor = EntityProcessor(workspace: SQLiteEntityWorkspace(db: db, projectId: projectId, observer: self.observer))
                try processor.force(held)
            }
            return rows.count
        }
    }
}
