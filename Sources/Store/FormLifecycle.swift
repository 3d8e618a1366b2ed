import Entities
import Foundation
import GRDB

/// Why a form lifecycle change was refused.
public enum FormLifecycleError: Error, Equatable {
    /// A draft of a form never published cannot be deleted alone (Central's 409.7).
    case neverPublished
    case noDraft
    /// A live form already has the restored form's xmlFormId.
    case xmlFormIdTaken(String)
}

extension GatewayStore {
    /// `open`, `closing` (hidden from phones' form lists, still accepting) or `closed` (refusing). The
    /// submission path's form cache forgets the form when this commits.
    public func setFormState(formId: Int64, state: String, by: Int64) async throws -> FormRecord {
        try await write { db in
            try db.execute(
                sql: "UPDATE forms SET state = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL",
                arguments: [state, Timestamp.now(), formId])
            guard db.changesCount > 0 else { throw StoreError.notFound }
            try Audit.log(
                db, actorId: by, action: "form.update", acteeType: "form", acteeId: formId, details: ["data": ["state": .string(state)]])
            guard let form = try FormDefs.form(db, id: formId) else { throw StoreError.notFound }
            return form
        }
    }

    /// Throws the draft away, with the submissions sent to it while testing; the published version stays.
    public func deleteDraft(formId: Int64, by: Int64) async throws {
        try await write { db in
            guard let form = try FormDefs.form(db, id: formId) else { throw StoreError.notFound }
            guard form.current != nil else { throw FormLifecycleError.neverPublished }
            guard let draft = form.draft else { throw FormLifecycleError.noDraft }
            try Submissions.deleteDrafts(db, formDefId: draft.id)
            try db.execute(sql: "UPDATE forms SET draft_def_id = NULL, updated_at = ? WHERE id = ?", arguments: [Timestamp.now(), formId])
            try FormDefs.discard(db, defId: draft.id)
            try Audit.log(
                db, actorId: by, action: "form.update.draft.delete", acteeType: "form", acteeId: formId,
                details: ["oldDraftDefId": .int(draft.id)])
        }
    }

    /// Every published version of a form, newest first.
    public func publishedVersions(formId: Int64) async throws -> [FormDefRecord] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM form_defs WHERE form_id = ? AND published_at IS NOT NULL ORDER BY published_at DESC, id DESC",
                arguments: [formId]
            ).map(FormDefRecord.init(row:))
        }
    }

    /// Empties one of the draft's attachments (a file, or the link to a dataset); false when it held nothing.
    public func clearFormAttachment(defId: Int64, formId: Int64, name: String, by: Int64) async throws -> Bool {
        try await write { db in
            try db.run(
                """
                UPDATE form_attachments SET blob = NULL, content_type = NULL, dataset_id = NULL, updated_at = ?
                WHERE form_def_id = ? AND name = ? AND (blob IS NOT NULL OR dataset_id IS NOT NULL)
                """, Timestamp.now(), defId, name)
            guard db.changesCount > 0 else { return false }
            try Audit.log(
                db, actorId: by, action: "form.attachment.update", acteeType: "form", acteeId: formId,
                details: ["name": .string(name), "cleared": true])
            return true
        }
    }

    /// A project's deleted forms, most recently deleted first (Central's `?deleted=true`).
    public func deletedForms(projectId: Int64) async throws -> [FormRecord] {
        try await read { db in
            try Int64.fetchAll(
                db, sql: "SELECT id FROM forms WHERE project_id = ? AND deleted_at IS NOT NULL ORDER BY deleted_at DESC",
                arguments: [projectId]
            ).compactMap { try FormDefs.form(db, id: $0, includingDeleted: true) }
        }
    }

    /// Brings a deleted form back, addressed by its numeric id as Central does.
    public func restoreForm(projectId: Int64, formId: Int64, by: Int64) async throws -> FormRecord? {
        try await write { db in
            guard
                let xmlFormId = try String.fetchOne(
                    db, sql: "SELECT xml_form_id FROM forms WHERE id = ? AND project_id = ? AND deleted_at IS NOT NULL",
                    arguments: [formId, projectId])
            else { return nil }
            if try FormDefs.form(db, projectId: projectId, xmlFormId: xmlFormId) != nil {
                throw FormLifecycleError.xmlFormIdTaken(xmlFormId)
            }
            try db.execute(sql: "UPDATE forms SET deleted_at = NULL, updated_at = ? WHERE id = ?", arguments: [Timestamp.now(), formId])
            try Audit.log(db, actorId: by, action: "form.restore", acteeType: "form", acteeId: formId, details: [:])
            return try FormDefs.form(db, id: formId)
        }
    }
}

extension Submissions {
    /// Deletes the submissions sent to a draft, with their versions and files.
    static func deleteDrafts(_ db: Database, formDefId: Int64) throws {
        let ids = try Int64.fetchAll(
            db,
            sql:
                "SELECT DISTINCT s.id FROM submissions s JOIN submission_defs d ON d.submission_id = s.id WHERE s.draft = 1 AND d.form_def_id = ?",
            arguments: [formDefId])
        for id in ids {
            try db.run(
                "DELETE FROM submission_attachments WHERE submission_def_id IN (SELECT id FROM submission_defs WHERE submission_id = ?)", id
            )
            try db.run("DELETE FROM submission_defs WHERE submission_id = ?", id)
            try db.run("DELETE FROM submissions WHERE id = ?", id)
        }
    }
}
