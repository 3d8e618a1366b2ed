import Entities
import Foundation
import GRDB
import XMLParse

public struct SubmissionRecord: Sendable, Equatable {
    public var id: Int64
    public var formId: Int64
    public var instanceId: String
    public var submitterId: Int64?
    public var deviceId: String?
    public var userAgent: String?
    public var reviewState: String?
    public var createdAt: String
    public var updatedAt: String?
    public var current: SubmissionDefRecord
    public var deletedAt: String? = nil
}

public struct SubmissionDefRecord: Sendable, Equatable {
    public var id: Int64
    public var formDefId: Int64
    public var instanceId: String
    public var instanceName: String?
    public var deprecatedId: String?
    public var xml: Data
    public var submitterId: Int64?
    public var deviceId: String?
    public var userAgent: String?
    public var createdAt: String
}

/// An attachment slot of a submission version; `size` is nil while the file has not arrived.
public struct SubmissionAttachmentRecord: Sendable, Equatable {
    public var rowid: Int64
    public var name: String
    public var contentType: String?
    public var sha256: String?
    public var size: Int?

    public var exists: Bool { size != nil }
}

/// Who sent a submission and how.
public struct SubmissionOrigin: Sendable {
    public var actorId: Int64?
    public var deviceId: String?
    public var userAgent: String?

    public init(actorId: Int64?, deviceId: String?, userAgent: String?) {
        self.actorId = actorId
        self.deviceId = deviceId
        self.userAgent = userAgent
    }
}

/// What storing a submission did.
public enum SubmissionWriteOutcome: Sendable, Equatable {
    case created(SubmissionRecord)
    /// The same instanceID with byte-identical XML: nothing new but any attachments not seen before.
    case duplicate(SubmissionRecord)
    /// A new version of an existing submission (an edit naming the current version in `deprecatedID`).
    case edited(SubmissionRecord)
}

public enum SubmissionWriteError: Error, Equatable, Sendable {
    /// The same instanceID exists with different XML.
    case conflictingDuplicate(instanceId: String)
    /// `deprecatedID` names a submission version that is not the current one.
    case deprecatedIdNotCurrent(String)
    /// `deprecatedID` names no submission version of this form.
    case deprecatedIdNotFound(String)
    /// The edit's target is not the submission named in the URL.
    /// The instanceID belongs to a submission that was deleted: it may not be sent again.
    case deleted
    case notFound
    /// A file sent again under a submission the sender may not change (`AttachmentRule`).
    case attachmentForbidden(name: String)
    /// A file sent for a name the submission's XML does not reference.
    case attachmentNotReferenced(name: String)
}

