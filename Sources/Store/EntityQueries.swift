import Entities
import Foundation
import GRDB
import OData

/// An entity with its current version, as the API shows it.
public struct EntityRecord: Sendable, Equatable {
    public var id: Int64
    public var uuid: String
    public var datasetId: Int64
    public var conflict: Conflict?
    public var creatorId: Int64?
    public var creatorName: String?
    public var createdAt: String
    public var updatedAt: String?
    public var deletedAt: String?
    public var current: EntityVersionRecord
}

/// A stored version with where it came from.
public struct EntityVersionRecord: Sendable, Equatable {
    public var id: Int64
    public var stored: StoredVersion
    public var current: Bool
    public var creatorId: Int64?
    public var userAgent: String
    public var createdAt: String
    public var source: VersionSource
}

/// Traceability of a version: the submission (or API request) behind it and its times.
public struct VersionSource: Sendable, Equatable {
    public var submissionId: Int64?
    public var submissionDefId: Int64?
    public var instanceId: String?
    public var event: String?
    /// What a bulk upload said of where its rows came from (Central's `{name, size, count, userAgent}`).
    public var details: JSONObject?
    public var receivedAt: String
    public var startedAt: String
    public var committedAt: String
}

enum EntityRecords {
    /// The columns `version(_:)` reads, in its order.
    static let versionColumns = """
        \(EntityRows.versionColumns), id, version = (SELECT current_version FROM entities WHERE id = entity_id), creator_id, user_agent, created_at, source_submission_id,
        source_submission_def_id, source_instance_id, source_event, received_at, started_at, source_details
        """

    static func version(_ row: SQLRow) -> EntityVersionRecord {
        let next = EntityRows.versionColumnCount
        let userAgent: String? = row[next + 3]
        return EntityVersionRecord(
            id: row[next], stored: EntityRows.version(row), current: row[next + 1], creatorId: row[next + 2],
            userAgent: userAgent ?? "", createdAt: row[next + 4],
            source: VersionSource(
                submissionId: row[next + 5], submissionDefId: row[next + 6], instanceId: row[next + 7], event: row[next + 8],
                details: (row[next + 11] as String?).flatMap { try? JSONValue.parse($0) }?.objectValue,
                receivedAt: row[next + 9], startedAt: row[next + 10], committedAt: row[next + 4]))
    }

    /// Every version of the entity, oldest first.
    static func versions(_ db: Database, entityId: Int64) throws -> [EntityVersionRecord] {
        try db.allRows("SELECT \(versionColumns) FROM entity_versions WHERE entity_id = ? ORDER BY version", entityId, as: version)
    }

    static func entity(_ db: Database, datasetId: Int64, uuid: String) throws -> EntityRecord? {
        try Row.fetchOne(
            try db.cachedStatement(
                sql: """
                    SELECT e.*, a.display_name AS creator_name FROM entities e LEFT JOIN actors a ON a.id = e.creator_id
                    WHERE e.dataset_id = ? AND e.uuid = ? AND e.deleted_at IS NULL
                    """), arguments: [datasetId, uuid]
        ).flatMap { try entity(db, row: $0) }
    }

    static func entity(_ db: Database, row: Row) throws -> EntityRecord? {
        let id: Int64 = row["id"]
        guard
            let current = try db.firstRow(
                "SELECT \(versionColumns) FROM entity_versions WHERE entity_id = ? AND version = ?", id, row["current_version"] as Int,
                as: version)
        else { return nil }
        let conflict: String? = row["conflict"]
        return EntityRecord(
            id: id, uuid: row["uuid"], datasetId: row["dataset_id"], conflict: conflict.flatMap(Conflict.init(rawValue:)),
            creatorId: row["creator_id"], creatorName: row["creator_name"], createdAt: row["created_at"], updatedAt: row["updated_at"],
            deletedAt: row["deleted_at"], current: current)
    }
}

extension GatewayStore {
    /// Live entities of a dataset, newest first.
    public func entities(datasetId: Int64, limit: Int? = nil, offset: Int = 0) async throws -> [EntityRecord] {
        try await entities(EntitySelection(datasetId: datasetId), limit: limit, offset: offset)
    }

