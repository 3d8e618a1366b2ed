import Foundation
import GRDB
import XMLParse

extension GatewayStore {
    /// Stores a submission sent to a form's draft while it is being tested. It stays apart from the form's
    /// real submissions (same instanceIDs allowed), does no entity work, and goes when the draft does.
    /// A resend of the same XML is a duplicate; other XML under a taken instanceID is a conflict.
    public func storeDraftSubmission(
        formId: Int64, formDefId: Int64, xml: Data, parsed: ParsedSubmission, attachments: [IncomingAttachment],
        origin: SubmissionOrigin
    ) async throws -> SubmissionWriteOutcome {
        try await write { db in
            if let existing = try db.firstRow(
                """
                SELECT d.id, d.submission_id FROM submission_defs d JOIN submissions s ON s.id = d.submission_id
                WHERE s.form_id = ? AND s.draft = 1 AND d.instance_id = ?
                """, formId, parsed.instanceId, as: { (id: $0[0] as Int64, submissionId: $0[1] as Int64) })
            {
                guard try Submissions.xml(db, defId: existing.id) == xml else {
                    throw SubmissionWriteError.conflictingDuplicate(instanceId: parsed.instanceId)
                }
                return .duplicate(try Submissions.submission(db, id: existing.submissionId)!)
            }
            let now = Timestamp.now()
            try db.run(
                """
                INSERT INTO submissions (form_id, instance_id, submitter_id, device_id, user_agent, draft, created_at)
                VALUES (?, ?, ?, ?, ?, 1, ?)
                """, formId, parsed.instanceId, origin.actorId, origin.deviceId, origin.userAgent, now)
            let submissionId = db.lastInsertedRowID
            let projectId = try Int64.fetchOne(db, sql: "SELECT project_id FROM forms WHERE id = ?", arguments: [formId]) ?? 0
            _ = try Submissions.recordVersion(
                db, submissionId: submissionId, formDefId: formDefId, xml: xml, parsed: parsed, attachments: attachments,
                origin: origin, projectId: projectId, blocks: [], event: "submission.create", at: now, observer: self.observer)
            return .created(try Submissions.submission(db, id: submissionId)!)
        }
    }

    /// The submissions sent to a form's current draft, newest first.
    public func draftSubmissions(formId: Int64, formDefId: Int64) async throws -> [SubmissionRecord] {
        try await read { db in
            try Int64.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT s.id FROM submissions s JOIN submission_defs d ON d.submission_id = s.id
                    WHERE s.form_id = ? AND s.draft = 1 AND d.form_def_id = ? ORDER BY s.id DESC
                    """, arguments: [formId, formDefId]
            ).compactMap { try Submissions.submission(db, id: $0) }
        }
    }
}
