import Entities
import Foundation
import GRDB

/// The result of checking one entity.
public struct EntityConsistency: Sendable, Equatable {
    public var entityId: Int64
    public var uuid: String
    public var datasetId: Int64
    public var inconsistencies: [Inconsistency]
    public var checkedAt: String
    public var versions: Int
    /// False for an entity with no input log (made before the log existed): only its internal checks ran.
    public var replayed: Bool

    public var valid: Bool { inconsistencies.isEmpty }
}

/// A replay beside the stored history.
public struct ReplayOutcome: Sendable {
    public var stored: [StoredVersion]
    public var replayed: Replay.Result
    public var differences: [Inconsistency]
    public var applied: Bool
}

/// Counts from a full pass over entities.
public struct ConsistencyReport: Sendable {
    public var checked = 0
    public var valid = 0
    public var invalid = 0
    public var byKind: [String: Int] = [:]
    /// The invalid entities, at most `limit` of them so a report stays small.
    public var invalidEntities: [EntityConsistency] = []
    public var truncated = false
    public var startedAt = ""
    public var finishedAt = ""
}

enum ConsistencyQueries {
    static let entityColumns = "e.*, d.name AS dataset_name, d.approval_required"

    static func state(_ row: Row) -> StoredEntityState {
        let conflict: String? = row["conflict"]
        let deletedAt: String? = row["deleted_at"]
        return StoredEntityState(
            currentVersion: row["current_version"], conflict: conflict.flatMap(Conflict.init(rawValue:)), deleted: deletedAt != nil,
            updatedAt: row["updated_at"], resolvedThrough: row["resolved_through"])
    }

    static func versionRow(_ row: Row) -> StoredVersionRow {
        StoredVersionRow(stored: EntityRows.version(row), current: row["current"], createdAt: row["created_at"])
    }

    static func load(_ db: Database, entityId: Int64) throws -> (row: Row, state: StoredEntityState, versions: [StoredVersionRow])? {
        guard
            let row = try Row.fetchOne(
                try db.cachedStatement(
                    sql: "SELECT \(entityColumns) FROM entities e JOIN datasets d ON d.id = e.dataset_id WHERE e.id = ?"),
                arguments: [entityId])
        else { return nil }
        let versions = try Row.fetchAll(
            try db.cachedStatement(sql: "SELECT * FROM entity_versions WHERE entity_id = ? ORDER BY version"), arguments: [entityId]
        ).map(versionRow)
        return (row, state(row), versions)
    }

    static func replay(_ row: Row, inputs: [EntityInput]) -> Replay.Result? {
        guard !inputs.isEmpty else { return nil }
        let dataset = DatasetRef(id: row["dataset_id"], name: row["dataset_name"], approvalRequired: row["approval_required"])
        return Replay.run(inputs, uuid: row["uuid"], dataset: dataset)
    }

    static func replay(_ db: Database, row: Row) throws -> Replay.Result? {
        replay(row, inputs: try EntityInputLog.inputs(db, datasetId: row["dataset_id"], uuid: row["uuid"]))
    }

    /// Both checks on what was loaded: the history against itself and against its replay.
    static func evaluate(row: Row, versions: [StoredVersionRow], inputs: [EntityInput]) -> EntityConsistency {
        let stored = state(row)
        var problems = ConsistencyCheck.internalProblems(entity: stored, versions: versions)
        let replay = replay(row, inputs: inputs)
        if let replay {
            problems += ConsistencyCheck.replayProblems(entity: stored, versions: versions.map(\.stored), replay: replay)
        }
        return EntityConsistency(
            entityId: row["id"], uuid: row["uuid"], datasetId: row["dataset_id"], inconsistencies: problems,
            checkedAt: Timestamp.now(), versions: versions.count, replayed: replay != nil)
    }

    static func check(_ db: Database, entityId: Int64) throws -> EntityConsistency? {
        guard let (row, _, versions) = try load(db, entityId: entityId) else { return nil }
        return evaluate(
            row: row, versions: versions, inputs: try EntityInputLog.inputs(db, datasetId: row["dataset_id"], uuid: row["uuid"]))
    }

