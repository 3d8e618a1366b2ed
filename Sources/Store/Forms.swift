import Crypto
import Entities
import Foundation
import GRDB
import XMLParse

/// One version of a form's XML: a draft or a published version.
public struct FormDefRecord: Sendable, Equatable {
    public var id: Int64
    public var formId: Int64
    public var version: String
    public var name: String?
    public var xml: Data
    public var hash: String
    public var sha: String
    public var sha256: String
    public var entityDeclarations: [EntityDeclaration]
    /// The form's binary fields (`XFormDefinition.binaryFields`): where a submission names its files.
    public var binaryFields: [[String]]
    public var draftToken: String?
    public var createdAt: String
    public var publishedAt: String?

    init(row: Row) {
        id = row["id"]
        formId = row["form_id"]
        version = row["version"]
        name = row["name"]
        xml = row["xml"]
        hash = row["hash"]
        sha = row["sha"]
        sha256 = row["sha256"]
        let spec: String? = row["entity_spec"]
        entityDeclarations = spec.flatMap { try? JSONDecoder().decode([EntityDeclaration].self, from: Data($0.utf8)) } ?? []
        let binary: String? = row["binary_fields"]
        binaryFields = binary.flatMap { try? JSONDecoder().decode([[String]].self, from: Data($0.utf8)) } ?? []
        draftToken = row["draft_token"]
        createdAt = row["created_at"]
        publishedAt = row["published_at"]
    }
}

public struct FormRecord: Sendable, Equatable {
    public var id: Int64
    public var projectId: Int64
    public var xmlFormId: String
    public var state: String
    public var createdBy: Int64?
    public var createdAt: String
    public var updatedAt: String?
    public var current: FormDefRecord?
    public var draft: FormDefRecord?
    public var submissionCount: Int
    public var lastSubmission: String?
    public var deletedAt: String? = nil
}

public struct FormAttachmentRecord: Sendable, Equatable {
    public var name: String
    public var type: String
    public var contentType: String?
    public var blob: Data?
    public var datasetId: Int64?
    public var updatedAt: String?

    public var exists: Bool { blob != nil || datasetId != nil }
}

extension GatewayStore {
    /// Creates a form whose first version is a draft, publishing it at once when asked.
    public func createForm(
        projectId: Int64, xml: Data, definition: XFormDefinition, publish: Bool, actorId: Int64
    ) async throws -> FormRecord {
        try await write { db in
            let exists =
                try Bool.fetchOne(
                    try db.cachedStatement(sql: "SELECT 1 FROM forms WHERE project_id = ? AND xml_form_id = ? AND deleted_at IS NULL"),
                    arguments: [projectId, definition.xmlFormId]) ?? false
            if exists { throw StoreError.formExists(definition.xmlFormId) }
            let now = Timestamp.now()
            // Writes to `forms` go through GRDB so that `FormLookupCache` sees them.
            try db.execute(
                sql: "INSERT INTO forms (project_id, xml_form_id, created_by, created_at, actee_id) VALUES (?, ?, ?, ?, ?)",
                arguments: [projectId, definition.xmlFormId, actorId, now, Actee.newId()])
            let formId = db.lastInsertedRowID
            let defId = try FormDefs.insert(db, formId: formId, projectId: projectId, xml: xml, definition: definition)
            try db.execute(sql: "UPDATE forms SET draft_def_id = ? WHERE id = ?", arguments: [defId, formId])
            try Audit.log(db, actorId: actorId, action: "form.create", acteeType: "form", acteeId: formId, details: [:])
            if publish { try FormDefs.publish(db, formId: formId, projectId: projectId, newVersion: nil, actorId: actorId) }
            return try FormDefs.form(db, id: formId)!
        }
    }

