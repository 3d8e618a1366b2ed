import Entities
import Foundation
import GRDB
import XMLParse

public struct DatasetRecord: Sendable, Equatable {
    public var id: Int64
    public var projectId: Int64
    public var name: String
    public var approvalRequired: Bool
    public var createdAt: String
    public var publishedAt: String?
}

public struct DatasetPropertyRecord: Sendable, Equatable {
    public var name: String
    public var publishedAt: String?
    /// Forms (xmlFormId, name) whose fields save to this property.
    public var forms: [(xmlFormId: String, name: String?)]

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.name == rhs.name && lhs.publishedAt == rhs.publishedAt
            && lhs.forms.map(\.xmlFormId) == rhs.forms.map(\.xmlFormId)
    }
}

public struct DatasetDetail: Sendable, Equatable {
    public var dataset: DatasetRecord
    public var properties: [DatasetPropertyRecord]
    public var sourceForms: [FormReference]
    public var linkedForms: [FormReference]
    /// When the dataset or one of its entities was last audited (Central's `lastUpdate`).
    public var lastActivityAt: String?
}

public struct FormReference: Sendable, Equatable {
    public var xmlFormId: String
    public var name: String?
    /// For a source form whose entities sit in a repeat, that repeat's path (`/members/person/`).
    public var repeatPath: String? = nil
}

/// Dataset queries shared by the form and dataset operations.
enum Datasets {
    /// Records what a form definition declares: datasets and properties (unpublished until the form is).
    static func declare(_ db: Database, projectId: Int64, defId: Int64, declarations: [EntityDeclaration]) throws {
        for declaration in declarations {
            let datasetId = try ensureDataset(db, projectId: projectId, name: declaration.dataset, publishedAt: nil)
            var actions: [String] = []
            if declaration.allowsCreate { actions.append("create") }
            if declaration.allowsUpdate { actions.append("update") }
            try db.run(
                "INSERT OR REPLACE INTO dataset_form_defs (dataset_id, form_def_id, kind, actions, repeat_path) VALUES (?, ?, 'source', ?, ?)",
                datasetId, defId, actions.joined(separator: ","), declaration.isInRepeat ? repeatPath(declaration) : nil)
            for binding in declaration.properties {
                let propertyId = try ensureProperty(db, datasetId: datasetId, name: binding.property, publishedAt: nil)
                try db.run(
                    "INSERT OR IGNORE INTO dataset_property_fields (property_id, form_def_id, path) VALUES (?, ?, ?)", propertyId, defId,
                    "/" + binding.path.joined(separator: "/"))
            }
        }
    }

    /// Central's `repeatPath` of a source form: where in the instance, below its root, the entities repeat.
    static func repeatPath(_ declaration: EntityDeclaration) -> String {
        "/" + declaration.containerPath.dropFirst().map { $0 + "/" }.joined()
    }

    /// Publishes what the form definition declares; a dataset it makes public logs `dataset.create`, one
    /// that gains properties `dataset.update`, each with the property names, as Central's audits.
    static func publish(_ db: Database, defId: Int64, at time: String, actorId: Int64?) throws {
        let declared = try Row.fetchAll(
            try db.cachedStatement(
                sql: """
                    SELECT d.id, d.published_at IS NULL AS new,
                      (SELECT json_group_array(name) FROM (SELECT p.name FROM dataset_properties p
                        JOIN dataset_property_fields pf ON pf.property_id = p.id
                        WHERE p.dataset_id = d.id AND pf.form_def_id = ? AND p.published_at IS NULL ORDER BY p.id)) AS added
                    FROM datasets d JOIN dataset_form_defs dfd ON dfd.dataset_id = d.id
                    WHERE dfd.form_def_id = ? AND dfd.kind = 'source' ORDER BY d.id
                    """), arguments: [defId, defId])
        for row in declared {
            let added = (try? JSONValue.parse(row["added"] as String))?.arrayValue ?? []
            let isNew: Bool = row["new"]
            guard isNew || !added.isEmpty else { continue }
            try Audit.log(
                db, actorId: actorId, action: isNew ? "dataset.create" : "dataset.update", acteeType: "dataset", acteeId: row["id"],
                details: ["properties": .array(added)])
        }
        try db.run(
            """
            UPDATE datasets SET published_at = ? WHERE published_at IS NULL
            AND id IN (SELECT dataset_id FROM dataset_form_defs WHERE form_def_id = ?)
            """, time, defId)
        try db.run(
            """
            UPDATE dataset_properties SET published_at = ? WHERE published_at IS NULL
            AND id IN (SELECT property_id FROM dataset_property_fields WHERE form_def_id = ?)
            """, time, defId)
    }