    /// Checks a page of entities with three queries in all (entities, their versions, their inputs)
    /// rather than three per entity: the full pass reads every entity.
    static func checkPage(_ db: Database, after: Int64, projectId: Int64?, limit: Int) throws -> [EntityConsistency] {
        let rows = try Row.fetchAll(
            try db.cachedStatement(
                sql: """
                    SELECT \(entityColumns) FROM entities e JOIN datasets d ON d.id = e.dataset_id
                    WHERE e.id > ? AND (? IS NULL OR d.project_id = ?) ORDER BY e.id LIMIT ?
                    """),
            arguments: [after, projectId, projectId, limit])
        guard let first = rows.first, let last = rows.last else { return [] }
        let firstId: Int64 = first["id"], lastId: Int64 = last["id"]
        var versions: [Int64: [StoredVersionRow]] = [:]
        for row in try Row.fetchAll(
            try db.cachedStatement(sql: "SELECT * FROM entity_versions WHERE entity_id BETWEEN ? AND ? ORDER BY entity_id, version"),
            arguments: [firstId, lastId])
        {
            versions[row["entity_id"], default: []].append(versionRow(row))
        }
        var inputs: [String: [EntityInput]] = [:]
        for (datasetId, uuids) in Dictionary(grouping: rows, by: { $0["dataset_id"] as Int64 }).mapValues({
            $0.map { $0["uuid"] as String }
        }) {
            for chunk in stride(from: 0, to: uuids.count, by: 500).map({ Array(uuids[$0..<min($0 + 500, uuids.count)]) }) {
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                let found = try Row.fetchAll(
                    db,
                    sql:
                        "SELECT entity_uuid, kind, input FROM entity_inputs WHERE dataset_id = ? AND entity_uuid IN (\(marks)) ORDER BY id",
                    arguments: StatementArguments([datasetId] + chunk))
                for row in found {
                    guard let input = EntityInput(kind: row["kind"], json: (try? JSONValue.parse(row["input"] as String)) ?? .null) else {
                        continue
                    }
                    inputs["\(datasetId)/\(row["entity_uuid"] as String)", default: []].append(input)
                }
            }
        }
        return rows.map { row in
            evaluate(
                row: row, versions: versions[row["id"]] ?? [],
                inputs: inputs["\(row["dataset_id"] as Int64)/\(row["uuid"] as String)"] ?? [])
        }
    }
}

extension GatewayStore {
    public func checkConsistency(entityId: Int64) async throws -> EntityConsistency? {
        try await read { db in try ConsistencyQueries.check(db, entityId: entityId) }
    }

    /// Replays the entity's inputs; with `apply`, rewrites its history to the replayed one in one
    /// transaction and logs `entity.repair` with what it was and what it became.
    public func replayEntity(entityId: Int64, apply: Bool, actorId: Int64?) async throws -> ReplayOutcome? {
        try await write { db in
            guard let (row, state, versions) = try ConsistencyQueries.load(db, entityId: entityId),
                let replay = try ConsistencyQueries.replay(db, row: row)
            else { return nil }
            let stored = versions.map(\.stored)
            let differences =
                ConsistencyCheck.internalProblems(entity: state, versions: versions)
                + ConsistencyCheck.replayProblems(entity: state, versions: stored, replay: replay)
            guard apply, !differences.isEmpty else {
                return ReplayOutcome(stored: stored, replayed: replay, differences: differences, applied: false)
            }
            try Repair.rewrite(db, entityId: entityId, row: row, stored: versions, replay: replay)
            try Audit.log(
                db, actorId: actorId, action: "entity.repair", acteeType: "entity", acteeId: entityId,
                details: [
                    "entity": ["uuid": .string(row["uuid"]), "dataset": .string(row["dataset_name"])],
                    "differences": .array(differences.map { .object($0.json) }),
                    "before": Repair.summary(state.currentVersion, state.conflict, stored),
                    "after": Repair.summary(replay.entity?.currentVersion ?? 0, replay.entity?.conflict, replay.versions),
                ],
                entityId: entityId)
            return ReplayOutcome(stored: stored, replayed: replay, differences: differences, applied: true)
        }
    }

