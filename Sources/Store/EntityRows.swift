import Entities
import Foundation
import GRDB

/// Reading entity rows into the engine's values.
enum EntityRows {
    /// The columns `entity(_:)` reads, in its order.
    static let entityColumns = "id, uuid, dataset_id, conflict, deleted_at IS NOT NULL, current_version"

    static func entity(_ row: SQLRow) -> EntityRef {
        let conflict: String? = row[3]
        return EntityRef(
            id: row[0], uuid: row[1], datasetId: row[2], conflict: conflict.flatMap(Conflict.init(rawValue:)), deleted: row[4],
            currentVersion: row[5])
    }

    /// The columns `version(_:)` reads, in its order; a query may select more after them.
    static let versionColumns = """
        version, base_version, branch_id, trunk_version, branch_base_version, label, data, data_received, conflict,
        conflicting_properties, applied_as, forced
        """
    static let versionColumnCount: Int32 = 12

    static func version(_ row: SQLRow) -> StoredVersion {
        let conflict: String? = row[8]
        let conflicting: String? = row[9]
        return StoredVersion(
            version: row[0], baseVersion: row[1], branchId: row[2], trunkVersion: row[3], branchBaseVersion: row[4], label: row[5],
            data: properties(row[6]), dataReceived: properties(row[7]), conflict: conflict.flatMap(Conflict.init(rawValue:)),
            conflictingProperties: conflicting.flatMap { try? JSONValue.parse($0) }?.arrayValue?.compactMap(\.stringValue),
            appliedAs: AppliedAs(rawValue: row[10]) ?? .update, forced: row[11])
    }

    /// The property columns of a version row as written.
    struct WrittenProperties: Equatable {
        var data: String
        var dataReceived: String
    }

