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

    mutating func add(_ result: EntityConsistency, invalidLimit: Int) {
        checked += 1
        guard !result.valid else {
            valid += 1
            return
        }
        invalid += 1
        for kind in Set(result.inconsistencies.map(\.kind)) { byKind[kind, default: 0] += 1 }
        if invalidEntities.count < invalidLimit { invalidEntities.append(result) } else { truncated = true }
    }
}

/// What the checks need of an entity's row.
struct CheckedEntity {
    var id: Int64
    var uuid: String
    var dataset: DatasetRef
    var state: StoredEntityState
    var deletedAt: String?

    static let columns =
        "e.id, e.uuid, e.dataset_id, d.name, d.approval_required, e.current_version, e.conflict, e.deleted_at, e.updated_at, e.resolved_through"

    /// Reads a row selected with `columns`, by position.
    init(_ row: SQLRow) {
        id = row[0]
        uuid = row[1]
        dataset = DatasetRef(id: row[2], name: row[3], approvalRequired: row[4])
        let conflict: String? = row[6]
        deletedAt = row[7]
        state = StoredEntityState(
            currentVersion: row[5], conflict: conflict.flatMap(Conflict.init(rawValue:)), deleted: deletedAt != nil,
            updatedAt: row[8], resolvedThrough: row[9])
    }
}

enum ConsistencyQueries {
    /// The columns `versionRow(_:)` reads, in its order; the entity id comes last, for the range query.
    static let versionColumns = "\(EntityRows.versionColumns), created_at, entity_id"

    static func versionRow(_ row: SQLRow) -> StoredVersionRow {
        let next = EntityRows.versionColumnCount
        return StoredVersionRow(stored: EntityRows.version(row), createdAt: row[next])
    }

    static func load(_ db: Database, entityId: Int64) throws -> (entity: CheckedEntity, versions: [StoredVersionRow])? {
        guard
            let entity = try db.firstRow(
                "SELECT \(CheckedEntity.columns) FROM entities e JOIN datasets d ON d.id = e.dataset_id WHERE e.id = ?", entityId,
                as: CheckedEntity.init)
        else { return nil }
        let versions = try db.allRows(
            "SELECT \(versionColumns) FROM entity_versions WHERE entity_id = ? ORDER BY version", entityId, as: versionRow)
        return (entity, versions)
    }

    static func replay(_ entity: CheckedEntity, inputs: [EntityInput]) -> Replay.Result? {
        guard !inputs.isEmpty else { return nil }
        return Replay.run(inputs, uuid: entity.uuid, dataset: entity.dataset)
    }

    static func replay(_ db: Database, entity: CheckedEntity) throws -> Replay.Result? {
        replay(entity, inputs: try EntityInputLog.inputs(db, datasetId: entity.dataset.id, uuid: entity.uuid))
    }

    /// Both checks on what was loaded: the history against itself and against its replay.
    static func evaluate(_ entity: CheckedEntity, versions: [StoredVersionRow], inputs: [EntityInput], at time: String)
        -> EntityConsistency
    {
        var problems = ConsistencyCheck.internalProblems(entity: entity.state, versions: versions)
        let replay = replay(entity, inputs: inputs)
        if let replay {
            problems += ConsistencyCheck.replayProblems(entity: entity.state, versions: versions.map(\.stored), replay: replay)
        }
        return EntityConsistency(
            entityId: entity.id, uuid: entity.uuid, datasetId: entity.dataset.id, inconsistencies: problems, checkedAt: time,
            versions: versions.count, replayed: replay != nil)
    }

    static func check(_ db: Database, entityId: Int64) throws -> EntityConsistency? {
        guard let (entity, versions) = try load(db, entityId: entityId) else { return nil }
        return evaluate(
            entity, versions: versions, inputs: try EntityInputLog.inputs(db, datasetId: entity.dataset.id, uuid: entity.uuid),
            at: Timestamp.now())
    }

