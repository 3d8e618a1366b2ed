import Entities
import EntityScenarios

/// Drives the entity rules on an in-memory workspace, one submission at a time.
final class EngineHarness {
    static let trees = DatasetRef(id: 1, name: "trees", approvalRequired: false)
    static let tree = Changes.tree
    static let branchA = Changes.branchA

    let workspace: InMemoryEntityWorkspace
    var processor: EntityProcessor<InMemoryEntityWorkspace> { EntityProcessor(workspace: workspace) }
    private var submissions: Int64 = 0

    init(approvalRequired: Bool = false) {
        var trees = Self.trees
        trees.approvalRequired = approvalRequired
        workspace = InMemoryEntityWorkspace(datasets: [trees])
    }

    /// Sends one submission carrying `changes` as its blocks, as a phone would.
    func submit(_ changes: EntityChange...) throws {
        submissions += 1
        try send(changes, submission: submissions, instanceId: "uuid:s\(submissions)", event: "submission.create")
    }

    /// Sends a new version of an earlier submission (an edit), carrying `changes` as its blocks.
    func edit(submission: Int64, _ changes: [EntityChange]) throws {
        submissions += 1
        try send(changes, submission: submission, instanceId: "uuid:e\(submissions)", event: "submission.update.version")
    }

    /// The submission version numbered `submissions`, of `submission`.
    private func send(_ changes: [EntityChange], submission: Int64, instanceId: String, event: String) throws {
        let origins = changes.indices.map { index in
            ChangeOrigin(
                source: .submission(submissionId: submission, submissionDefId: submissions, instanceId: instanceId, blockIndex: index),
                actorId: 1, userAgent: "test", receivedAt: "t\(submissions)", event: event)
        }
        try processor.applySubmission(changes.map { .success($0) }, origins: origins, approved: true)
    }

    /// The backlog sweep with `force=true`: every held change, by branch then branch base version.
    func forceAll() throws {
        let held = workspace.backlog.sorted(by: BacklogRule.forcedFirst)
        for change in held { try processor.force(change) }
    }

    /// A reviewer clears the conflict.
    func resolve(_ uuid: String = tree) throws {
        try processor.resolve(uuid: uuid, datasetName: "trees", actorId: 1)
    }

    var versions: [StoredVersion] { workspace.entities[Self.tree]?.versions ?? [] }
    var entity: EntityRef? { workspace.entities[Self.tree]?.ref }

    var errors: [EntityProblem] {
        workspace.events.compactMap { if case .failed(_, let problem) = $0 { return problem } else { return nil } }
    }
}
