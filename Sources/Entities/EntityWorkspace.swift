/// The state the entity rules read and the writes they ask for, inside one transaction.
///
/// `Store` implements it on SQLite for live processing; a replay can implement it in memory,
/// so both run the same decisions.
public protocol EntityWorkspace: AnyObject {
    func dataset(named name: String) throws -> DatasetRef?
    /// The entity with this UUID in the dataset, deleted ones included.
    func entity(uuid: String, in dataset: DatasetRef) throws -> EntityRef?
    func version(_ number: Int, of entity: EntityRef) throws -> StoredVersion?
    /// The first version after `after` that an offline branch made from its own update `branchBaseVersion`.
    func version(branchId: String, branchBaseVersion: Int, after: Int, of entity: EntityRef) throws -> StoredVersion?
    /// The branch of each version after `number`, in version order (nil for versions from no branch).
    func branchIds(of entity: EntityRef, after number: Int) throws -> [String?]
    /// The held change that continues a branch: with `branchId` nil, any branch's change with that base on the entity.
    func nextHeld(entityUuid: String, datasetId: Int64, branchId: String?, branchBaseVersion: Int) throws -> HeldChange?

    func createEntity(uuid: String, in dataset: DatasetRef, first version: NewVersion, origin: ChangeOrigin) throws -> EntityRef
    func appendVersion(_ version: NewVersion, to entity: EntityRef, entityConflict: Conflict?, origin: ChangeOrigin) throws -> EntityRef
    func hold(_ held: HeldChange) throws
    /// A reviewer cleared the entity's conflict: everything up to its current version counts as reviewed.
    func markResolved(_ entity: EntityRef) throws
    func markDeleted(_ entity: EntityRef) throws
    /// Keeps a create whose dataset requires approval until a reviewer approves its submission.
    func deferForApproval(_ change: EntityChange, origin: ChangeOrigin) throws
    /// Removes a held change from the backlog; false when something else took it first.
    func take(_ held: HeldChange) throws -> Bool
    /// Whether a version of this submission already made an entity version, leaving out `leftOut`.
    func submissionMadeEntityVersion(_ submissionId: Int64, leavingOut leftOut: SubmissionVersionsLeftOut) throws -> Bool
    /// Whether a block of this submission is held in the backlog.
    func submissionIsHeld(_ submissionId: Int64) throws -> Bool
    /// Records that this block of this submission version has been processed; false when it already was.
    func claim(_ origin: ChangeOrigin) throws -> Bool
    func record(_ event: EntityEvent) throws
    /// Appends to the entity's input log, which replay runs again.
    func logInput(_ input: EntityInput, entityUuid: String, datasetName: String) throws
    /// Runs `body` so that a failure undoes only what `body` wrote.
    func savepoint<T>(_ body: () throws -> T) throws -> T
}

public enum Conflict: String, Sendable, Comparable {
    case soft, hard

    public static func < (lhs: Conflict, rhs: Conflict) -> Bool { lhs == .soft && rhs == .hard }
}

/// Which entity versions of a submission do not count when asking whether it already made one.
public enum SubmissionVersionsLeftOut: Sendable, Equatable {
    case none
    /// Those made by this submission version (the one asking).
    case madeBy(defId: Int64)
    /// Those forced from this submission version's other held blocks.
    case forcedFrom(defId: Int64)
}

/// How a version came to be: usually as asked, sometimes by the fallbacks of forced processing.
public enum AppliedAs: String, Sendable {
    case create, update
    /// A forced update whose entity did not exist yet.
    case updateAsCreate = "update-as-create"
    /// A create that arrived after a forced update had already made the entity.
    case createAsUpdate = "create-as-update"
}

public struct DatasetRef: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var approvalRequired: Bool

    public init(id: Int64, name: String, approvalRequired: Bool) {
        self.id = id
        self.name = name
        self.approvalRequired = approvalRequired
    }
}

public struct EntityRef: Sendable, Equatable {
    public var id: Int64
    public var uuid: String
    public var datasetId: Int64
    public var conflict: Conflict?
    public var deleted: Bool
    public var currentVersion: Int