    /// Checks every entity (of one project, or all), in batches so memory stays bounded whatever the size,
    /// and records the pass for the health check.
    public func consistencyReport(projectId: Int64?, invalidLimit: Int = 1000, batch: Int = 200) async throws -> ConsistencyReport {
        var report = ConsistencyReport()
        report.startedAt = Timestamp.now()
        var after: Int64 = 0
        while true {
            let cursor = after
            let page = try await read { db in
                try ConsistencyQueries.checkPage(db, after: cursor, projectId: projectId, limit: batch)
            }
            guard let last = page.last else { break }
            after = last.entityId
            for result in page {
                report.checked += 1
                if result.valid {
                    report.valid += 1
                    continue
                }
                report.invalid += 1
                for kind in Set(result.inconsistencies.map(\.kind)) { report.byKind[kind, default: 0] += 1 }
                if report.invalidEntities.count < invalidLimit { report.invalidEntities.append(result) } else { report.truncated = true }
            }
        }
        report.finishedAt = Timestamp.now()
        let finished = report
        try await write { db in
            try db.run(
                "INSERT INTO consistency_passes (started_at, finished_at, project_id, checked, invalid, by_kind) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    finished.startedAt, finished.finishedAt, projectId, finished.checked, finished.invalid,
                    JSONValue.object(JSONObject(finished.byKind.sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.value))) }))
                        .serialized(),
                ])
        }
        return report
    }
}

/// Rewriting an entity's history to its replay, keeping each version's traceability where the replay
/// made the same version from the same input.
enum Repair {
    static func rewrite(_ db: Database, entityId: Int64, row: Row, stored: [StoredVersionRow], replay: Replay.Result) throws {
        let sources = try Row.fetchAll(
            try db.cachedStatement(sql: "SELECT * FROM entity_versions WHERE entity_id = ?"), arguments: [entityId])
        try db.run("DELETE FROM entity_versions WHERE entity_id = ?", [entityId])
        let now = Timestamp.now()
        for (index, version) in replay.versions.enumerated() {
            let origin = replay.origins[index]
            var defId: Int64?, blockIndex: Int?
            if case .submission(_, let did, _, let block) = origin.source { (defId, blockIndex) = (did, block) }
            let match = sources.first { source in
                (source["source_submission_def_id"] as Int64?) == defId && (source["source_block_index"] as Int?) == blockIndex
                    && (defId != nil || (source["version"] as Int) == version.version)
            }
            try EntityRows.insert(
                version, entityId: entityId, origin: origin, current: index == replay.versions.count - 1,
                startedAt: (match?["started_at"] as String?) ?? now, createdAt: (match?["created_at"] as String?) ?? now, db: db)
        }
        let deletedAt: String? = row["deleted_at"]
        let deleted = replay.entity?.deleted ?? false
        let lastCommitted = try String.fetchOne(
            try db.cachedStatement(sql: "SELECT created_at FROM entity_versions WHERE entity_id = ? AND version = ?"),
            arguments: [entityId, replay.versions.count])
        try db.run(
            "UPDATE entities SET current_version = ?, conflict = ?, resolved_through = ?, updated_at = ?, deleted_at = ? WHERE id = ?",
            [
                replay.versions.count, replay.entity?.conflict?.rawValue, replay.resolvedThrough,
                replay.versions.count > 1 ? lastCommitted : nil, deleted ? (deletedAt ?? now) : nil, entityId,
            ])
    }

    static func summary(_ current: Int, _ conflict: Conflict?, _ versions: [StoredVersion]) -> JSONValue {
        [
            "currentVersion": .int(Int64(current)), "conflict": JSONValue(conflict?.rawValue),
            "versions": .array(
                versions.map { version in
                    [
                        "version": .int(Int64(version.version)), "label": .string(version.label), "data": .object(version.data.json),
                        "conflict": JSONValue(version.conflict?.rawValue),
                    ]
                }),
        ]
    }
}