    static func ensureDataset(_ db: Database, projectId: Int64, name: String, publishedAt: String?) throws -> Int64 {
        if let id = try Int64.fetchOne(
            try db.cachedStatement(sql: "SELECT id FROM datasets WHERE project_id = ? AND name = ?"), arguments: [projectId, name])
        {
            return id
        }
        try db.run(
            "INSERT INTO datasets (project_id, name, created_at, published_at, actee_id) VALUES (?, ?, ?, ?, ?)", projectId, name,
            Timestamp.now(), publishedAt, Actee.newId())
        return db.lastInsertedRowID
    }

    static func ensureProperty(_ db: Database, datasetId: Int64, name: String, publishedAt: String?) throws -> Int64 {
        if let id = try Int64.fetchOne(
            try db.cachedStatement(sql: "SELECT id FROM dataset_properties WHERE dataset_id = ? AND name = ?"),
            arguments: [datasetId, name])
        {
            return id
        }
        try db.run("INSERT INTO dataset_properties (dataset_id, name, published_at) VALUES (?, ?, ?)", datasetId, name, publishedAt)
        return db.lastInsertedRowID
    }

    static func record(_ row: Row) -> DatasetRecord {
        DatasetRecord(
            id: row["id"], projectId: row["project_id"], name: row["name"], approvalRequired: row["approval_required"],
            createdAt: row["created_at"], publishedAt: row["published_at"])
    }

    /// The project's published dataset with this name (every submission's entity work asks).
    static func dataset(_ db: Database, projectId: Int64, name: String) throws -> DatasetRecord? {
        try db.firstRow(
            """
            SELECT id, project_id, name, approval_required, created_at, published_at FROM datasets
            WHERE project_id = ? AND name = ? AND published_at IS NOT NULL
            """, projectId, name
        ) {
            DatasetRecord(
                id: $0[0], projectId: $0[1], name: $0[2], approvalRequired: $0[3], createdAt: $0[4], publishedAt: $0[5])
        }
    }

    /// Published property names in the order they were added.
    static func propertyNames(_ db: Database, datasetId: Int64) throws -> [String] {
        try String.fetchAll(
            try db.cachedStatement(
                sql: "SELECT name FROM dataset_properties WHERE dataset_id = ? AND published_at IS NOT NULL ORDER BY id"),
            arguments: [datasetId])
    }
}

extension GatewayStore {
    public func datasets(projectId: Int64) async throws -> [DatasetRecord] {
        try await read { db in
            try Row.fetchAll(
                try db.cachedStatement(sql: "SELECT * FROM datasets WHERE project_id = ? AND published_at IS NOT NULL ORDER BY name"),
                arguments: [projectId]
            ).map(Datasets.record)
        }
    }