    public init(id: Int64, uuid: String, datasetId: Int64, conflict: Conflict?, deleted: Bool, currentVersion: Int) {
        self.id = id
        self.uuid = uuid
        self.datasetId = datasetId
        self.conflict = conflict
        self.deleted = deleted
        self.currentVersion = currentVersion
    }
}

/// A version as stored.
public struct StoredVersion: Sendable, Equatable {
    public var version: Int
    public var baseVersion: Int?
    public var branchId: String?
    public var trunkVersion: Int?
    public var branchBaseVersion: Int?
    public var label: String
    public var data: EntityProperties
    public var dataReceived: EntityProperties
    public var conflict: Conflict?
    public var conflictingProperties: [String]?
    public var appliedAs: AppliedAs
    public var forced: Bool

    public init(
        version: Int, baseVersion: Int?, branchId: String?, trunkVersion: Int?, branchBaseVersion: Int?, label: String,
        data: EntityProperties, dataReceived: EntityProperties, conflict: Conflict?, conflictingProperties: [String]?,
        appliedAs: AppliedAs, forced: Bool
    ) {
        self.version = version
        self.baseVersion = baseVersion
        self.branchId = branchId
        self.trunkVersion = trunkVersion
        self.branchBaseVersion = branchBaseVersion
        self.label = label
        self.data = data
        self.dataReceived = dataReceived
        self.conflict = conflict
        self.conflictingProperties = conflictingProperties
        self.appliedAs = appliedAs
        self.forced = forced
    }

    /// The data with the label beside it, as diffs and conflicts compare them.
    public var dataWithLabel: EntityProperties {
        var all = data
        all["label"] = label
        return all
    }
}

/// A version the rules decided to write; its number is the entity's next one.
public typealias NewVersion = StoredVersion

/// Where a change came from.
public struct ChangeOrigin: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        case submission(submissionId: Int64, submissionDefId: Int64, instanceId: String, blockIndex: Int)
        case api

        /// The submission this came from; nil for the API.
        public var submissionId: Int64? {
            if case .submission(let id, _, _, _) = self { id } else { nil }
        }
    }

    public var source: Source
    public var actorId: Int64?
    public var userAgent: String?
    /// When the submission (or request) was received.
    public var receivedAt: String
    /// The submission event that triggered processing (`submission.create`, `submission.update.version`, ...).
    public var event: String
    /// The audit row that logged `event`; nil for API changes.
    public var eventId: Int64?
    /// What an API client said of where the data came from (a bulk upload's file name and size).
    public var details: JSONObject?

    public init(
        source: Source, actorId: Int64?, userAgent: String?, receivedAt: String, event: String, eventId: Int64? = nil,
        details: JSONObject? = nil
    ) {
        self.source = source
        self.actorId = actorId
        self.userAgent = userAgent
        self.receivedAt = receivedAt
        self.event = event
        self.eventId = eventId
        self.details = details
    }
}

/// A change waiting in the backlog for the version its branch builds on.
public struct HeldChange: Sendable, Equatable {
    public var change: EntityChange
    public var origin: ChangeOrigin
    public var datasetId: Int64

    public init(change: EntityChange, origin: ChangeOrigin, datasetId: Int64) {
        self.change = change
        self.origin = origin
        self.datasetId = datasetId
    }

    public var branchId: String? { change.branchId }
    public var branchBaseVersion: Int { change.baseVersion ?? 1 }
}

/// What happened, for the audit log.
public enum EntityEvent: Sendable, Equatable {
    case created(EntityRef, version: Int, origin: ChangeOrigin)
    /// `conflict` is the new version's own conflict.
    case updated(EntityRef, version: Int, conflict: Conflict?, origin: ChangeOrigin)
    case held(HeldChange)
    /// A held change released because the version before it arrived; `by` is what released it.
    case reprocessed(HeldChange, by: ChangeOrigin)
    case forced(HeldChange)
    case failed(origin: ChangeOrigin, problem: EntityProblem)
    case resolved(EntityRef, version: Int, actorId: Int64?)
    case deleted(EntityRef, actorId: Int64?)
}
