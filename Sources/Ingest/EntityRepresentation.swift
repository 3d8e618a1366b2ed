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
            "baseVersion": JSONValue(stored.baseVersion),
            "conflictingProperties": stored.conflictingProperties.map {
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

    /// One item of the versions list: the version as reviewers read it, with its traceable source.
    static func reviewedVersion(_ record: EntityVersionRecord, review: ReviewedVersion, provenance: VersionProvenance?) -> JSONObject {
        var object = version(record, full: true)
        object["conflict"] = JSONValue(review.conflict?.rawValue)
        object["resolved"] = .bool(review.resolved)
        object["baseDiff"] = .object(review.baseDiff.json)
        object["serverDiff"] = .object(review.serverDiff.json)
        object["lastGoodVersion"] = .bool(review.lastGoodVersion)
        object["relevantToConflict"] = .bool(review.relevantToConflict)
        object["appliedAs"] = .string(record.stored.appliedAs.rawValue)
        object["forced"] = .bool(record.stored.forced)
        object["source"] = .object(source(record.source, provenance: provenance))
        return object
    }

    /// Central's `/diffs`: for each version after the first, what changed against the one before.
    static func diffs(_ versions: [EntityVersionRecord]) -> JSONValue {
        .array(
            zip(versions, versions.dropFirst()).map { previous, current in
                let diff = PropertyDiff(received: current.stored.dataWithLabel, against: previous.stored.dataWithLabel)
                return .array(
                    diff.changes.sorted { centralOrder($0.name, $1.name) }.map { change in
                        var item: JSONObject = [:]
                        if let old = change.old { item["old"] = .string(old) }
                        item["new"] = .string(change.new)
                        item["propertyName"] = .string(change.name)
                        return .object(item)
                    })
            })
    }

    /// The order Central lists properties in: the label first, then as PostgreSQL keeps `jsonb` keys
    /// (shorter names first, equal lengths by their bytes).
    static func centralOrder(_ a: String, _ b: String) -> Bool {
        if (a == "label") != (b == "label") { return a == "label" }
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        return x.count != y.count ? x.count < y.count : x.lexicographicallyPrecedes(y)
    }

    /// Central's `source` of a version: the triggering event's audit and the submission behind it, or
    /// what the API client said of its data (`{}` when nothing); then our traceability times.
    static func source(_ source: VersionSource, provenance: VersionProvenance?) -> JSONObject {
        var object: JSONObject
        if let event = provenance?.event {
            object = ["event": .object(Representation.audit(event.audit, actor: event.actor))]
            if let submission = submission(provenance) { object["submission"] = .object(submission) }
        } else {
            object = source.details ?? [:]
        }
        object["receivedAt"] = .string(source.receivedAt)
        object["processingStartedAt"] = .string(source.startedAt)
        object["committedAt"] = .string(source.committedAt)
        return object
    }

    /// What the submission's creation audit keeps, overlaid by the live submission while it and its form exist.
    private static func submission(_ provenance: VersionProvenance?) -> JSONObject? {
        guard let provenance, provenance.creation != nil || provenance.submission != nil else { return nil }
        var object: JSONObject = [:]
        if let creation = provenance.creation {
            object["instanceId"] = JSONValue(creation.instanceId)
            object["createdAt"] = .string(creation.loggedAt)
            object["submitter"] = creation.submitter.map { .object(Representation.actor($0)) } ?? .null
        }
        if let live = provenance.submission {
            var full = Representation.submission(live.record, submitter: live.submitter)
            full["submitter"] = live.submitter.map { .object(Representation.actor($0)) } ?? .null
            full["currentVersion"] = .object(Representation.submissionVersion(live.record.current, submitter: live.currentSubmitter))
            full["xmlFormId"] = .string(live.xmlFormId)
            for (key, value) in full.pairs { object[key] = value }
        }
        return object
    }
}