    /// Writes one version row with where it came from and when; returns the property text it wrote.
    @discardableResult
    static func insert(
        _ version: StoredVersion, entityId: Int64, origin: ChangeOrigin, startedAt: String, createdAt: String,
        db: Database
    ) throws -> WrittenProperties {
        let written = WrittenProperties(
            data: JSONValue.object(version.data.json).serialized(), dataReceived: JSONValue.object(version.dataReceived.json).serialized())
        var submissionId: Int64?, defId: Int64?, instanceId: String?, blockIndex: Int?
        if case .submission(let sid, let did, let iid, let index) = origin.source {
            (submissionId, defId, instanceId, blockIndex) = (sid, did, iid, index)
        }
        try db.run(
            """
            INSERT INTO entity_versions (entity_id, version, base_version, branch_id, trunk_version, branch_base_version,
              label, data, data_received, conflict, conflicting_properties, applied_as, forced, creator_id,
              user_agent, source_submission_id, source_submission_def_id, source_instance_id, source_block_index,
              source_event, source_event_id, source_details, received_at, started_at, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, entityId, version.version, version.baseVersion, version.branchId, version.trunkVersion, version.branchBaseVersion,
            version.label, written.data, written.dataReceived,
            version.conflict?.rawValue, version.conflictingProperties.map { JSONValue.array($0.map(JSONValue.string)).serialized() },
            version.appliedAs.rawValue, version.forced, origin.actorId, origin.userAgent ?? "", submissionId, defId,
            instanceId, blockIndex, origin.event, origin.eventId, origin.details.map { JSONValue.object($0).serialized() },
            origin.receivedAt, startedAt, createdAt)
        return written
    }

    static func properties(_ text: String?) -> EntityProperties {
        EntityProperties(json: text.flatMap { try? JSONValue.parse($0) }?.objectValue ?? JSONObject())
    }

    /// The columns `held(_:)` reads, in its order.
    static let heldColumns = "dataset_id, change, origin"

    static func held(_ row: SQLRow) -> HeldChange? {
        guard let change = EntityChange(json: (try? JSONValue.parse(row[1] as String)) ?? .null),
            let origin = ChangeOrigin(json: (try? JSONValue.parse(row[2] as String)) ?? .null)
        else { return nil }
        return HeldChange(change: change, origin: origin, datasetId: row[0])
    }
}

/// Entity events as Central's audits.
enum EntityAudits {
    /// `datasetName` and `versionRowId` save two lookups when the caller knows them.
    static func log(_ db: Database, _ event: EntityEvent, datasetName: String? = nil, versionRowId: Int64? = nil) throws {
        switch event {
        case .created(let entity, let version, let origin):
            try logVersion(
                db, action: "entity.create", entity: entity, version: version, origin: origin, datasetName: datasetName, rowId: versionRowId
            )
        case .updated(let entity, let version, _, let origin):
            try logVersion(
                db, action: "entity.update.version", entity: entity, version: version, origin: origin, datasetName: datasetName,
                rowId: versionRowId)
        case .held(let held):
            try logHeld(db, action: "submission.backlog.hold", held, actorId: held.origin.actorId)
        case .reprocessed(let held, let by):
            try logHeld(db, action: "submission.backlog.reprocess", held, actorId: by.actorId)
        case .forced(let held):
            try logHeld(db, action: "submission.backlog.force", held, actorId: nil)
        case .resolved(let entity, let version, let actorId):
            let defId =
                try versionRowId
                ?? db.firstRow(
                    "SELECT id FROM entity_versions WHERE entity_id = ? AND version = ?", entity.id, version
                ) { $0[0] as Int64 }
            try Audit.log(
                db, actorId: actorId, action: "entity.update.resolve", acteeType: "entity", acteeId: entity.id,
                details: [
                    "entityId": .int(entity.id), "entityDefId": JSONValue(defId), "version": .int(Int64(version)),
                    "entity": ["uuid": .string(entity.uuid), "dataset": .string(datasetName ?? "")],
                ],
                entityId: entity.id, datasetId: entity.datasetId)
        case .deleted(let entity, let actorId):
            try Audit.log(
                db, actorId: actorId, action: "entity.delete", acteeType: "entity", acteeId: entity.id,
                details: ["entity": ["uuid": .string(entity.uuid)]], entityId: entity.id, datasetId: entity.datasetId)
        case .failed(let origin, let problem):
            var details = submissionDetails(origin)
            details["errorMessage"] = .string(problem.message)
            details["problem"] = ["problemCode": .double(problem.code), "problemDetails": .object(problem.details)]
            try Audit.log(
                db, actorId: origin.actorId, action: "entity.error", acteeType: "submission",
                acteeId: origin.source.submissionId, details: details)
        }
    }

    private static func submissionDetails(_ origin: ChangeOrigin) -> JSONObject {
        guard case .submission(let id, let defId, let instanceId, _) = origin.source else { return [:] }
        return ["submissionId": .int(id), "submissionDefId": .int(defId), "instanceId": .string(instanceId)]
    }

    private static func logVersion(
        _ db: Database, action: String, entity: EntityRef, version: Int, origin: ChangeOrigin, datasetName known: String?, rowId: Int64?
    ) throws {
        let datasetName =
            try known
            ?? String.fetchOne(try db.cachedStatement(sql: "SELECT name FROM datasets WHERE id = ?"), arguments: [entity.datasetId]) ?? ""
        let defId =
            try rowId
            ?? Int64.fetchOne(
                try db.cachedStatement(sql: "SELECT id FROM entity_versions WHERE entity_id = ? AND version = ?"),
                arguments: [entity.id, version])
        var details = submissionDetails(origin)
        details["entityId"] = .int(entity.id)
        details["entityDefId"] = JSONValue(defId)
        details["entity"] = ["uuid": .string(entity.uuid), "dataset": .string(datasetName)]
        details["version"] = .int(Int64(version))
        try Audit.log(
            db, actorId: origin.actorId, action: action, acteeType: "entity", acteeId: entity.id, details: details,
            submissionId: origin.source.submissionId, entityId: entity.id, datasetId: entity.datasetId)
    }

    private static func logHeld(_ db: Database, action: String, _ held: HeldChange, actorId: Int64?) throws {
        var details = submissionDetails(held.origin)
        details["entityUuid"] = .string(held.change.uuid)
        details["branchId"] = JSONValue(held.branchId)
        details["branchBaseVersion"] = .int(Int64(held.branchBaseVersion))
        try Audit.log(
            db, actorId: actorId, action: action, acteeType: "submission", acteeId: held.origin.source.submissionId,
            details: details)
    }
}
