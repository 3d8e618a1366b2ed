import Entities
import GRDB

/// Where an entity version came from, as Central shows it in the version's and its audits' `source`:
/// the audited event that triggered it and the submission behind it, each as far as it still exists.
public struct VersionProvenance: Sendable, Equatable {
    /// The audit of the triggering event (a submission's arrival, edit or approval) and who caused it.
    public struct Event: Sendable, Equatable {
        public var audit: AuditRecord
        public var actor: Actor?
    }

    /// What the submission's `submission.create` audit keeps of it, so the source names it after the
    /// submission or its form is deleted.
    public struct Creation: Sendable, Equatable {
        public var instanceId: String?
        public var loggedAt: String
        public var submitter: Actor?
    }

    /// The submission in its current state, while it and its form are live.
    public struct Submission: Sendable, Equatable {
        public var record: SubmissionRecord
        public var xmlFormId: String
        public var submitter: Actor?
        public var currentSubmitter: Actor?
    }

    /// Nil for API changes, and once the triggering audit has been deleted.
    public var event: Event?
    public var creation: Creation?
    public var submission: Submission?
}

extension GatewayStore {
    /// The provenance of each of the entity's versions, by version row id.
    public func versionProvenance(entityId: Int64) async throws -> [Int64: VersionProvenance] {
        try await read { db in
            var actors: [Int64: Actor?] = [:]
            func actor(_ id: Int64?) throws -> Actor? {
                guard let id else { return nil }
                if let known = actors[id] { return known }
                let found = try Actor.fetch(db, id: id)
                actors[id] = found
                return found
            }
            let rows = try Row.fetchAll(
                try db.cachedStatement(
                    sql: "SELECT id, source_event_id, source_submission_id FROM entity_versions WHERE entity_id = ?"),
                arguments: [entityId])
            var provenance: [Int64: VersionProvenance] = [:]
            for row in rows {
                var found = VersionProvenance()
                if let eventId: Int64 = row["source_event_id"],
                    let audit = try Row.fetchOne(
                        try db.cachedStatement(sql: "SELECT *, \(Actee.centralIdColumn) FROM audits WHERE id = ?"), arguments: [eventId]
                    ).map(Audit.record)
                {
                    found.event = .init(audit: audit, actor: try actor(audit.actorId))
                }
                if let submissionId: Int64 = row["source_submission_id"] {
                    found.creation = try Row.fetchOne(
                        try db.cachedStatement(
                            sql: """
                                SELECT actor_id, details, logged_at FROM audits
                                WHERE submission_id = ? AND action = 'submission.create' ORDER BY id LIMIT 1
                                """), arguments: [submissionId]
                    ).map { created in
                        let details: String? = created["details"]
                        return .init(
                            instanceId: details.flatMap { try? JSONValue.parse($0) }?["instanceId"]?.stringValue,
                            loggedAt: created["logged_at"], submitter: try actor(created["actor_id"]))
                    }
                    if let record = try Submissions.submission(db, id: submissionId),
                        let xmlFormId = try String.fetchOne(
                            try db.cachedStatement(sql: "SELECT xml_form_id FROM forms WHERE id = ? AND deleted_at IS NULL"),
                            arguments: [record.formId])
                    {
                        found.submission = .init(
                            record: record, xmlFormId: xmlFormId, submitter: try actor(record.submitterId),
                            currentSubmitter: try actor(record.current.submitterId))
                    }
                }
                provenance[row["id"]] = found
            }
            return provenance
        }
    }
}
