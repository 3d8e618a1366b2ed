import Testing

@testable import Entities
import EntityScenarios

/// Where a dataset requires approval, only an approval creates entities: forcing a held update whose
/// entity never arrived drops it instead of making the entity (Central's getodk/central#811).
@Suite struct ForcedCreateUnderApprovalTests {
    static let missing = "e7000000-0000-4000-8000-0000000000dd"
    static let branch = "b0000000-0000-4000-8000-00000000000d"

    func heldUpdateOfAMissingEntity(approvalRequired: Bool) throws -> EngineHarness {
        let harness = EngineHarness(approvalRequired: approvalRequired)
        try harness.submit(Changes.update(Self.missing, base: 1, trunk: 1, branch: Self.branch, [("height", "3")]))
        #expect(harness.workspace.backlog.count == 1)
        try harness.forceAll()
        #expect(harness.workspace.backlog.isEmpty)
        return harness
    }

    @Test func forcedUpdateOfAMissingEntityCreatesNothingWhereApprovalIsRequired() throws {
        let harness = try heldUpdateOfAMissingEntity(approvalRequired: true)
        #expect(harness.workspace.entities[Self.missing] == nil)
        #expect(harness.errors == [], "dropping it is not an error")
    }

    @Test func replayAgreesThatTheDroppedChangeMadeNothing() throws {
        let harness = try heldUpdateOfAMissingEntity(approvalRequired: true)
        // As the input log stores them: by kind and JSON.
        let stored = harness.workspace.inputs(of: Self.missing).compactMap { EntityInput(kind: $0.kind, json: $0.json) }
        #expect(stored == harness.workspace.inputs(of: Self.missing))
        let replay = Replay.run(stored, uuid: Self.missing, dataset: EngineHarness.trees)
        #expect(replay.entity == nil && replay.versions.isEmpty)
    }

    @Test func withoutApprovalTheForcedUpdateCreatesTheEntity() throws {
        let harness = try heldUpdateOfAMissingEntity(approvalRequired: false)
        #expect(harness.workspace.entities[Self.missing]?.versions.map(\.label) == ["auto generated"])
    }

    @Test func aChangeReleasedByAnApprovalMayStillCreateWhenForced() {
        #expect(!ApprovalRule.dropsForcedCreate(approvalRequired: true, event: ApprovalRule.releaseEvent, entityExists: false))
        #expect(!ApprovalRule.dropsForcedCreate(approvalRequired: true, event: "submission.create", entityExists: true))
        #expect(ApprovalRule.dropsForcedCreate(approvalRequired: true, event: "submission.create", entityExists: false))
    }
}