    /// The entities `selection` covers, newest first unless `order` says otherwise, after the entity `afterUUID`
    /// (a `$skiptoken`) or else after `offset` of them.
    public func entities(
        _ selection: EntitySelection, afterUUID: String? = nil, limit: Int? = nil, offset: Int = 0, order: ODataOrderBy? = nil
    ) async throws -> [EntityRecord] {
        try await read { db in
            var condition = selection.whereClause
            if let afterUUID {
                condition.sql += " AND (e.created_at, e.id) < (SELECT created_at, id FROM entities WHERE dataset_id = ? AND uuid = ?)"
                condition.arguments += [.integer(selection.datasetId), .text(afterUUID)]
            }
            let arguments = condition.arguments + [.integer(Int64(limit ?? -1)), .integer(Int64(afterUUID == nil ? offset : 0))]
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT e.*, a.display_name AS creator_name FROM entities e LEFT JOIN actors a ON a.id = e.creator_id
                    WHERE \(condition.sql)
                    ORDER BY \(order?.sql(stable: "e.id") ?? "e.created_at DESC, e.id DESC") LIMIT ? OFFSET ?
                    """, arguments: StatementArguments(arguments)
            ).compactMap { try EntityRecords.entity(db, row: $0) }
        }
    }

    public func entityCount(_ selection: EntitySelection) async throws -> Int {
        try await read { db in
            let condition = selection.whereClause
            return try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM entities e WHERE \(condition.sql)", arguments: StatementArguments(condition.arguments)) ?? 0
        }
    }

    /// Live entities, those in conflict, and when the newest was made or changed.
    public func entityCounts(datasetId: Int64) async throws -> (entities: Int, conflicts: Int, lastEntity: String?) {
        try await read { db in
            try db.firstRow(
                """
                SELECT COUNT(*), COUNT(conflict), MAX(COALESCE(updated_at, created_at)) FROM entities
                WHERE dataset_id = ? AND deleted_at IS NULL
                """, datasetId
            ) { (entities: $0[0] as Int, conflicts: $0[1] as Int, lastEntity: $0[2] as String?) } ?? (0, 0, nil)
        }
    }

    public func entity(datasetId: Int64, uuid: String) async throws -> EntityRecord? {
        try await read { db in try EntityRecords.entity(db, datasetId: datasetId, uuid: uuid) }
    }

    /// An entity `PATCH`: reads the current version, checks the client's (unless forced), applies the
    /// change on it and resolves, all in one transaction, so concurrent forced updates chain one on another
    /// and each answer is the entity as that request left it.
    public func patchEntity(
        entityId: Int64, change: EntityChange?, expectedVersion: Int?, resolve: Bool, actorId: Int64, userAgent: String?
    ) async throws -> EntityRecord {
        try await write { db in
            let (processor, uuid, datasetName) = try self.processor(db, forEntity: entityId)
            guard let datasetId = try db.firstRow("SELECT dataset_id FROM entities WHERE id = ?", entityId, as: { $0[0] as Int64 }),
                let entity = try EntityRecords.entity(db, datasetId: datasetId, uuid: uuid)
            else { throw StoreError.notFound }
            // The route checked the conflict and the version on what it read before this write was queued;
            // checked again on the entity as the write finds it (Central checks under its row lock), so a
            // resolve or update that lost a race to another writer is refused, not applied to a version it never saw.
            if resolve && entity.conflict == nil { throw EntityProblem.noConflict }
            if let expectedVersion, expectedVersion != entity.current.stored.version {
                throw EntityProblem.staleVersion(current: entity.current.stored.version, provided: String(expectedVersion))
            }
            if var change {
                change.baseVersion = expectedVersion ?? entity.current.stored.version
                try processor.requireCurrentBase(change)
                let origin = ChangeOrigin(source: .api, actorId: actorId, userAgent: userAgent, receivedAt: Timestamp.now(), event: "api")
                _ = try processor.submit(change, origin: origin)
            }
            if resolve { try processor.resolve(uuid: uuid, datasetName: datasetName, actorId: actorId) }
            guard let written = try EntityRecords.entity(db, datasetId: datasetId, uuid: uuid) else { throw StoreError.notFound }
            return written
        }
    }

    public func entityVersions(entityId: Int64) async throws -> [EntityVersionRecord] {
        try await read { db in
            try EntityRecords.versions(db, entityId: entityId)
        }
    }

    public func deleteEntity(entityId: Int64, actorId: Int64) async throws {
        try await write { db in
            // Of two deletes that read the entity live, the second write finds it gone: 404.1, as Central answers.
            guard try db.firstRow("SELECT 1 FROM entities WHERE id = ? AND deleted_at IS NULL", entityId, as: { _ in true }) != nil
            else { throw StoreError.notFound }
            let (processor, uuid, dataset) = try self.processor(db, forEntity: entityId)
            try processor.delete(uuid: uuid, datasetName: dataset, actorId: actorId)
        }
    }

    /// The entity rules in this transaction, on the project of the entity with this row id.
    func processor(_ db: Database, forEntity entityId: Int64) throws -> (
        EntityProcessor<SQLiteEntityWorkspace>, uuid: String, datasetName: String
    ) {
        guard
            let (uuid, dataset, projectId) = try db.firstRow(
                "SELECT e.uuid, d.name, d.project_id FROM entities e JOIN datasets d ON d.id = e.dataset_id WHERE e.id = ?", entityId,
                as: { (uuid: $0[0] as String, dataset: $0[1] as String, projectId: $0[2] as Int64) })
        else { throw StoreError.notFound }
        return (EntityProcessor(workspace: SQLiteEntityWorkspace(db: db, projectId: projectId, observer: observer)), uuid, dataset)
    }

    /// Creates or updates entities over the API with the same rules as submissions; any problem rejects
    /// the whole request and writes nothing. `source` is what a bulk upload said of where its rows came from.
    public func applyAPIChanges(
        projectId: Int64, changes: [EntityChange], actorId: Int64, userAgent: String?, source: JSONObject? = nil
    ) async throws -> [EntityRef] {
        try await write { db in
            let processor = EntityProcessor(workspace: SQLiteEntityWorkspace(db: db, projectId: projectId, observer: self.observer))
            let origin = ChangeOrigin(
                source: .api, actorId: actorId, userAgent: userAgent, receivedAt: Timestamp.now(), event: "api", details: source)
            var applied: [EntityRef] = []
            for change in changes {
                if case .applied(let entity, _) = try processor.submit(change, origin: origin) { applied.append(entity) }
            }
            return applied
        }
    }
}