extension GatewayStore {
    /// Stores a new submission (`projectId` is the form's project), or recognises a repeat of one; with `acceptEdits`, a submission
    /// carrying `deprecatedID` becomes a new version of the one it replaces (OpenRosa's way of editing).
    /// Only files the XML references are kept; a repeat's files follow `AttachmentRule` (`mayReplaceAttachments`:
    /// the sender may update submissions).
    public func storeSubmission(
        projectId: Int64, formId: Int64, formDefId: Int64, xml: Data, parsed: ParsedSubmission, attachments: [IncomingAttachment],
        origin: SubmissionOrigin, acceptEdits: Bool, declarations: [EntityDeclaration] = [], mayReplaceAttachments: Bool = false
    ) async throws -> SubmissionWriteOutcome {
        let blocks = SubmissionEntityWork.prepare(parsed, declarations: declarations)
        return try await write { db in
            if let existing = try Submissions.version(db, formId: formId, instanceId: parsed.instanceId) {
                if try Submissions.isDeleted(db, submissionId: existing.submissionId) {
                    throw SubmissionWriteError.deleted
                }
                guard try Submissions.xml(db, defId: existing.id) == xml else {
                    throw SubmissionWriteError.conflictingDuplicate(instanceId: parsed.instanceId)
                }
                for attachment in attachments {
                    let decision = try SubmissionAttachments.attach(
                        db, submissionId: existing.submissionId, instanceId: parsed.instanceId, defId: existing.id,
                        attachment: attachment, actorId: origin.actorId, mayReplace: mayReplaceAttachments, isResend: true)
                    if decision == .forbidden { throw SubmissionWriteError.attachmentForbidden(name: attachment.name) }
                }
                return .duplicate(try Submissions.submission(db, id: existing.submissionId)!)
            }
            if acceptEdits, let deprecatedId = parsed.deprecatedId {
                guard let target = try Submissions.version(db, formId: formId, instanceId: deprecatedId, .current) else {
                    if try Submissions.version(db, formId: formId, instanceId: deprecatedId) != nil {
                        throw SubmissionWriteError.deprecatedIdNotCurrent(deprecatedId)
                    }
                    throw SubmissionWriteError.deprecatedIdNotFound(deprecatedId)
                }
                let submissionId = target.submissionId
                try Submissions.addVersion(
                    db, submissionId: submissionId, formDefId: formDefId, xml: xml, parsed: parsed,
                    attachments: attachments, origin: origin, projectId: projectId, blocks: blocks,
                    observer: self.observer)
                return .edited(try Submissions.submission(db, id: submissionId)!)
            }
            let now = Timestamp.now()
            try db.run(
                """
                INSERT INTO submissions (form_id, instance_id, submitter_id, device_id, user_agent, created_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """, formId, parsed.instanceId, origin.actorId, origin.deviceId, origin.userAgent, now)
            let submissionId = db.lastInsertedRowID
            let defId = try Submissions.recordVersion(
                db, submissionId: submissionId, formDefId: formDefId, xml: xml, parsed: parsed, attachments: attachments,
                origin: origin, projectId: projectId, blocks: blocks, event: "submission.create", at: now,
                observer: self.observer)
            // What was just written, as `Submissions.submission` would read it back (without the XML).
            return .created(
                SubmissionRecord(
                    id: submissionId, formId: formId, instanceId: parsed.instanceId, submitterId: origin.actorId,
                    deviceId: origin.deviceId, userAgent: origin.userAgent, reviewState: nil, createdAt: now, updatedAt: nil,
                    current: SubmissionDefRecord(
                        id: defId, formDefId: formDefId, instanceId: parsed.instanceId, instanceName: parsed.instanceName,
                        deprecatedId: parsed.deprecatedId, xml: Data(), submitterId: origin.actorId, deviceId: origin.deviceId,
                        userAgent: origin.userAgent, createdAt: now)))
        }
    }

    /// A REST edit (`PUT`): the XML's `deprecatedID` must name the submission's current version.
    public func editSubmission(
        submissionId: Int64, formDefId: Int64, xml: Data, parsed: ParsedSubmission, origin: SubmissionOrigin,
        declarations: [EntityDeclaration] = []
    ) async throws -> SubmissionRecord {
        let blocks = SubmissionEntityWork.prepare(parsed, declarations: declarations)
        return try await write { db in
            guard let current = try Submissions.submission(db, id: submissionId) else { throw SubmissionWriteError.notFound }
            guard let deprecatedId = parsed.deprecatedId, deprecatedId == current.current.instanceId else {
                throw SubmissionWriteError.deprecatedIdNotCurrent(parsed.deprecatedId ?? "")
            }
            if try Submissions.version(db, formId: current.formId, instanceId: parsed.instanceId) != nil {
                throw SubmissionWriteError.conflictingDuplicate(instanceId: parsed.instanceId)
            }
            let projectId =
                try Int64.fetchOne(try db.cachedStatement(sql: "SELECT project_id FROM forms WHERE id = ?"), arguments: [current.formId])
                ?? 0
            try Submissions.addVersion(
                db, submissionId: submissionId, formDefId: formDefId, xml: xml, parsed: parsed,
                attachments: [], origin: origin, projectId: projectId, blocks: blocks,
                observer: self.observer)
            return try Submissions.submission(db, id: submissionId)!
        }
    }

