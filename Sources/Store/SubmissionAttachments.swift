import Crypto
import Entities
import Foundation
import GRDB

/// The attachment slots of submission versions: one row per file name the version's binary fields hold,
/// empty until the file arrives.
enum SubmissionAttachments {
    static func createSlots(_ db: Database, defId: Int64, names: [String]) throws {
        for name in names where AttachmentRule.isAcceptableName(name) {
            try db.run("INSERT OR IGNORE INTO submission_attachments (submission_def_id, name) VALUES (?, ?)", defId, name)
        }
    }

    /// The slot's row and state, nil when the version references no such file.
    static func slot(_ db: Database, defId: Int64, name: String) throws -> (rowid: Int64, slot: AttachmentRule.Slot)? {
        guard
            let found = try db.firstRow(
                "SELECT rowid, blob IS NOT NULL, blob_sha256 FROM submission_attachments WHERE submission_def_id = ? AND name = ?",
                defId, name, as: { (rowid: $0[0] as Int64, filled: $0[1] as Bool, sha256: $0[2] as String?) })
        else { return nil }
        guard found.filled else { return (found.rowid, .empty) }
        if let sha256 = found.sha256 { return (found.rowid, .filled(sha256: sha256)) }
        // Stored before hashes were kept.
        let blob = try db.firstRow("SELECT blob FROM submission_attachments WHERE rowid = ?", found.rowid) { $0[0] as Data } ?? Data()
        return (found.rowid, .filled(sha256: SHA256.hash(data: blob).hex))
    }

    static func fill(_ db: Database, rowid: Int64, with attachment: IncomingAttachment) throws {
        switch attachment.bytes {
        case .memory(let data):
            try db.run(
                "UPDATE submission_attachments SET blob = ?, content_type = ?, blob_sha256 = ? WHERE rowid = ?", data,
                attachment.contentType, attachment.sha256, rowid)
        case .file(let file):
            try db.run(
                "UPDATE submission_attachments SET blob = zeroblob(?), content_type = ?, blob_sha256 = ? WHERE rowid = ?",
                attachment.size, attachment.contentType, attachment.sha256, rowid)
            try BlobStream.copy(
                file: file.path, into: db, table: "submission_attachments", column: "blob", rowid: rowid, size: attachment.size)
        }
    }

    /// Files of a new version's slots that arrived with it; files it does not reference are dropped.
    static func fillNew(_ db: Database, defId: Int64, attachments: [IncomingAttachment]) throws {
        for attachment in attachments {
            guard let (rowid, slot) = try slot(db, defId: defId, name: attachment.name), slot == .empty else { continue }
            try fill(db, rowid: rowid, with: attachment)
        }
    }

    /// An edit keeps the files of the version it replaces that it still references and was not sent again.
    static func carryForward(_ db: Database, from previousDefId: Int64, to defId: Int64) throws {
        try db.run(
            """
            UPDATE submission_attachments AS new SET blob = old.blob, content_type = old.content_type, blob_sha256 = old.blob_sha256
            FROM submission_attachments AS old
            WHERE new.submission_def_id = ? AND new.blob IS NULL
              AND old.submission_def_id = ? AND old.name = new.name AND old.blob IS NOT NULL
            """, defId, previousDefId)
    }

    /// The actor sent the submission and nobody has edited it since.
    static func isOwnUnedited(_ db: Database, submissionId: Int64, actorId: Int64) throws -> Bool {
        try db.firstRow(
            "SELECT submitter_id = ? AND (SELECT COUNT(*) FROM submission_defs WHERE submission_id = ?) = 1 FROM submissions WHERE id = ?",
            actorId, submissionId, submissionId
        ) { $0[0] as Bool } ?? false
    }

    /// Writes one file into an existing submission version under `AttachmentRule`, auditing what changed.
    static func attach(
        _ db: Database, submissionId: Int64, instanceId: String, defId: Int64, attachment: IncomingAttachment, actorId: Int64?,
        mayReplace: Bool, isResend: Bool
    ) throws -> AttachmentRule.Decision {
        let found = try slot(db, defId: defId, name: attachment.name)
        let decision = AttachmentRule.decide(
            slot: found?.slot ?? .notReferenced, incomingSHA256: attachment.sha256, mayReplace: mayReplace,
            isOwnUneditedSubmission: try actorId.map { try isOwnUnedited(db, submissionId: submissionId, actorId: $0) } ?? false,
            isResend: isResend)
        guard decision == .store, let found else { return decision }
        try fill(db, rowid: found.rowid, with: attachment)
        var details: JSONObject = [
            "instanceId": .string(instanceId), "submissionDefId": .int(defId), "name": .string(attachment.name),
            "newBlobSha256": .string(attachment.sha256),
        ]
        if case .filled(let old) = found.slot { details["oldBlobSha256"] = .string(old) } else { details["oldBlobSha256"] = .null }
        try Audit.log(
            db, actorId: actorId, action: "submission.attachment.update", acteeType: "submission", acteeId: submissionId,
            details: details)
        return decision
    }
}
