import Entities
import Foundation
import GRDB

extension GatewayStore {
    /// The entity's history with the version number its conflict was last resolved at.
    public func entityHistory(entityId: Int64) async throws -> (versions: [EntityVersionRecord], resolvedThrough: Int?) {
        try await read { db in
            let versions = try EntityRecords.versions(db, entityId: entityId)
            let resolved = try Int.fetchOne(
                try db.cachedStatement(sql: "SELECT resolved_through FROM entities WHERE id = ?"), arguments: [entityId])
            return (versions, resolved)
        }
    }

    /// How many submissions wait for approval before their entity work in this dataset.
    public func pendingSubmissionCount(datasetId: Int64) async throws -> Int {
        try await read { db in try Pending.count(db, datasetId: datasetId) }
    }

    /// Sets whether the dataset requires approval; turning it off with `convert` processes, once and in
    /// the order they were received, the submissions that were waiting.
    public func setApprovalRequired(datasetId: Int64, required: Bool, convert: Bool?, actorId: Int64) async throws {
        try await write { db in
            try db.run("UPDATE datasets SET approval_required = ? WHERE id = ?", required, datasetId)
            var details: JSONObject = ["data": ["approvalRequired": .bool(required)]]
            if !required { details["autoConvert"] = .bool(convert == true) }
            try Audit.log(db, actorId: actorId, action: "dataset.update", acteeType: "dataset", acteeId: datasetId, details: details)
            if !required && convert == true {
                try Pending.process(db, datasetId: datasetId, submissionId: nil, releasedBy: nil, observer: self.observer)
            }
        }
    }
}

/// Entity work that waits for a reviewer's approval.
enum Pending {
    static let waitingStates =
        "(s.review_state IS NULL OR s.review_state IN (\(ApprovalRule.waitingStates.map { "'\($0)'" }.joined(separator: ", "))))"

    /// One entity action per submission: a submission that made an entity version is no longer waiting.
    static let madeNothing = "NOT EXISTS (SELECT 1 FROM entity_versions v WHERE v.source_submission_id = p.submission_id)"

    static func count(_ db: Database, datasetId: Int64) throws -> Int {
        try Int.fetchOne(
            try db.cachedStatement(
                sql: """
                    SELECT COUNT(DISTINCT p.submission_id) FROM entity_pending p JOIN submissions s ON s.id = p.submission_id
                    JOIN forms f ON f.id = s.form_id
                    WHERE p.dataset_id = ? AND s.deleted_at IS NULL AND f.deleted_at IS NULL AND \(waitingStates) AND \(madeNothing)
                    """), arguments: [datasetId]) ?? 0
    }

    /// Applies waiting changes (of one dataset, or of one submission), oldest first, and forgets them.
    /// `releasedBy` names the approval that released them; nil (for `convert`) keeps the submission's own event.
    /// An approval releases only what still waits for it: not after approval was switched off.
    static func process(
        _ db: Database, datasetId: Int64?, submissionId: Int64?, releasedBy: TriggeringEvent?, observer: StoreObserver?
    ) throws {
        var conditions = ["s.deleted_at IS NULL", "f.deleted_at IS NULL"]
        if releasedBy != nil { conditions.append("(SELECT approval_required FROM datasets WHERE id = p.dataset_id) = 1") }
        var arguments: [any DatabaseValueConvertible] = []
        if let datasetId {
            conditions.append("p.dataset_id = ?")
            conditions.append(waitingStates)
            arguments.append(datasetId)
        }
        if let submissionId {
            conditions.append("p.submission_id = ?")
            arguments.append(submissionId)
        }
        let rows = try Row.fetchAll(
            try db.cachedStatement(
                sql: """
                    SELECT p.*, f.project_id FROM entity_pending p JOIN submissions s ON s.id = p.submission_id
                    JOIN forms f ON f.id = s.form_id WHERE \(conditions.joined(separator: " AND ")) ORDER BY p.received_at, p.id
                    """), arguments: StatementArguments(arguments))
        // One submission's blocks are processed together, so its failures make one entity.error.
        var groups: [(defId: Int64, projectId: Int64, changes: [Result<EntityChange, EntityProblem>], origins: [ChangeOrigin])] = []
        for row in rows {
            guard let change = EntityChange(json: (try? JSONValue.parse(row["change"] as String)) ?? .null),
                var origin = ChangeOrigin(json: (try? JSONValue.parse(row["origin"] as String)) ?? .null)
            else { continue }
            if let releasedBy { (origin.event, origin.eventId) = (releasedBy.action, releasedBy.auditId) }
            let defId: Int64 = row["submission_def_id"]
            if groups.last?.defId == defId {
                groups[groups.count - 1].changes.append(.success(change))
                groups[groups.count - 1].origins.append(origin)
            } else {
                groups.append((defId, row["project_id"], [.success(change)], [origin]))
            }
            try db.run("DELETE FROM entity_pending WHERE id = ?", row["id"] as Int64)
        }
        for group in groups {
            let processor = EntityProcessor(workspace: SQLiteEntityWorkspace(db: db, projectId: group.projectId, observer: observer))
            try processor.applySubmission(group.changes, origins: group.origins, approved: true)
        }
    }
}
