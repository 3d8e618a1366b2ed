/// Applies entity changes with the gateway's rules: create or update, base translation for offline
/// branches, holding what cannot apply yet and releasing it when its predecessor arrives, forced
/// processing, and conflicts. Every write goes through the workspace.
public struct EntityProcessor<Workspace: EntityWorkspace> {
    public let workspace: Workspace

    public init(workspace: Workspace) {
        self.workspace = workspace
    }

    public enum Outcome: Equatable, Sendable {
        case applied(EntityRef, version: Int)
        case held
        /// Nothing to do: the block asks for neither action.
        case skipped
    }

    /// Processes every entity block of one submission version, all or nothing: when any block fails,
    /// none of the submission's entity work is kept and one `entity.error` names every failure (Central's
    /// 400.43 when the submission has several blocks), so an edit can try again. One entity action per
    /// submission: once any version of it has made an entity version, or while a block of it is held,
    /// later versions (edits, approval, `convert`) do no entity work, and that is not an error.
    /// Where the dataset requires approval, only creates wait for it (`ApprovalRule`).
    public func applySubmission(_ blocks: [Result<EntityChange, EntityProblem>], origins: [ChangeOrigin], approved: Bool) throws {
        guard let first = origins.first else { return }
        if let submissionId = first.source.submissionId,
            try workspace.submissionMadeEntityVersion(submissionId, leavingOut: .none) || workspace.submissionIsHeld(submissionId)
        {
            return
        }
        var failures: [(index: Int, problem: EntityProblem)] = []
        do {
            try workspace.savepoint {
                for (index, block) in blocks.enumerated() {
                    let origin = origins[index]
                    do {
                        let change = try block.get()
                        if !approved, try waitsForApproval(change) {
                            try workspace.deferForApproval(change, origin: origin)
                            continue
                        }
                        guard try workspace.claim(origin) else { continue }
                        _ = try submit(change, origin: origin)
                    } catch let problem as EntityProblem {
                        failures.append((index, problem))
                    }
                }
                if !failures.isEmpty { throw SubmissionRolledBack() }
            }
        } catch is SubmissionRolledBack {
            let problem = blocks.count == 1 ? failures[0].problem : EntityProblem.several(failures, total: blocks.count)
            try workspace.record(.failed(origin: first, problem: problem))
        }
    }

    private struct SubmissionRolledBack: Error {}

    private func waitsForApproval(_ change: EntityChange) throws -> Bool {
        guard let dataset = try workspace.dataset(named: change.datasetName), dataset.approvalRequired else { return false }
        let exists = try workspace.entity(uuid: change.uuid, in: dataset) != nil
        let updatesExisting = change.wantsUpdate && change.formAllowsUpdate && exists
        return ApprovalRule.waits(wantsCreate: change.wantsCreate, updatesExistingEntity: updatesExisting)
    }

    /// A reviewer clears the entity's conflict; logged, so replay clears it at the same point.
    public func resolve(uuid: String, datasetName: String, actorId: Int64?) throws {
        let entity = try existing(uuid: uuid, datasetName: datasetName)
        try workspace.logInput(.resolve, entityUuid: uuid, datasetName: datasetName)
        try workspace.markResolved(entity)
        try workspace.record(.resolved(entity, version: entity.currentVersion, actorId: actorId))
    }

    /// Deletes the entity; later changes to it fail (404.11) and its UUID cannot be reused (409.19).
    public func delete(uuid: String, datasetName: String, actorId: Int64?) throws {
        let entity = try existing(uuid: uuid, datasetName: datasetName)
        try workspace.logInput(.delete, entityUuid: uuid, datasetName: datasetName)
        try workspace.markDeleted(entity)
        try workspace.record(.deleted(entity, actorId: actorId))
    }

    private func existing(uuid: String, datasetName: String) throws -> EntityRef {
        guard let dataset = try workspace.dataset(named: datasetName), let entity = try workspace.entity(uuid: uuid, in: dataset)
        else { throw EntityProblem.entityNotFound(uuid, dataset: datasetName) }
        return entity
    }

