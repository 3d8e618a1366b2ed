import Entities
import Foundation
import GRDB

/// One line of an entity list, the CSV a form that reads `NAME.csv` downloads.
public struct EntityListRow: Sendable {
    public var uuid: String
    public var label: String
    public var version: Int
    /// In the order of the list's property names.
    public var values: [String]
}

/// The state an entity list is in: its dataset's change counter (moved by the write transaction of every
/// change to the list) and when the dataset was made, so a new database never repeats an old state.
public struct EntityListState: Sendable, Equatable {
    public var datasetId: Int64
    public var createdAt: String
    public var revision: Int64
    /// What a manifest says of the list besides its hash.
    public var datasetName: String
    public var approvalRequired: Bool

    /// What a manifest gives as the list's hash: it changes whenever the list does, and costs one row read.
    public var hash: String { Hashing.md5(Data("entity-list:\(datasetId):\(createdAt):\(revision)".utf8)) }
}

extension GatewayStore {
    public func entityListState(datasetId: Int64) async throws -> EntityListState? {
        try await read { db in try EntityLists.state(db, datasetId: datasetId) }
    }

    /// Reads the list in one read transaction, row by row: `header` gets the property names, then `row` each
    /// live entity in creation order. Returns the state the rows are of.
    public func readEntityList(
        datasetId: Int64, header: @escaping @Sendable ([String]) throws -> Void, row: @escaping @Sendable (EntityListRow) throws -> Void
    ) async throws -> EntityListState? {
        try await read { db in
            guard let state = try EntityLists.state(db, datasetId: datasetId) else { return nil }
            let names = try Datasets.propertyNames(db, datasetId: datasetId)
            try header(names)
            try db.forEachRow(
                """
                SELECT e.uuid, v.label, v.version, v.data FROM entities e
                JOIN entity_versions v ON v.entity_id = e.id AND v.version = e.current_version
                WHERE e.dataset_id = ? AND e.deleted_at IS NULL ORDER BY e.created_at, e.id
                """, datasetId
            ) { found in
                let data = EntityRows.properties(found[3] as String)
                try row(EntityListRow(uuid: found[0], label: found[1], version: found[2], values: names.map { data[$0] ?? "" }))
            }
            return state
        }
    }
}

/// Whether one entity a phone may hold is still live: what Collect's integrity check asks.
public struct EntityPresence: Sendable, Equatable {
    public var uuid: String
    public var deleted: Bool
}

extension GatewayStore {
    /// Every entity of the dataset (deleted ones included), or only those of `uuids`, in creation order.
    public func entityPresence(datasetId: Int64, uuids: [String]?) async throws -> [EntityPresence] {
        try await read { db in
            var sql = "SELECT uuid, deleted_at IS NOT NULL FROM entities WHERE dataset_id = ?"
            var arguments: StatementArguments = [datasetId]
            if let uuids {
                sql += " AND uuid IN (SELECT value FROM json_each(?))"
                arguments += [String(decoding: try JSONEncoder().encode(uuids), as: UTF8.self)]
            }
            return try Row.fetchAll(db, sql: sql + " ORDER BY created_at, id", arguments: arguments).map {
                EntityPresence(uuid: $0[0], deleted: $0[1])
            }
        }
    }
}

enum EntityLists {
    static func state(_ db: Database, datasetId: Int64) throws -> EntityListState? {
        try db.firstRow("SELECT created_at, entity_list_revision, name, approval_required FROM datasets WHERE id = ?", datasetId) {
            EntityListState(datasetId: datasetId, createdAt: $0[0], revision: $0[1], datasetName: $0[2], approvalRequired: $0[3])
        }
    }
}