    /// Replaces the form's draft with new XML, or with a copy of the published version when `xml` is nil.
    public func createDraft(formId: Int64, xml: Data?, definition: XFormDefinition?, actorId: Int64) async throws -> FormRecord {
        try await write { db in
            guard let form = try FormDefs.form(db, id: formId) else { throw StoreError.notFound }
            let defId: Int64
            if let xml, let definition {
                defId = try FormDefs.insert(db, formId: formId, projectId: form.projectId, xml: xml, definition: definition)
            } else {
                guard let current = form.current else { throw StoreError.notFound }
                let definition = try XFormParser.parse(current.xml)
                defId = try FormDefs.insert(db, formId: formId, projectId: form.projectId, xml: current.xml, definition: definition)
            }
            if let old = form.draft {
                try Submissions.deleteDrafts(db, formDefId: old.id)
                try FormDefs.discard(db, defId: old.id)
            }
            try db.execute(
                sql: "UPDATE forms SET draft_def_id = ?, updated_at = ? WHERE id = ?", arguments: [defId, Timestamp.now(), formId])
            try Audit.log(db, actorId: actorId, action: "form.update.draft.set", acteeType: "form", acteeId: formId, details: [:])
            return try FormDefs.form(db, id: formId)!
        }
    }

    public func publishDraft(formId: Int64, version: String?, actorId: Int64) async throws -> FormRecord {
        try await write { db in
            guard let form = try FormDefs.form(db, id: formId) else { throw StoreError.notFound }
            try FormDefs.publish(db, formId: formId, projectId: form.projectId, newVersion: version, actorId: actorId)
            return try FormDefs.form(db, id: formId)!
        }
    }

    /// A live form; `withCounts` adds its submission count and last submission time (a scan, so only
    /// where they are shown).
    public func form(projectId: Int64, xmlFormId: String, withCounts: Bool = false) async throws -> FormRecord? {
        try await read { db in try FormDefs.form(db, projectId: projectId, xmlFormId: xmlFormId, withCounts: withCounts) }
    }

    /// The published version of a form with this version string (the current one or an earlier one).
    public func publishedDef(formId: Int64, version: String) async throws -> FormDefRecord? {
        try await read { db in try FormDefs.published(db, formId: formId, version: version) }
    }

    public func forms(projectId: Int64, withCounts: Bool = false) async throws -> [FormRecord] {
        try await read { db in
            try Int64.fetchAll(
                try db.cachedStatement(sql: "SELECT id FROM forms WHERE project_id = ? AND deleted_at IS NULL ORDER BY xml_form_id"),
                arguments: [projectId]
            ).compactMap { try FormDefs.form(db, id: $0, withCounts: withCounts) }
        }
    }

    public func deleteForm(formId: Int64, actorId: Int64) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE forms SET deleted_at = ? WHERE id = ?", arguments: [Timestamp.now(), formId])
            try Audit.log(db, actorId: actorId, action: "form.delete", acteeType: "form", acteeId: formId, details: [:])
        }
    }

    public func formAttachments(defId: Int64) async throws -> [FormAttachmentRecord] {
        try await read { db in try FormDefs.attachments(db, defId: defId) }
    }

    /// Stores the bytes of an attachment the draft expects; false when the draft expects no such file.
    public func uploadFormAttachment(
        defId: Int64, formId: Int64, name: String, contentType: String?, blob: Data, actorId: Int64
    ) async throws -> Bool {
        try await write { db in
            try db.run(
                """
                UPDATE form_attachments SET blob = ?, content_type = ?, dataset_id = NULL, updated_at = ?
                WHERE form_def_id = ? AND name = ?
                """, blob, contentType, Timestamp.now(), defId, name)
            guard db.changesCount > 0 else { return false }
            try Audit.log(
                db, actorId: actorId, action: "form.attachment.update", acteeType: "form", acteeId: formId, details: ["name": .string(name)]
            )
            return true
        }
    }
}

/// Form-definition queries shared by the store's form operations.
enum FormDefs {
    /// The newest published version of a form with this version string.
    static func published(_ db: Database, formId: Int64, version: String) throws -> FormDefRecord? {
        try Row.fetchOne(
            try db.cachedStatement(
                sql: "SELECT * FROM form_defs WHERE form_id = ? AND version = ? AND published_at IS NOT NULL ORDER BY id DESC LIMIT 1"),
            arguments: [formId, version]
        ).map(FormDefRecord.init(row:))
    }

    static func encodeBinaryFields(_ fields: [[String]]) -> String {
        JSONValue.array(fields.map { .array($0.map(JSONValue.string)) }).serialized()
    }

