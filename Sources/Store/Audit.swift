import Entities
import Foundation
import GRDB

/// The audit log: every change the gateway makes is written here in the same transaction.
public struct AuditRecord: Sendable, Equatable {
    public var id: Int64
    public var actorId: Int64?
    public var action: String
    public var acteeType: String?
    /// Central's actee UUID of the target (see `Actee`), nil where Central logs none.
    public var acteeId: String?
    public var details: JSONValue
    public var loggedAt: String
    /// The request's `X-Action-Notes`, where it gave one.
    public var notes: String?
}

enum Audit {
    /// Writes one audit and returns its row id; `submissionId` and `entityId` let the submission's and the
    /// entity's audit lists find it. An audit of a dataset, or of an entity of `datasetId`, is that
    /// dataset's latest activity.
    @discardableResult
    static func log(
        _ db: Database, actorId: Int64?, action: String, acteeType: String?, acteeId: Int64?, details: JSONObject,
        submissionId: Int64? = nil, entityId: Int64? = nil, datasetId: Int64? = nil, notes: String? = nil
    ) throws -> Int64 {
        let submission = submissionId ?? (acteeType == "submission" ? acteeId : nil)
        let now = Timestamp.now()
        try db.run(
            """
            INSERT INTO audits (actor_id, action, actee_type, actee_id, details, logged_at, submission_id, entity_id, notes)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, actorId, action, acteeType, acteeId, JSONValue.object(details).serialized(), now, submission,
            entityId ?? (acteeType == "entity" ? acteeId : nil), notes)
        let id = db.lastInsertedRowID
        if let dataset = datasetId ?? (acteeType == "dataset" ? acteeId : nil) {
            try db.run("UPDATE datasets SET last_activity_at = ? WHERE id = ?", now, dataset)
        }
        return id
    }

    static func record(_ row: Row) -> AuditRecord {
        let text: String? = row["details"]
        return AuditRecord(
            id: row["id"], actorId: row["actor_id"], action: row["action"], acteeType: row["actee_type"],
            acteeId: row["central_actee_id"], details: text.flatMap { try? JSONValue.parse($0) } ?? .null,
            loggedAt: row["logged_at"], notes: row["notes"])
    }
}

extension GatewayStore {
    /// Audits newest first, ties broken by id, optionally of one action.
    public func audits(action: String?, limit: Int = 1000) async throws -> [AuditRecord] {
        try await read { db in
            if let action {
                return try Row.fetchAll(
                    try db.cachedStatement(
                        sql: "SELECT *, \(Actee.centralIdColumn) FROM audits WHERE action = ? ORDER BY logged_at DESC, id DESC LIMIT ?"),
                    arguments: [action, limit]
                ).map(Audit.record)
            }
            return try Row.fetchAll(
                try db.cachedStatement(sql: "SELECT *, \(Actee.centralIdColumn) FROM audits ORDER BY logged_at DESC, id DESC LIMIT ?"),
                arguments: [limit]
            )
            .map(Audit.record)
        }
    }

    /// Every audit that names the submission, its entity work included, newest first.
    public func audits(submissionId: Int64) async throws -> [AuditRecord] {
        try await read { db in
            try Row.fetchAll(
                try db.cachedStatement(
                    sql: "SELECT *, \(Actee.centralIdColumn) FROM audits WHERE submission_id = ? ORDER BY logged_at DESC, id DESC"),
                arguments: [submissionId]
            ).map(Audit.record)
        }
    }

    /// Every audit that names the entity, newest first.
    public func audits(entityId: Int64) async throws -> [AuditRecord] {
        try await read { db in
            try Row.fetchAll(
                try db.cachedStatement(
                    sql: "SELECT *, \(Actee.centralIdColumn) FROM audits WHERE entity_id = ? ORDER BY logged_at DESC, id DESC"),
                arguments: [entityId]
            ).map(Audit.record)
        }
    }
}
