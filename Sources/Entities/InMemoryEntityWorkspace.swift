/// A workspace held in memory: the same rules as live processing, with nothing stored.
/// Replays and the rule tests run on it.
public final class InMemoryEntityWorkspace: EntityWorkspace {
    public struct Entity: Equatable, Sendable {
        public var ref: EntityRef
        public var versions: [StoredVersion]
        /// Where each version came from, in the same order.
        public var origins: [ChangeOrigin]
        public var resolvedThrough: Int?
    }

    struct State {
        var datasets: [String: DatasetRef] = [:]
        var entities: [String: Entity] = [:]
        var backlog: [HeldChange] = []
        var pending: [(change: EntityChange, origin: ChangeOrigin)] = []
        var claims: Set<String> = []
        var events: [EntityEvent] = []
        var inputs: [(uuid: String, input: EntityInput)] = []
        var nextEntityId: Int64 = 1
    }

    private var state = State()

    public init(datasets: [DatasetRef]) {
        for dataset in datasets { state.datasets[dataset.name] = dataset }
    }

    public var entities: [String: Entity] { state.entities }
    public var backlog: [HeldChange] { state.backlog }
    /// Changes waiting for their submission's approval.
    public var pending: [(change: EntityChange, origin: ChangeOrigin)] { state.pending }
    public var events: [EntityEvent] { state.events }

    /// The input log of one entity, oldest first.
    public func inputs(of uuid: String) -> [EntityInput] { state.inputs.filter { $0.uuid == uuid }.map(\.input) }

    public func markDeleted(_ entity: EntityRef) throws {
        state.entities[entity.uuid]?.ref.deleted = true
    }

    public func markResolved(_ entity: EntityRef) throws {
        guard let current = state.entities[entity.uuid]?.ref.currentVersion else { return }
        state.entities[entity.uuid]?.ref.conflict = nil
        state.entities[entity.uuid]?.resolvedThrough = current
    }

    public func dataset(named name: String) throws -> DatasetRef? { state.datasets[name] }

    public func entity(uuid: String, in dataset: DatasetRef) throws -> EntityRef? {
        state.entities[uuid].flatMap { $0.ref.datasetId == dataset.id ? $0.ref : nil }
    }

    public func version(_ number: Int, of entity: EntityRef) throws -> StoredVersion? {
        state.entities[entity.uuid]?.versions.first { $0.version == number }
    }

    public func version(branchId: String, branchBaseVersion: Int, after: Int, of entity: EntityRef) throws -> StoredVersion? {
        state.entities[entity.uuid]?.versions.first {
            $0.version > after && $0.branchId == branchId && $0.branchBaseVersion == branchBaseVersion
        }
    }

    public func branchIds(of entity: EntityRef, after number: Int) throws -> [String?] {
        state.entities[entity.uuid]?.versions.filter { $0.version > number }.map(\.branchId) ?? []
    }

    public func nextHeld(entityUuid: String, datasetId: Int64, branchId: String?, branchBaseVersion: Int) throws -> HeldChange? {
        state.backlog.first {
            $0.datasetId == datasetId && $0.change.uuid == entityUuid && $0.branchBaseVersion == branchBaseVersion
                && (branchId == nil || $0.branchId == branchId)
        }
    }

    public func createEntity(uuid: String, in dataset: DatasetRef, first version: NewVersion, origin: ChangeOrigin) throws -> EntityRef {
        let ref = EntityRef(id: state.nextEntityId, uuid: uuid, datasetId: dataset.id, conflict: nil, deleted: false, currentVersion: 1)
        state.nextEntityId += 1
        state.entities[uuid] = Entity(ref: ref, versions: [version], origins: [origin], resolvedThrough: nil)
        return ref
    }

    public func appendVersion(_ version: NewVersion, to entity: EntityRef, entityConflict: Conflict?, origin: ChangeOrigin) throws
        -> EntityRef
    {
        guard var stored = state.entities[entity.uuid] else { return entity }
        stored.versions.append(version)
        stored.origins.append(origin)
        stored.ref.currentVersion = version.version
        stored.ref.conflict = entityConflict
        state.entities[entity.uuid] = stored
        return stored.ref
    }

    public func hold(_ held: HeldChange) throws {
        state.backlog.append(held)
    }

    public func deferForApproval(_ change: EntityChange, origin: ChangeOrigin) throws {
        guard !state.pending.contains(where: { $0.origin == origin }) else { return }
        state.pending.append((change, origin))
    }

    public func take(_ held: HeldChange) throws -> Bool {
        guard let index = state.backlog.firstIndex(where: { $0.origin == held.origin }) else { return false }
        state.backlog.remove(at: index)
        return true
    }

    public func submissionMadeEntityVersion(_ submissionId: Int64, leavingOut leftOut: SubmissionVersionsLeftOut) throws -> Bool {
        state.entities.values.contains { entity in
            zip(entity.versions, entity.origins).contains { version, origin in
                guard case .submission(let id, let defId, _, _) = origin.source, id == submissionId else { return false }
                switch leftOut {
                case .none: return true
                case .madeBy(let asking): return defId != asking
                case .forcedFrom(let asking): return defId != asking || !version.forced
                }
            }
        }
    }

    public func submissionIsHeld(_ submissionId: Int64) throws -> Bool {
        state.backlog.contains { $0.origin.source.submissionId == submissionId }
    }

    public func claim(_ origin: ChangeOrigin) throws -> Bool {
        guard case .submission(_, let defId, _, let index) = origin.source else { return true }
        return state.claims.insert("\(defId)/\(index)").inserted
    }

    public func record(_ event: EntityEvent) throws { state.events.append(event) }

    public func logInput(_ input: EntityInput, entityUuid: String, datasetName: String) throws {
        state.inputs.append((entityUuid, input))
    }

    public func savepoint<T>(_ body: () throws -> T) throws -> T {
        let saved = state
        do {
            return try body()
        } catch {
            state = saved
            throw error
        }
    }
}