    static func insert(_ db: Database, formId: Int64, projectId: Int64, xml: Data, definition: XFormDefinition) throws -> Int64 {
        let spec = try JSONEncoder().encode(definition.entityDeclarations)
        try db.run(
            """
            INSERT INTO form_defs (form_id, version, name, xml, hash, sha, sha256, entity_spec, binary_fields, draft_token, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, formId, definition.version, definition.title, xml,
            Insecure.MD5.hash(data: xml).hex, Insecure.SHA1.hash(data: xml).hex, SHA256.hash(data: xml).hex,
            definition.entityDeclarations.isEmpty ? nil : String(decoding: spec, as: UTF8.self),
            definition.binaryFields.isEmpty ? nil : encodeBinaryFields(definition.binaryFields),
            Tokens.random(), Timestamp.now())
        let defId = db.lastInsertedRowID
        for reference in definition.attachments {
            let datasetName = reference.kind == .csv && reference.name.hasSuffix(".csv") ? String(reference.name.dropLast(4)) : nil
            let datasetId = try datasetName.flatMap { try Datasets.dataset(db, projectId: projectId, name: $0)?.id }
            try db.run(
                "INSERT OR IGNORE INTO form_attachments (form_def_id, name, type, dataset_id) VALUES (?, ?, ?, ?)", defId, reference.name,
                reference.centralType, datasetId)
        }
        try Datasets.declare(db, projectId: projectId, defId: defId, declarations: definition.entityDeclarations)
        return defId
    }

    /// A draft that is replaced is gone; its rows go with it unless something refers to it.
    static func discard(_ db: Database, defId: Int64) throws {
        let used =
            try Bool.fetchOne(
                try db.cachedStatement(sql: "SELECT 1 FROM submission_defs WHERE form_def_id = ? LIMIT 1"), arguments: [defId]) ?? false
        guard !used else { return }
        try db.run("DELETE FROM form_attachments WHERE form_def_id = ?", defId)
        try db.run("DELETE FROM dataset_property_fields WHERE form_def_id = ?", defId)
        try db.run("DELETE FROM dataset_form_defs WHERE form_def_id = ?", defId)
        try db.run("DELETE FROM form_defs WHERE id = ?", defId)
    }

    static func publish(_ db: Database, formId: Int64, projectId: Int64, newVersion: String?, actorId: Int64) throws {
        guard
            let draftId = try Int64.fetchOne(
                try db.cachedStatement(sql: "SELECT draft_def_id FROM forms WHERE id = ?"), arguments: [formId])
        else {
            throw StoreError.notFound
        }
        if let newVersion {
            try db.run("UPDATE form_defs SET version = ? WHERE id = ?", newVersion, draftId)
        }
        let version =
            try String.fetchOne(try db.cachedStatement(sql: "SELECT version FROM form_defs WHERE id = ?"), arguments: [draftId]) ?? ""
        let taken =
            try Bool.fetchOne(
                try db.cachedStatement(
                    sql: "SELECT 1 FROM form_defs WHERE form_id = ? AND version = ? AND published_at IS NOT NULL AND id != ?"),
                arguments: [formId, version, draftId]) ?? false
        if taken { throw StoreError.versionExists(version) }
        try Submissions.deleteDrafts(db, formDefId: draftId)
        let now = Timestamp.now()
        try db.run("UPDATE form_defs SET published_at = ?, draft_token = NULL WHERE id = ?", now, draftId)
        try db.execute(
            sql: "UPDATE forms SET current_def_id = ?, draft_def_id = NULL, updated_at = ? WHERE id = ?", arguments: [draftId, now, formId])
        try Datasets.publish(db, defId: draftId, at: now, actorId: actorId)
        try Audit.log(
            db, actorId: actorId, action: "form.update.publish", acteeType: "form", acteeId: formId,
            details: ["newDefId": .int(draftId)])
    }

    static func form(_ db: Database, projectId: Int64, xmlFormId: String, withCounts: Bool = false) throws -> FormRecord? {
        guard
            let id = try Int64.fetchOne(
                try db.cachedStatement(sql: "SELECT id FROM forms WHERE project_id = ? AND xml_form_id = ? AND deleted_at IS NULL"),
                arguments: [projectId, xmlFormId])
        else { return nil }
        return try form(db, id: id, withCounts: withCounts)
    }

    static func form(_ db: Database, id: Int64, withCounts: Bool = false, includingDeleted: Bool = false) throws -> FormRecord? {
        let counts =
            withCounts
            ? """
            (SELECT COUNT(*) FROM submissions s WHERE s.form_id = f.id AND s.deleted_at IS NULL AND s.draft = 0) AS submission_count,
            (SELECT MAX(created_at) FROM submissions s WHERE s.form_id = f.id AND s.deleted_at IS NULL AND s.draft = 0) AS last_submission
            """
            : "0 AS submission_count, NULL AS last_submission"
        guard
            let row = try Row.fetchOne(
                try db.cachedStatement(sql: "SELECT f.*, \(counts) FROM forms f WHERE f.id = ? AND (f.deleted_at IS NULL OR ?)"),
                arguments: [id, includingDeleted])
        else { return nil }
        let currentId: Int64? = row["current_def_id"]
        let draftId: Int64? = row["draft_def_id"]
        return FormRecord(
            id: row["id"], projectId: row["project_id"], xmlFormId: row["xml_form_id"], state: row["state"],
            createdBy: row["created_by"], createdAt: row["created_at"], updatedAt: row["updated_at"],
            current: try currentId.flatMap { try def(db, id: $0) }, draft: try draftId.flatMap { try def(db, id: $0) },
            submissionCount: row["submission_count"], lastSubmission: row["last_submission"], deletedAt: row["deleted_at"])
    }

    static func def(_ db: Database, id: Int64) throws -> FormDefRecord? {
        try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM form_defs WHERE id = ?"), arguments: [id]).map(FormDefRecord.init(row:))
    }

    static func attachments(_ db: Database, defId: Int64) throws -> [FormAttachmentRecord] {
        try Row.fetchAll(
            try db.cachedStatement(sql: "SELECT * FROM form_attachments WHERE form_def_id = ? ORDER BY name"), arguments: [defId]
        ).map {
            FormAttachmentRecord(
                name: $0["name"], type: $0["type"], contentType: $0["content_type"], blob: $0["blob"],
                datasetId: $0["dataset_id"], updatedAt: $0["updated_at"])
        }
    }
}

/// Random URL-safe tokens for sessions, app users and drafts.
public enum Tokens {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!$")

    public static func random(length: Int = 64) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
    }
}

/// Where a submission goes: its live form and the published version it names.
public struct SubmissionTarget: Sendable {
    public var formId: Int64
    public var state: String
    public var published: Bool
    /// Nil when no published version of the form has the submission's version string.
    public var def: FormDefRecord?
}

extension GatewayStore {
    /// The form and published version a submission names. Both are usually in memory (see
    /// `FormLookupCache`; published versions never change), so most submissions read nothing here.
    public func submissionTarget(projectId: Int64, xmlFormId: String, version: String) async throws -> SubmissionTarget? {
        let key = FormLookupCache.Key(projectId: projectId, xmlFormId: xmlFormId)
        if let form = formLookups.form(key), let def = publishedDefs.withLock({ $0["\(form.id)/\(version)"] }) {
            return SubmissionTarget(formId: form.id, state: form.state, published: form.currentDefId != nil, def: def)
        }
        // Taken before the read begins: the read's snapshot is fixed as soon as it starts, so a commit
        // between the two would otherwise leave the old row cached under the new generation.
        let generation = formLookups.generation
        return try await read { [self] db in
            guard
                let form = try db.firstRow(
                    "SELECT id, state, current_def_id FROM forms WHERE project_id = ? AND xml_form_id = ? AND deleted_at IS NULL",
                    projectId, xmlFormId, as: { FormLookupCache.Form(id: $0[0], state: $0[1], currentDefId: $0[2]) })
            else { return nil }
            formLookups.remember(form, for: key, readAtGeneration: generation)
            let defKey = "\(form.id)/\(version)"
            var def = publishedDefs.withLock { $0[defKey] }
            if def == nil {
                def = try FormDefs.published(db, formId: form.id, version: version)
                if let def { publishedDefs.withLock { $0[defKey] = def } }
            }
            return SubmissionTarget(formId: form.id, state: form.state, published: form.currentDefId != nil, def: def)
        }
    }
}