    /// The form's submissions newest first: the live ones, or with `deleted` those deleted.
    public func submissions(formId: Int64, deleted: Bool = false) async throws -> [SubmissionRecord] {
        try await read { db in
            try Int64.fetchAll(
                try db.cachedStatement(
                    sql: """
                        SELECT id FROM submissions WHERE form_id = ? AND (deleted_at IS NULL) = ? AND draft = 0
                        ORDER BY created_at DESC, id DESC
                        """
                ), arguments: [formId, !deleted]
            ).compactMap { try Submissions.submission(db, id: $0, includeDeleted: deleted) }
        }
    }

    public func submission(formId: Int64, instanceId: String, withXML: Bool = false) async throws -> SubmissionRecord? {
        try await read { db in
            guard let found = try Submissions.version(db, formId: formId, instanceId: instanceId, .first) else { return nil }
            return try Submissions.submission(db, id: found.submissionId, withXML: withXML)
        }
    }

    /// Sets the review state; approving runs the entity work that waited for approval, once.
    public func setReviewState(submissionId: Int64, state: String, actorId: Int64, notes: String? = nil) async throws -> SubmissionRecord {
        try await write { db in
            try db.run("UPDATE submissions SET review_state = ?, updated_at = ? WHERE id = ?", state, Timestamp.now(), submissionId)
            let defId = try Int64.fetchOne(
                try db.cachedStatement(sql: "SELECT id FROM submission_defs WHERE submission_id = ? AND current = 1"),
                arguments: [submissionId])
            let eventId = try Audit.log(
                db, actorId: actorId, action: ApprovalRule.releaseEvent, acteeType: "submission", acteeId: submissionId,
                details: ["submissionId": .int(submissionId), "submissionDefId": JSONValue(defId), "reviewState": .string(state)],
                notes: notes)
            if ApprovalRule.releases(reviewState: state) {
                try Pending.process(
                    db, datasetId: nil, submissionId: submissionId,
                    releasedBy: TriggeringEvent(action: ApprovalRule.releaseEvent, auditId: eventId), observer: self.observer)
            }
            return try Submissions.submission(db, id: submissionId)!
        }
    }

    public func deleteSubmission(submissionId: Int64, actorId: Int64) async throws {
        try await write { db in
            try db.run("UPDATE submissions SET deleted_at = ? WHERE id = ?", Timestamp.now(), submissionId)
            let instanceId = try db.firstRow("SELECT instance_id FROM submissions WHERE id = ?", submissionId) { $0[0] as String }
            try Audit.log(
                db, actorId: actorId, action: "submission.delete", acteeType: "submission", acteeId: submissionId,
                details: ["submissionId": .int(submissionId), "instanceId": JSONValue(instanceId)])
        }
    }

    /// The version's attachment slots, without their bytes.
    public func submissionAttachments(defId: Int64) async throws -> [SubmissionAttachmentRecord] {
        try await read { db in
            try db.allRows(
                """
                SELECT rowid, name, content_type, blob_sha256, length(blob) FROM submission_attachments
                WHERE submission_def_id = ? ORDER BY name
                """, defId
            ) { row in
                SubmissionAttachmentRecord(
                    rowid: row[0], name: row[1], contentType: row[2], sha256: row[3], size: (row[4] as Int?))
            }
        }
    }

    /// `length` bytes of a stored attachment from `offset`, read through SQLite's incremental blob API so a
    /// download never holds the whole file; nil when the file is gone or was replaced (its hash changed).
    public func attachmentBytes(_ attachment: SubmissionAttachmentRecord, offset: Int, length: Int) async throws -> Data? {
        try await read { db in
            let current = try db.firstRow(
                "SELECT blob_sha256 IS ?, length(blob) FROM submission_attachments WHERE rowid = ?",
                attachment.sha256, attachment.rowid
            ) { (same: $0[0] as Bool, size: $0[1] as Int?) }
            guard let current, current.same, current.size == attachment.size else { return nil }
            return try BlobStream.read(
                db, table: "submission_attachments", column: "blob", rowid: attachment.rowid, offset: offset,
                length: min(length, (attachment.size ?? 0) - offset))
        }
    }
}