    /// Central's optimistic lock for API updates: the version the client read, the change's base, must
    /// still be current (409.15). A forced update skips this and is marked as a conflict instead.
    public func requireCurrentBase(_ change: EntityChange) throws {
        guard let base = change.baseVersion, let dataset = try workspace.dataset(named: change.datasetName),
            let entity = try workspace.entity(uuid: change.uuid, in: dataset), entity.currentVersion != base
        else { return }
        throw EntityProblem.staleVersion(current: entity.currentVersion, provided: String(base))
    }

    /// Hands a new change to the rules: logs it as an input of its entity, then applies it (and what it
    /// releases) in a savepoint, so a failure undoes only this change.
    public func submit(_ change: EntityChange, origin: ChangeOrigin) throws -> Outcome {
        try workspace.logInput(.change(change, origin), entityUuid: change.uuid, datasetName: change.datasetName)
        return try workspace.savepoint { try applyAndRelease(change, origin: origin) }
    }

    /// Applies a change and then, down its branch, every held change that was waiting for it.
    public func applyAndRelease(_ change: EntityChange, origin: ChangeOrigin) throws -> Outcome {
        let outcome = try apply(change, origin: origin, forced: false)
        guard case .applied(let entity, let number) = outcome, let version = try workspace.version(number, of: entity) else {
            return outcome
        }
        guard
            let next = try workspace.nextHeld(
                entityUuid: entity.uuid, datasetId: entity.datasetId, branchId: version.branchId,
                branchBaseVersion: (version.branchBaseVersion ?? 0) + 1),
            try workspace.take(next)
        else { return outcome }
        try workspace.record(.reprocessed(next, by: origin))
        guard try !submissionMadeEntityVersion(next, releasing: true) else { return outcome }
        do {
            _ = try workspace.savepoint { try applyAndRelease(next.change, origin: next.origin) }
        } catch let problem as EntityProblem {
            try workspace.record(.failed(origin: next.origin, problem: problem))
        }
        return outcome
    }

    /// Applies a held change whatever is missing: against the newest version, or as a create.
    /// A forced version does not release the next held change of its branch.
    public func force(_ held: HeldChange) throws {
        guard try workspace.take(held) else { return }
        // Decided live and logged as `.discard`: a replay runs without approval and sees only this entity,
        // not what the submission's other blocks made.
        if try dropsForcedCreate(held) || submissionMadeEntityVersion(held, releasing: false) {
            try workspace.logInput(.discard(held.origin), entityUuid: held.change.uuid, datasetName: held.change.datasetName)
            try workspace.record(.forced(held))
            return
        }
        try workspace.logInput(.force(held.origin), entityUuid: held.change.uuid, datasetName: held.change.datasetName)
        try workspace.record(.forced(held))
        do {
            _ = try workspace.savepoint { try apply(held.change, origin: held.origin, forced: true) }
        } catch let problem as EntityProblem {
            try workspace.record(.failed(origin: held.origin, problem: problem))
        }
    }

    private func dropsForcedCreate(_ held: HeldChange) throws -> Bool {
        guard let dataset = try workspace.dataset(named: held.change.datasetName) else { return false }
        return ApprovalRule.dropsForcedCreate(
            approvalRequired: dataset.approvalRequired, event: held.origin.event,
            entityExists: try workspace.entity(uuid: held.change.uuid, in: dataset) != nil)
    }

    /// One entity action per submission: a held block whose submission has since made an entity version
    /// from another of its versions (an edit) is taken off the backlog and does nothing. Forced, it is also
    /// skipped when another block of its own version made one without being forced: Central forces a whole
    /// held submission at once, and skips it when it made an entity. Released by its predecessor, it applies
    /// (Central would re-run the whole submission and drop it; the README lists this).
    private func submissionMadeEntityVersion(_ held: HeldChange, releasing: Bool) throws -> Bool {
        guard case .submission(let submissionId, let defId, _, _) = held.origin.source else { return false }
        return try workspace.submissionMadeEntityVersion(
            submissionId, leavingOut: releasing ? .madeBy(defId: defId) : .forcedFrom(defId: defId))
    }

