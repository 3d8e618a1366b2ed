import Foundation
import GRDB

/// One version of a submission, as its history lists it.
public struct SubmissionVersionRecord: Sendable {
    public var def: SubmissionDefRecord
    public var current: Bool
    /// The form version this version was made against.
    public var formVersion: String
}

extension GatewayStore {
    /// Every version of the submission, newest first, with its XML.
    public func submissionVersions(submissionId: Int64) async throws -> [SubmissionVersionRecord] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT d.*, fd.version AS form_version FROM submission_defs d JOIN form_defs fd ON fd.id = d.form_def_id
                    WHERE d.submission_id = ? ORDER BY d.id DESC
                    """, arguments: [submissionId]
            ).map { row in
                SubmissionVersionRecord(
                    def: SubmissionDefRecord(
                        id: row["id"], formDefId: row["form_def_id"], instanceId: row["instance_id"], instanceName: row["instance_name"],
                        deprecatedId: row["deprecated_id"], xml: row["xml"], submitterId: row["submitter_id"], deviceId: row["device_id"],
                        userAgent: row["user_agent"], createdAt: row["created_at"]),
                    current: row["current"], formVersion: row["form_version"] ?? "")
            }
        }
    }

    /// The row id of the form's deleted (published, not draft) submission with this logical instanceID.
    public func deletedSubmission(formId: Int64, instanceId: String) async throws -> Int64? {
        try await read { db in
            try db.firstRow(
                """
                SELECT s.id FROM submission_defs d JOIN submissions s ON s.id = d.submission_id
                WHERE d.instance_id = ? AND s.instance_id = d.instance_id AND s.form_id = ? AND s.draft = 0
                  AND s.deleted_at IS NOT NULL
                """, instanceId, formId
            ) { $0[0] as Int64 }
        }
    }

    /// Undoes a delete; audited as Central's `submission.restore`.
    public func restoreSubmission(submissionId: Int64, instanceId: String, actorId: Int64) async throws {
        try await write { db in
            try db.run("UPDATE submissions SET deleted_at = NULL WHERE id = ?", submissionId)
            try Audit.log(
                db, actorId: actorId, action: "submission.restore", acteeType: "submission", acteeId: submissionId,
                details: ["submissionId": .int(submissionId), "instanceId": .string(instanceId)])
        }
    }

    /// Forgets the file of an expected attachment of this version (its slot stays, empty); false when the form expects
    /// no file of that name. Audited as Central's `submission.attachment.update`.
    public func clearSubmissionAttachment(
        submissionId: Int64, defId: Int64, instanceId: String, name: String, actorId: Int64
    ) async throws -> Bool {
        try await write { db in
            guard
                try db.firstRow(
                    "SELECT 1 FROM submission_attachments WHERE submission_def_id = ? AND name = ?", defId, name, as: { _ in true })
                    != nil
            else { return false }
            try db.run(
                "UPDATE submission_attachments SET blob = NULL, blob_sha256 = NULL WHERE submission_def_id = ? AND name = ?", defId, name)
            try Audit.log(
                db, actorId: actorId, action: "submission.attachment.update", acteeType: "submission", acteeId: submissionId,
                details: ["instanceId": .string(instanceId), "submissionDefId": .int(defId), "name": .string(name)])
            return true
        }
    }
}