/// Submission queries shared by the store's submission operations.
enum Submissions {
    /// Which stored version an instanceID lookup accepts.
    enum VersionMatch {
        /// Any version, of a live or deleted submission (what duplicates are checked against).
        case any
        /// A live submission's current version (what an edit must name).
        case current
        /// A live submission's first version: the instanceID the submission is known by.
        case first
    }

    /// A stored submission version of the form with this instanceID. CROSS JOIN keeps SQLite starting from
    /// the instanceID index: joining the other way round walks every submission of the form, which the
    /// benchmark showed as throughput falling with the data.
    static func version(_ db: Database, formId: Int64, instanceId: String, _ match: VersionMatch = .any) throws -> (
        id: Int64, submissionId: Int64
    )? {
        let condition =
            switch match {
            case .any: ""
            case .current: "AND d.current = 1 AND s.deleted_at IS NULL"
            case .first: "AND s.instance_id = d.instance_id AND s.deleted_at IS NULL"
            }
        return try db.firstRow(
            """
            SELECT d.id, d.submission_id FROM submission_defs d CROSS JOIN submissions s ON s.id = d.submission_id
            WHERE s.form_id = ? AND d.instance_id = ? AND s.draft = 0 \(condition)
            """, formId, instanceId
        ) { (id: $0[0], submissionId: $0[1]) }
    }

    static func xml(_ db: Database, defId: Int64) throws -> Data? {
        try db.firstRow("SELECT xml FROM submission_defs WHERE id = ?", defId) { $0[0] }
    }

    static func isDeleted(_ db: Database, submissionId: Int64) throws -> Bool {
        try db.firstRow("SELECT deleted_at IS NOT NULL FROM submissions WHERE id = ?", submissionId) { $0[0] } ?? false
    }

    static func insertDef(
        _ db: Database, submissionId: Int64, formDefId: Int64, xml: Data, parsed: ParsedSubmission, origin: SubmissionOrigin,
        at time: String
    ) throws -> Int64 {
        try db.run(
            """
            INSERT INTO submission_defs (submission_id, form_def_id, instance_id, instance_name, deprecated_id, xml,
              submitter_id, device_id, user_agent, current, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)
            """, submissionId, formDefId, parsed.instanceId, parsed.instanceName, parsed.deprecatedId, xml, origin.actorId,
            origin.deviceId, origin.userAgent, time)
        return db.lastInsertedRowID
    }

    static func addVersion(
        _ db: Database, submissionId: Int64, formDefId: Int64, xml: Data, parsed: ParsedSubmission,
        attachments: [IncomingAttachment], origin: SubmissionOrigin, projectId: Int64, blocks: [PreparedEntityBlock],
        observer: StoreObserver?
    ) throws {
        let now = Timestamp.now()
        let previousDefId = try db.firstRow(
            "SELECT id FROM submission_defs WHERE submission_id = ? AND current = 1", submissionId
        ) { $0[0] as Int64 }
        try db.run("UPDATE submission_defs SET current = 0 WHERE submission_id = ?", submissionId)
        // What the replaced version was waiting to do is no longer wanted: the new version speaks for the submission.
        try db.run("DELETE FROM entity_pending WHERE submission_id = ?", submissionId)
        try db.run("UPDATE submissions SET updated_at = ?, review_state = 'edited' WHERE id = ?", now, submissionId)
        let defId = try recordVersion(
            db, submissionId: submissionId, formDefId: formDefId, xml: xml, parsed: parsed, attachments: attachments,
            origin: origin, projectId: projectId, blocks: blocks, event: "submission.update.version", at: now,
            observer: observer)
        if let previousDefId { try SubmissionAttachments.carryForward(db, from: previousDefId, to: defId) }
    }

