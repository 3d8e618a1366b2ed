import Entities
import Foundation
import GRDB

/// The entity rules' workspace on the SQLite write transaction of one request.
final class SQLiteEntityWorkspace: EntityWorkspace {
    let db: Database
    /// Datasets are named within one project.
    let projectId: Int64
    /// When processing of the request's entity work began (recorded on each version it writes).
    let startedAt: String

    private let observer: StoreObserver?
    private var events: [EntityEvent] = []
    private var savepointDepth = 0

    init(db: Database, projectId: Int64, observer: StoreObserver?) {
        self.db = db
        self.projectId = projectId
        self.observer = observer
        self.startedAt = Timestamp.now()
    }

    /// Datasets do not change during one piece of entity work, so each is read once.
    private var datasets: [String: DatasetRef?] = [:]
    /// The row id of each version this workspace wrote, for the audit that names it.
    private var versionRowIds: [String: Int64] = [:]

    func dataset(named name: String) throws -> DatasetRef? {
        if let known = datasets[name] { return known }
        let found = try Datasets.dataset(db, projectId: projectId, name: name).map {
            DatasetRef(id: $0.id, name: $0.name, approvalRequired: $0.approvalRequired)
        }
        datasets[name] = found
        return found
    }

    private func datasetName(id: Int64) -> String? {
        datasets.values.compactMap { $0 }.first { $0.id == id }?.name
    }

    func entity(uuid: String, in dataset: DatasetRef) throws -> EntityRef? {
        try db.firstRow(
            "SELECT \(EntityRows.entityColumns) FROM entities WHERE dataset_id = ? AND uuid = ?", dataset.id, uuid, as: EntityRows.entity)
    }

    /// Versions read or written by this piece of work: the same base and current versions are asked for
    /// several times per change. Cleared when a savepoint rolls back.
    private var versionCache: [String: StoredVersion] = [:]

    func version(_ number: Int, of entity: EntityRef) throws -> StoredVersion? {
        let key = "\(entity.id)/\(number)"
        if let cached = versionCache[key] { return cached }
        let found = try db.firstRow(
            "SELECT \(EntityRows.versionColumns) FROM entity_versions WHERE entity_id = ? AND version = ?", entity.id, number,
            as: EntityRows.version)
        if let found { versionCache[key] = found }
        return found
    }

    /// Walks the entity's versions since the branch's trunk: an index on the branch columns would cost every
    /// update a write on a random page, and the versions since a trunk are few.
    func version(branchId: String, branchBaseVersion: Int, after: Int, of entity: EntityRef) throws -> StoredVersion? {
        let found = try db.firstRow(
            """
            SELECT \(EntityRows.versionColumns) FROM entity_versions
            WHERE entity_id = ? AND version > ? AND branch_id = ? AND branch_base_version = ?
            ORDER BY version LIMIT 1
            """, entity.id, after, branchId, branchBaseVersion, as: EntityRows.version)
        // In order, the branch's base is the current version, asked for next by number.
        if let found { versionCache["\(entity.id)/\(found.version)"] = found }
        return found
    }

    func branchIds(of entity: EntityRef, after number: Int) throws -> [String?] {
        try db.allRows("SELECT branch_id FROM entity_versions WHERE entity_id = ? AND version > ? ORDER BY version", entity.id, number) {
            $0[0]
        }
    }

    func nextHeld(entityUuid: String, datasetId: Int64, branchId: String?, branchBaseVersion: Int) throws -> HeldChange? {
        let held: HeldChange??
        if let branchId {
            held = try db.firstRow(
                """
                SELECT \(EntityRows.heldColumns) FROM entity_backlog
                WHERE dataset_id = ? AND entity_uuid = ? AND branch_id = ? AND branch_base_version = ?
                ORDER BY id LIMIT 1
                """, datasetId, entityUuid, branchId, branchBaseVersion, as: EntityRows.held)
        } else {
            held = try db.firstRow(
                """
                SELECT \(EntityRows.heldColumns) FROM entity_backlog WHERE dataset_id = ? AND entity_uuid = ? AND branch_base_version = ?
                ORDER BY id LIMIT 1
                """, datasetId, entityUuid, branchBaseVersion, as: EntityRows.held)
        }
        return held ?? nil
    }