    public func apply(_ change: EntityChange, origin: ChangeOrigin, forced: Bool) throws -> Outcome {
        guard let dataset = try workspace.dataset(named: change.datasetName) else {
            throw EntityProblem.datasetNotFound(change.datasetName)
        }
        if change.wantsUpdate && change.formAllowsUpdate {
            do {
                return try update(change, in: dataset, origin: origin, forced: forced)
            } catch let problem as EntityProblem where Self.fallsBackToCreate(problem) && (change.wantsCreate || forced) {
                let canCreate = change.wantsCreate && change.formAllowsCreate
                return try create(change, in: dataset, origin: origin, as: canCreate ? .create : .updateAsCreate, forced: forced)
            }
        }
        if change.wantsCreate {
            guard change.formAllowsCreate else { throw EntityProblem.actionNotPermitted("create", permitted: permitted(change)) }
            return try create(change, in: dataset, origin: origin, as: .create, forced: forced)
        }
        if change.wantsUpdate { throw EntityProblem.actionNotPermitted("update", permitted: permitted(change)) }
        return .skipped
    }

    /// An update that finds no entity, or an upsert sent without a base version, may create instead.
    static func fallsBackToCreate(_ problem: EntityProblem) -> Bool {
        problem.code == 404.8 || (problem.code == 400.2 && problem.details["field"] == "baseVersion")
    }

    private func permitted(_ change: EntityChange) -> [String] {
        (change.formAllowsCreate ? ["create"] : []) + (change.formAllowsUpdate ? ["update"] : [])
    }

    private func create(_ change: EntityChange, in dataset: DatasetRef, origin: ChangeOrigin, as appliedAs: AppliedAs, forced: Bool)
        throws -> Outcome
    {
        // Validated as a create (label) before the "made by a forced update" fallback, as Central does.
        guard let label = change.label ?? (appliedAs == .updateAsCreate || forced ? "auto generated" : nil) else {
            throw EntityProblem.missingParameter("label")
        }
        if let existing = try workspace.entity(uuid: change.uuid, in: dataset) {
            if existing.deleted { throw EntityProblem.uuidOfDeletedEntity(change.uuid) }
            if appliedAs == .create, let first = try workspace.version(1, of: existing), first.appliedAs == .updateAsCreate {
                return try createAsUpdate(change, entity: existing, origin: origin)
            }
            throw EntityProblem.uuidTaken(change.uuid)
        }
        let first = NewVersion(
            version: 1, baseVersion: nil, branchId: change.branchId, trunkVersion: change.trunkVersion,
            branchBaseVersion: change.branchId == nil ? nil : change.baseVersion, label: label, data: change.properties,
            dataReceived: change.dataReceived, conflict: nil, conflictingProperties: nil, appliedAs: appliedAs, forced: forced)
        let entity = try workspace.createEntity(uuid: change.uuid, in: dataset, first: first, origin: origin)
        try workspace.record(.created(entity, version: 1, origin: origin))
        return .applied(entity, version: 1)
    }

    /// A create that arrives after forced processing already made its entity lands as an update on top,
    /// marked as a conflict: its values are older than the updates applied before it.
    private func createAsUpdate(_ change: EntityChange, entity: EntityRef, origin: ChangeOrigin) throws -> Outcome {
        guard let current = try workspace.version(entity.currentVersion, of: entity) else {
            throw EntityProblem.entityNotFound(change.uuid, dataset: change.datasetName)
        }
        // The create's values are older than the forced updates already applied: a property (or the label)
        // it sets that the server holds with another value is a hard conflict.
        let conflicting = ConflictRule.receivedNamesLabelLast(change.dataReceived).filter { name in
            current.dataWithLabel[name].map { $0 != change.dataReceived[name] } ?? false
        }
        let conflict = ConflictRule.conflict(forStaleBase: conflicting)
        let version = NewVersion(
            version: current.version + 1, baseVersion: current.version, branchId: change.branchId,
            trunkVersion: change.trunkVersion, branchBaseVersion: change.branchId == nil ? nil : change.baseVersion,
            label: change.label ?? current.label, data: current.data.merging(change.properties),
            dataReceived: change.dataReceived, conflict: conflict, conflictingProperties: conflicting,
            appliedAs: .createAsUpdate, forced: false)
        let updated = try workspace.appendVersion(
            version, to: entity, entityConflict: ConflictRule.entityConflict(entity.conflict, conflict), origin: origin)
        try workspace.record(.updated(updated, version: version.version, conflict: version.conflict, origin: origin))
        return .applied(updated, version: version.version)
    }

