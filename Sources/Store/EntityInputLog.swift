import Entities
import Foundation
import GRDB

/// The append-only log of what was handed to the entity rules, per entity; replay runs it again.
enum EntityInputLog {
    static func append(_ db: Database, _ input: EntityInput, datasetId: Int64, uuid: String) throws {
        try db.run(
            "INSERT INTO entity_inputs (dataset_id, entity_uuid, kind, input, logged_at) VALUES (?, ?, ?, ?, ?)", datasetId, uuid,
            input.kind, input.json.serialized(), Timestamp.now())
    }

    static func inputs(_ db: Database, datasetId: Int64, uuid: String) throws -> [EntityInput] {
        try Row.fetchAll(
            try db.cachedStatement(sql: "SELECT kind, input FROM entity_inputs WHERE dataset_id = ? AND entity_uuid = ? ORDER BY id"),
            arguments: [datasetId, uuid]
        ).compactMap { row in
            EntityInput(kind: row["kind"], json: (try? JSONValue.parse(row["input"] as String)) ?? .null)
        }
    }
}