    func createEntity(uuid: String, in dataset: DatasetRef, first version: NewVersion, origin: ChangeOrigin) throws -> EntityRef {
        let now = Timestamp.now()
        try db.run(
            "INSERT INTO entities (dataset_id, uuid, current_version, creator_id, created_at) VALUES (?, ?, 1, ?, ?)", dataset.id, uuid,
            origin.actorId, now)
        let entity = EntityRef(
            id: db.lastInsertedRowID, uuid: uuid, datasetId: dataset.id, conflict: nil, deleted: false, currentVersion: 1)
        let stored = try insert(version, entity: entity, origin: origin, at: now)
        try verifyPropagation(entity: entity, version: version, stored: stored)
        return entity
    }

    func appendVersion(_ version: NewVersion, to entity: EntityRef, entityConflict: Conflict?, origin: ChangeOrigin) throws -> EntityRef {
        let now = Timestamp.now()
        let stored = try insert(version, entity: entity, origin: origin, at: now)
        try db.run(
            "UPDATE entities SET current_version = ?, conflict = ?, updated_at = ? WHERE id = ?", version.version, entityConflict?.rawValue,
            now, entity.id)
        var updated = entity
        updated.currentVersion = version.version
        updated.conflict = entityConflict
        try verifyPropagation(entity: entity, version: version, stored: stored)
        return updated
    }

    /// The cheap check after each applied version: the new version follows from the one before and what
    /// it received. The stored row is compared with what was written by its text (one lookup by row id,
    /// no parsing); only a row that differs is read back whole, so damage on the way to the disk is
    /// checked as stored. A failure never fails the submission; it is audited.
    private func verifyPropagation(entity: EntityRef, version written: StoredVersion, stored: StoredRow) throws {
        let number = written.version
        var new = written
        let text = try db.firstRow("SELECT data, data_received FROM entity_versions WHERE id = ?", stored.rowId) {
            EntityRows.WrittenProperties(data: $0[0], dataReceived: $0[1])
        }
        if text != stored.properties {
            guard
                let row = try db.firstRow(
                    "SELECT \(EntityRows.versionColumns) FROM entity_versions WHERE id = ?", stored.rowId, as: EntityRows.version)
            else { return }
            new = row
        }
        let previous = number > 1 ? try version(number - 1, of: entity) : nil
        let problems =
            ConsistencyCheck.step(previous: previous, next: new)
            + (number > 1 && previous == nil
                ? [
                    Inconsistency(
                        kind: "versionNumbers", field: "version", version: number - 1, expected: .int(Int64(number - 1)), actual: .null)
                ]
                : [])
        guard !problems.isEmpty else { return }
        try Audit.log(
            db, actorId: nil, action: "entity.inconsistency", acteeType: "entity", acteeId: entity.id,
            details: [
                "entity": ["uuid": .string(entity.uuid)], "version": .int(Int64(number)),
                "inconsistencies": .array(problems.map { .object($0.json) }),
            ],
            entityId: entity.id)
    }

    /// Where a version was written and its property text as written.
    struct StoredRow {
        var rowId: Int64
        var properties: EntityRows.WrittenProperties
    }

    private func insert(_ version: NewVersion, entity: EntityRef, origin: ChangeOrigin, at time: String) throws -> StoredRow {
        let properties = try EntityRows.insert(
            version, entityId: entity.id, origin: origin, startedAt: startedAt, createdAt: time, db: db)
        versionCache["\(entity.id)/\(version.version)"] = version
        versionRowIds["\(entity.id)/\(version.version)"] = db.lastInsertedRowID
        return StoredRow(rowId: db.lastInsertedRowID, properties: properties)
    }