    private func update(_ change: EntityChange, in dataset: DatasetRef, origin: ChangeOrigin, forced: Bool) throws -> Outcome {
        guard let baseVersion = change.baseVersion else { throw EntityProblem.missingParameter("baseVersion") }
        let entity = try workspace.entity(uuid: change.uuid, in: dataset)
        if let entity, entity.deleted { throw EntityProblem.entityDeleted(change.uuid) }
        if entity == nil && change.wantsCreate && change.formAllowsCreate {
            // An upsert whose entity does not exist creates it rather than waiting in the backlog.
            throw EntityProblem.entityNotFound(change.uuid, dataset: dataset.name)
        }
        if let entity, let trunk = change.trunkVersion, trunk > entity.currentVersion {
            throw EntityProblem.versionNotFound("trunkVersion=\(trunk)", uuid: change.uuid, dataset: dataset.name)
        }

        var base: StoredVersion?
        if let entity {
            switch BaseVersionRule.lookup(baseVersion: baseVersion, trunkVersion: change.trunkVersion, branchId: change.branchId) {
            case .version(let number): base = try workspace.version(number, of: entity)
            case .branch(let id, let branchBase, let trunk):
                base = try workspace.version(branchId: id, branchBaseVersion: branchBase, after: trunk, of: entity)
            }
        }
        if base == nil {
            guard change.branchId != nil else {
                guard entity != nil else { throw EntityProblem.entityNotFound(change.uuid, dataset: dataset.name) }
                throw EntityProblem.versionNotFound(String(baseVersion), uuid: change.uuid, dataset: dataset.name)
            }
            if !forced {
                let held = HeldChange(change: change, origin: origin, datasetId: dataset.id)
                try workspace.hold(held)
                try workspace.record(.held(held))
                return .held
            }
            guard let entity else { throw EntityProblem.entityNotFound(change.uuid, dataset: dataset.name) }
            base = try workspace.version(entity.currentVersion, of: entity)
        }
        guard let entity, let base, let current = try workspace.version(entity.currentVersion, of: entity) else {
            throw EntityProblem.entityNotFound(change.uuid, dataset: dataset.name)
        }

        var conflict: Conflict?
        var conflicting: [String]?
        if base.version != current.version {
            let names = ConflictRule.conflictingProperties(received: change.dataReceived, base: base, current: current)
            conflicting = names
            conflict = ConflictRule.conflict(forStaleBase: names)
        } else if let branchId = change.branchId {
            let later = try workspace.branchIds(of: entity, after: change.trunkVersion ?? 1)
            if ConflictRule.branchIsInterrupted(branchId: branchId, laterBranchIds: later) {
                conflict = .soft
            }
        }
        let version = NewVersion(
            version: current.version + 1, baseVersion: base.version, branchId: change.branchId,
            trunkVersion: change.trunkVersion, branchBaseVersion: change.branchId == nil ? nil : baseVersion,
            label: change.label ?? current.label, data: current.data.merging(change.properties),
            dataReceived: change.dataReceived, conflict: conflict, conflictingProperties: conflicting, appliedAs: .update,
            forced: forced)
        let updated = try workspace.appendVersion(
            version, to: entity, entityConflict: ConflictRule.entityConflict(entity.conflict, conflict), origin: origin)
        try workspace.record(.updated(updated, version: version.version, conflict: version.conflict, origin: origin))
        return .applied(updated, version: version.version)
    }
}
