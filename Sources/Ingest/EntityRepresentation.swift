import Entities
import Foundation
import Store

/// Central's JSON shapes for entities and their versions.
enum EntityRepresentation {
    static func version(_ record: EntityVersionRecord, full: Bool) -> JSONObject {
        let stored = record.stored
        var object: JSONObject = [
            "label": .string(stored.label), "current": .bool(record.current), "creatorId": JSONValue(record.creatorId),
            "userAgent": .string(record.userAgent), "version": .int(Int64(stored.version)),
            "baseVersion": JSONValue(stored.baseVersion), "conflictingProperties": stored.conflictingProperties.map {
                .array($0.map(JSONValue.string))
            } ?? .null,
            "createdAt": .string(record.createdAt), "branchId": JSONValue(stored.branchId),
            "trunkVersion": JSONValue(stored.trunkVersion), "branchBaseVersion": JSONValue(stored.branchBaseVersion),
        ]
        if full {
            object["data"] = .object(stored.data.json)
            object["dataReceived"] = .object(stored.dataReceived.json)
        }
        return object
    }

    static func entity(_ record: EntityRecord, full: Bool) -> JSONObject {
        [
            "uuid": .string(record.uuid), "creatorId": JSONValue(record.creatorId),
            "conflict": JSONValue(record.conflict?.rawValue), "createdAt": .string(record.createdAt),
            "updatedAt": JSONValue(record.updatedAt), "deletedAt": JSONValue(record.deletedAt),
            "updates": .int(Int64(record.current.stored.version - 1)),
            "currentVersion": .object(version(record.current, full: full)),
        ]
    }

    /// One item of the versions list: the version with its own conflict and its traceable source.
    static func listedVersion(_ record: EntityVersionRecord) -> JSONObject {
        var object = version(record, full: true)
        object["conflict"] = JSONValue(record.stored.conflict?.rawValue)
        object["appliedAs"] = .string(record.stored.appliedAs.rawValue)
        object["forced"] = .bool(record.stored.forced)
        object["source"] = .object(source(record.source))
        return object
    }

    static func source(_ source: VersionSource) -> JSONObject {
        var object: JSONObject = [
            "event": JSONValue(source.event), "receivedAt": .string(source.receivedAt),
            "processingStartedAt": .string(source.startedAt), "committedAt": .string(source.committedAt),
        ]
        if let instanceId = source.instanceId {
            object["submission"] = ["instanceId": .string(instanceId), "submissionId": JSONValue(source.submissionId)]
        } else {
            object["api"] = true
        }
        return object
    }
}