    /// A submission version's row, its media and its audit (`event` names it), then its entity work;
    /// returns the version's id.
    @discardableResult
    static func recordVersion(
        _ db: Database, submissionId: Int64, formDefId: Int64, xml: Data, parsed: ParsedSubmission,
        attachments: [IncomingAttachment], origin: SubmissionOrigin, projectId: Int64, blocks: [PreparedEntityBlock],
        event: String, at now: String, observer: StoreObserver?
    ) throws -> Int64 {
        let defId = try insertDef(db, submissionId: submissionId, formDefId: formDefId, xml: xml, parsed: parsed, origin: origin, at: now)
        try SubmissionAttachments.createSlots(db, defId: defId, names: parsed.attachmentNames)
        try SubmissionAttachments.fillNew(db, defId: defId, attachments: attachments)
        let eventId = try Audit.log(
            db, actorId: origin.actorId, action: event, acteeType: "submission", acteeId: submissionId,
            details: ["submissionId": .int(submissionId), "instanceId": .string(parsed.instanceId), "submissionDefId": .int(defId)])
        try SubmissionEntityWork.process(
            db, projectId: projectId, submissionId: submissionId, submissionDefId: defId, instanceId: parsed.instanceId,
            blocks: blocks, actorId: origin.actorId, userAgent: origin.userAgent, receivedAt: now,
            event: TriggeringEvent(action: event, auditId: eventId), approved: false, observer: observer)
        return defId
    }

    /// A submission with its current version; the XML is read only when asked for (lists and writes never need it).
    static func submission(_ db: Database, id: Int64, withXML: Bool = false, includeDeleted: Bool = false) throws -> SubmissionRecord? {
        guard
            let row = try Row.fetchOne(
                try db.cachedStatement(
                    sql: """
                        SELECT s.*, d.id AS def_id, d.form_def_id, d.instance_id AS def_instance_id, d.instance_name, d.deprecated_id,
                          \(withXML ? "d.xml" : "X'' AS xml"), d.submitter_id AS def_submitter_id, d.device_id AS def_device_id, d.user_agent AS def_user_agent,
                          d.created_at AS def_created_at
                        FROM submissions s JOIN submission_defs d ON d.submission_id = s.id AND d.current = 1
                        WHERE s.id = ? AND (? OR s.deleted_at IS NULL)
                        """), arguments: [id, includeDeleted])
        else { return nil }
        let current = SubmissionDefRecord(
            id: row["def_id"], formDefId: row["form_def_id"], instanceId: row["def_instance_id"],
            instanceName: row["instance_name"], deprecatedId: row["deprecated_id"], xml: row["xml"],
            submitterId: row["def_submitter_id"], deviceId: row["def_device_id"], userAgent: row["def_user_agent"],
            createdAt: row["def_created_at"])
        return SubmissionRecord(
            id: row["id"], formId: row["form_id"], instanceId: row["instance_id"], submitterId: row["submitter_id"],
            deviceId: row["device_id"], userAgent: row["user_agent"], reviewState: row["review_state"],
            createdAt: row["created_at"], updatedAt: row["updated_at"], current: current, deletedAt: row["deleted_at"])
    }
}

extension GatewayStore {
    /// One file for the submission's current version over REST, under `AttachmentRule`.
    public func attachSubmissionFile(
        submission: SubmissionRecord, attachment: IncomingAttachment, actorId: Int64, mayReplace: Bool
    ) async throws {
        try await write { db in
            let decision = try SubmissionAttachments.attach(
                db, submissionId: submission.id, instanceId: submission.instanceId, defId: submission.current.id,
                attachment: attachment, actorId: actorId, mayReplace: mayReplace, isResend: false)
            switch decision {
            case .store, .unchanged: return
            case .notReferenced: throw SubmissionWriteError.attachmentNotReferenced(name: attachment.name)
            case .forbidden: throw SubmissionWriteError.attachmentForbidden(name: attachment.name)
            }
        }
    }
}