    public func dataset(projectId: Int64, name: String) async throws -> DatasetDetail? {
        try await read { db in
            guard let dataset = try Datasets.dataset(db, projectId: projectId, name: name) else { return nil }
            let properties = try Row.fetchAll(
                try db.cachedStatement(
                    sql:
                        "SELECT id, name, published_at FROM dataset_properties WHERE dataset_id = ? AND published_at IS NOT NULL ORDER BY id"
                ), arguments: [dataset.id]
            ).map { row in
                let forms = try Row.fetchAll(
                    try db.cachedStatement(
                        sql: """
                            SELECT DISTINCT f.xml_form_id, d.name FROM dataset_property_fields pf
                            JOIN form_defs d ON d.id = pf.form_def_id JOIN forms f ON f.current_def_id = d.id
                            WHERE pf.property_id = ? AND f.deleted_at IS NULL ORDER BY f.xml_form_id
                            """), arguments: [row["id"] as Int64]
                ).map { (xmlFormId: $0["xml_form_id"] as String, name: $0["name"] as String?) }
                return DatasetPropertyRecord(name: row["name"], publishedAt: row["published_at"], forms: forms)
            }
            let sources = try Row.fetchAll(
                try db.cachedStatement(
                    sql: """
                        SELECT DISTINCT f.xml_form_id, d.name, dfd.repeat_path FROM dataset_form_defs dfd
                        JOIN form_defs d ON d.id = dfd.form_def_id JOIN forms f ON f.current_def_id = d.id
                        WHERE dfd.dataset_id = ? AND dfd.kind = 'source' AND f.deleted_at IS NULL ORDER BY f.xml_form_id
                        """), arguments: [dataset.id]
            ).map { FormReference(xmlFormId: $0["xml_form_id"], name: $0["name"], repeatPath: $0["repeat_path"]) }
            let linked = try Row.fetchAll(
                try db.cachedStatement(
                    sql: """
                        SELECT DISTINCT f.xml_form_id, d.name FROM form_attachments fa
                        JOIN form_defs d ON d.id = fa.form_def_id JOIN forms f ON f.current_def_id = d.id
                        WHERE fa.dataset_id = ? AND f.deleted_at IS NULL ORDER BY f.xml_form_id
                        """), arguments: [dataset.id]
            ).map { FormReference(xmlFormId: $0["xml_form_id"], name: $0["name"]) }
            let lastActivity = try String.fetchOne(
                try db.cachedStatement(sql: "SELECT last_activity_at FROM datasets WHERE id = ?"), arguments: [dataset.id])
            return DatasetDetail(
                dataset: dataset, properties: properties, sourceForms: sources, linkedForms: linked, lastActivityAt: lastActivity)
        }
    }

    /// Creates a published dataset over the API; nil when one of that name exists.
    public func createDataset(projectId: Int64, name: String, actorId: Int64) async throws -> DatasetRecord? {
        try await write { db in
            if try Datasets.dataset(db, projectId: projectId, name: name) != nil { return nil }
            let now = Timestamp.now()
            let id = try Datasets.ensureDataset(db, projectId: projectId, name: name, publishedAt: now)
            try db.run("UPDATE datasets SET published_at = ? WHERE id = ?", now, id)
            try Audit.log(db, actorId: actorId, action: "dataset.create", acteeType: "dataset", acteeId: id, details: ["properties": []])
            return try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM datasets WHERE id = ?"), arguments: [id]).map(
                Datasets.record)
        }
    }

    /// Adds a published property; false when it exists already.
    public func addDatasetProperty(datasetId: Int64, name: String, actorId: Int64) async throws -> Bool {
        try await write { db in
            let existing = try String.fetchOne(
                try db.cachedStatement(sql: "SELECT published_at FROM dataset_properties WHERE dataset_id = ? AND name = ?"),
                arguments: [datasetId, name])
            if existing != nil { return false }
            let now = Timestamp.now()
            let id = try Datasets.ensureProperty(db, datasetId: datasetId, name: name, publishedAt: now)
            try db.run("UPDATE dataset_properties SET published_at = ? WHERE id = ?", now, id)
            try Audit.log(
                db, actorId: actorId, action: "dataset.update", acteeType: "dataset", acteeId: datasetId,
                details: ["properties": [.string(name)]])
            return true
        }
    }

    public func datasetPropertyNames(datasetId: Int64) async throws -> [String] {
        try await read { db in try Datasets.propertyNames(db, datasetId: datasetId) }
    }
}