    /// Checks the entities whose ids fall in `ids` with three queries in all (entities, their versions,
    /// their inputs) rather than three per entity: the full pass reads every entity.
    static func checkRange(_ db: Database, ids: ClosedRange<Int64>, projectId: Int64?) throws -> [EntityConsistency] {
        let entities = try db.allRows(
            """
            SELECT \(CheckedEntity.columns) FROM entities e JOIN datasets d ON d.id = e.dataset_id
            WHERE e.id BETWEEN ? AND ? AND (? IS NULL OR d.project_id = ?) ORDER BY e.id
            """, ids.lowerBound, ids.upperBound, projectId, projectId, as: CheckedEntity.init)
        guard !entities.isEmpty else { return [] }
        var versions: [Int64: [StoredVersionRow]] = [:]
        try db.forEachRow(
            "SELECT \(versionColumns) FROM entity_versions WHERE entity_id BETWEEN ? AND ? ORDER BY entity_id, version",
            ids.lowerBound, ids.upperBound
        ) { row in
            versions[row[EntityRows.versionColumnCount + 1], default: []].append(versionRow(row))
        }
        struct InputKey: Hashable {
            var datasetId: Int64
            var uuid: String
        }
        var inputs: [InputKey: [EntityInput]] = [:]
        for (datasetId, uuids) in Dictionary(grouping: entities, by: \.dataset.id).mapValues({ $0.map(\.uuid) }) {
            for chunk in stride(from: 0, to: uuids.count, by: 500).map({ Array(uuids[$0..<min($0 + 500, uuids.count)]) }) {
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                let found = try Row.fetchCursor(
                    db,
                    sql:
                        "SELECT entity_uuid, kind, input FROM entity_inputs WHERE dataset_id = ? AND entity_uuid IN (\(marks)) ORDER BY id",
                    arguments: StatementArguments([datasetId] + chunk))
                while let row = try found.next() {
                    guard let input = EntityInput(kind: row[1], json: (try? JSONValue.parse(row[2] as String)) ?? .null) else { continue }
                    inputs[InputKey(datasetId: datasetId, uuid: row[0]), default: []].append(input)
                }
            }
        }
        let now = Timestamp.now()
        return entities.map { entity in
            evaluate(
                entity, versions: versions[entity.id] ?? [],
                inputs: inputs[InputKey(datasetId: entity.dataset.id, uuid: entity.uuid)] ?? [],
                at: now)
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
            guard let (entity, versions) = try ConsistencyQueries.load(db, entityId: entityId),
                let replay = try ConsistencyQueries.replay(db, entity: entity)
            else { return nil }
            let state = entity.state
            let stored = versions.map(\.stored)
            let differences =
                ConsistencyCheck.internalProblems(entity: state, versions: versions)
                + ConsistencyCheck.replayProblems(entity: state, versions: stored, replay: replay)
            guard apply, !differences.isEmpty else {
                return ReplayOutcome(stored: stored, replayed: replay, differences: differences, applied: false)
            }
            try Repair.rewrite(db, entity: entity, replay: replay)
            try Audit.log(
                db, actorId: actorId, action: "entity.repair", acteeType: "entity", acteeId: entityId,
                details: [
                    "entity": ["uuid": .string(entity.uuid), "dataset": .string(entity.dataset.name)],
                    "differences": .array(differences.map { .object($0.json) }),
                    "before": Repair.summary(state.currentVersion, state.conflict, stored),
                    "after": Repair.summary(replay.entity?.currentVersion ?? 0, replay.entity?.conflict, replay.versions),
                ],
                entityId: entityId)
            return ReplayOutcome(stored: stored, replayed: replay, differences: differences, applied: true)
        }
    }

    /// Checks every entity (of one project, or all), by ranges of ids so memory stays bounded whatever
    /// the size, `workers` ranges at a time on separate readers; records the pass for the health check.
    /// Ranges are merged in id order, so the invalid entities listed are the first ones whatever the timing.
    public func consistencyReport(
        projectId: Int64?, invalidLimit: Int = 1000, idsPerRange: Int64 = 2000,
        workers: Int = max(2, ProcessInfo.processInfo.activeProcessorCount)
    ) async throws -> ConsistencyReport {
        var report = ConsistencyReport()
        report.startedAt = Timestamp.now()
        let last = try await read { db in try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM entities") } ?? 0
        let ranges = stride(from: Int64(1), through: last, by: Int(idsPerRange)).lazy.map { $0...min($0 + idsPerRange - 1, last) }
        var pending = ranges.makeIterator()
        let workers = max(1, workers)
        try await withThrowingTaskGroup(of: (Int, [EntityConsistency]).self) { group in
            // Up to `workers` ranges in flight; results are taken in range order, and no more than
            // `2 * workers` ranges are started but not yet taken, so memory stays bounded even when one
            // range is slow.
            var started = 0, merged = 0, running = 0
            var finished: [Int: [EntityConsistency]] = [:]
            func fill() {
                while running < workers, started - merged < 2 * workers, let ids = pending.next() {
                    let order = started
                    started += 1
                    running += 1
                    group.addTask {
                        (order, try await self.read { db in try ConsistencyQueries.checkRange(db, ids: ids, projectId: projectId) })
                    }
                }
            }
            fill()
            while let (order, results) = try await group.next() {
                running -= 1
                finished[order] = results
                while let page = finished.removeValue(forKey: merged) {
                    merged += 1
                    for result in page { report.add(result, invalidLimit: invalidLimit) }
                }
                fill()
            }
        }
        report.finishedAt = Timestamp.now()
        let finished = report
        try await write { db in
            try db.run(
                "INSERT INTO consistency_passes (started_at, finished_at, project_id, checked, invalid, by_kind) VALUES (?, ?, ?, ?, ?, ?)",
                finished.startedAt, finished.finishedAt, projectId, finished.checked, finished.invalid,
                JSONValue.object(JSONObject(finished.byKind.sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.value))) }))
                    .serialized())
        }
        return report
    }
}

/// Rewriting an entity's history to its replay, keeping each version's traceability where the replay
/// made the same version from the same input.
enum Repair {
    static func rewrite(_ db: Database, entity: CheckedEntity, replay: Replay.Result) throws {
        let entityId = entity.id
        let sources = try Row.fetchAll(
            try db.cachedStatement(sql: "SELECT * FROM entity_versions WHERE entity_id = ?"), arguments: [entityId])
        try db.run("DELETE FROM entity_versions WHERE entity_id = ?", entityId)
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
                version, entityId: entityId, origin: origin,
                startedAt: (match?["started_at"] as String?) ?? now, createdAt: (match?["created_at"] as String?) ?? now, db: db)
        }
        let deletedAt = entity.deletedAt
        let deleted = replay.entity?.deleted ?? false
        let lastCommitted = try String.fetchOne(
            try db.cachedStatement(sql: "SELECT created_at FROM entity_versions WHERE entity_id = ? AND version = ?"),
            arguments: [entityId, replay.versions.count])
        try db.run(
            "UPDATE entities SET current_version = ?, conflict = ?, resolved_through = ?, updated_at = ?, deleted_at = ? WHERE id = ?",
            replay.versions.count, replay.entity?.conflict?.rawValue, replay.resolvedThrough,
            replay.versions.count > 1 ? lastCommitted : nil, deleted ? (deletedAt ?? now) : nil, entityId)
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