    func hold(_ held: HeldChange) throws {
        var submissionId: Int64?, defId: Int64?, blockIndex: Int?
        if case .submission(let sid, let did, _, let index) = held.origin.source { (submissionId, defId, blockIndex) = (sid, did, index) }
        try db.run(
            """
            INSERT INTO entity_backlog (dataset_id, entity_uuid, branch_id, branch_base_version, submission_id,
              submission_def_id, block_index, change, origin, held_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, held.datasetId, held.change.uuid, held.branchId, held.branchBaseVersion, submissionId, defId, blockIndex,
            held.change.json.serialized(), held.origin.json.serialized(), Timestamp.now())
    }

    func deferForApproval(_ change: EntityChange, origin: ChangeOrigin) throws {
        guard case .submission(let submissionId, let defId, _, let index) = origin.source,
            let dataset = try dataset(named: change.datasetName)
        else { return }
        try db.run(
            """
            INSERT OR IGNORE INTO entity_pending (dataset_id, submission_id, submission_def_id, block_index, change, origin, received_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, dataset.id, submissionId, defId, index, change.json.serialized(), origin.json.serialized(), origin.receivedAt)
    }

    func take(_ held: HeldChange) throws -> Bool {
        guard case .submission(_, let defId, _, let index) = held.origin.source else { return false }
        try db.run("DELETE FROM entity_backlog WHERE submission_def_id = ? AND block_index = ?", defId, index)
        return db.changesCount > 0
    }

    func markResolved(_ entity: EntityRef) throws {
        try db.run(
            "UPDATE entities SET conflict = NULL, resolved_through = current_version, updated_at = ? WHERE id = ?", Timestamp.now(),
            entity.id)
    }

    func markDeleted(_ entity: EntityRef) throws {
        try db.run("UPDATE entities SET deleted_at = ? WHERE id = ?", Timestamp.now(), entity.id)
    }

    func submissionMadeEntityVersion(_ submissionId: Int64, leavingOut leftOut: SubmissionVersionsLeftOut) throws -> Bool {
        let found: Bool?
        switch leftOut {
        case .none:
            found = try db.firstRow("SELECT 1 FROM entity_versions WHERE source_submission_id = ? LIMIT 1", submissionId) { _ in true }
        case .madeBy(let defId):
            found = try db.firstRow(
                "SELECT 1 FROM entity_versions WHERE source_submission_id = ? AND source_submission_def_id IS NOT ? LIMIT 1",
                submissionId, defId
            ) { _ in true }
        case .forcedFrom(let defId):
            found = try db.firstRow(
                """
                SELECT 1 FROM entity_versions WHERE source_submission_id = ?
                AND (source_submission_def_id IS NOT ? OR NOT forced) LIMIT 1
                """,
                submissionId, defId
            ) { _ in true }
        }
        return found ?? false
    }

    func submissionIsHeld(_ submissionId: Int64) throws -> Bool {
        try db.firstRow("SELECT 1 FROM entity_backlog WHERE submission_id = ? LIMIT 1", submissionId) { _ in true } ?? false
    }

    func claim(_ origin: ChangeOrigin) throws -> Bool {
        guard case .submission(_, let defId, _, let index) = origin.source else { return true }
        try db.run(
            "INSERT OR IGNORE INTO entity_block_claims (submission_def_id, block_index, claimed_at) VALUES (?, ?, ?)", defId, index,
            Timestamp.now())
        return db.changesCount > 0
    }

    func record(_ event: EntityEvent) throws {
        switch event {
        case .created(let entity, let version, _), .updated(let entity, let version, _, _), .resolved(let entity, let version, _):
            try EntityAudits.log(
                db, event, datasetName: datasetName(id: entity.datasetId), versionRowId: versionRowIds["\(entity.id)/\(version)"])
        default:
            try EntityAudits.log(db, event)
        }
        events.append(event)
        if savepointDepth == 0 { flushEvents() }
    }

    /// Events reach the observer only once the transaction holding them has committed: the workspace's
    /// own savepoints are done by now, but the writer's savepoint for the request or the batch's commit
    /// could still undo them.
    private func flushEvents() {
        guard !events.isEmpty else { return }
        if let observer {
            let committed = events
            db.afterNextTransaction(onCommit: { _ in observer.entityEvents(committed) })
        }
        events.removeAll()
    }

    func logInput(_ input: EntityInput, entityUuid: String, datasetName: String) throws {
        guard let dataset = try dataset(named: datasetName) else { return }
        try EntityInputLog.append(db, input, datasetId: dataset.id, uuid: entityUuid)
    }

    func savepoint<T>(_ body: () throws -> T) throws -> T {
        let mark = events.count
        savepointDepth += 1
        defer {
            savepointDepth -= 1
            if savepointDepth == 0 { flushEvents() }
        }
        do {
            return try db.inCachedSavepoint(body)
        } catch {
            events.removeSubrange(mark...)
            versionCache.removeAll()
            throw error
        }
    }
}
