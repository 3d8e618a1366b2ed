import Entities

/// Drives the entity rules on an in-memory workspace, one submission at a time.
final class EngineHarness {
    static let trees = DatasetRef(id: 1, name: "trees", approvalRequired: false)
    static let tree = "e7000000-0000-4000-8000-000000000001"
    static let branchA = "b7a0c0de-0000-4000-8000-00000000000a"
    static let branchB = "b7a0c0de-0000-4000-8000-00000000000b"

    let workspace = InMemoryEntityWorkspace(datasets: [EngineHarness.trees])
    var processor: EntityProcessor<InMemoryEntityWorkspace> { EntityProcessor(workspace: workspace) }
    private var submissions: Int64 = 0

    /// Sends one submission carrying `change`, as a phone would.
    func submit(_ change: EntityChange) throws {
        submissions += 1
        let origin = ChangeOrigin(
            source: .submission(submissionId: submissions, submissionDefId: submissions, instanceId: "uuid:s\(submissions)", blockIndex: 0),
            actorId: 1, userAgent: "test", receivedAt: "t\(submissions)", event: "submission.create")
        try processor.applySubmission([.success(change)], origins: [origin], approved: true)
    }

    /// The backlog sweep with `force=true`: every held change, by branch then branch base version.
    func forceAll() throws {
        let held = workspace.backlog.sorted {
            ($0.branchId ?? "", $0.branchBaseVersion) < ($1.branchId ?? "", $1.branchBaseVersion)
        }
        for change in held { try processor.force(change) }
    }

    var versions: [StoredVersion] { workspace.entities[Self.tree]?.versions ?? [] }
    var entity: EntityRef? { workspace.entities[Self.tree]?.ref }

    var errors: [EntityProblem] {
        workspace.events.compactMap { if case .failed(_, let problem) = $0 { return problem } else { return nil } }
    }

    static func create(_ properties: [(String, String)], uuid: String = tree, label: String? = "Oak", branch: String? = nil)
        -> EntityChange
    {
        EntityChange(
            uuid: uuid, datasetName: "trees", label: label, properties: EntityProperties(properties), wantsCreate: true,
            wantsUpdate: false, baseVersion: nil, trunkVersion: nil, branchId: branch, formAllowsCreate: true, formAllowsUpdate: false)
    }

    static func update(
        _ uuid: String = tree, base: Int, trunk: Int? = nil, branch: String? = nil, label: String? = nil, _ properties: [(String, String)]
    ) -> EntityChange {
        EntityChange(
            uuid: uuid, datasetName: "trees", label: label, properties: EntityProperties(properties), wantsCreate: false,
            wantsUpdate: true, baseVersion: base, trunkVersion: trunk, branchId: branch, formAllowsCreate: false, formAllowsUpdate: true)
    }
}

/// The fields of a version a scenario pins.
struct ExpectedVersion: Equatable, CustomStringConvertible {
    var version: Int
    var base: Int?
    var branch: String?
    var trunk: Int?
    var branchBase: Int?
    var conflict: Conflict?
    var data: [String: String]
    var label: String

    init(_ version: Int, base: Int?, branch: String? = nil, trunk: Int? = nil, branchBase: Int? = nil, conflict: Conflict? = nil,
         _ data: [String: String], label: String = "Oak")
    {
        self.version = version
        self.base = base
        self.branch = branch
        self.trunk = trunk
        self.branchBase = branchBase
        self.conflict = conflict
        self.data = data
        self.label = label
    }

    init(_ stored: StoredVersion) {
        self.init(
            stored.version, base: stored.baseVersion, branch: stored.branchId, trunk: stored.trunkVersion,
            branchBase: stored.branchBaseVersion, conflict: stored.conflict,
            Dictionary(uniqueKeysWithValues: stored.data.pairs.map { ($0.name, $0.value) }), label: stored.label)
    }

    var description: String {
        "v\(version) base \(base.map(String.init) ?? "-") branch \(branch?.suffix(1) ?? "-") trunk \(trunk.map(String.init) ?? "-") bbv \(branchBase.map(String.init) ?? "-") \(conflict?.rawValue ?? "ok") \(data.sorted { $0.key < $1.key }) \(label)"
    }
}
