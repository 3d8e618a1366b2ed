import Testing

@testable import Entities
import EntityScenarios

@Suite struct BacklogRuleTests {
    func held(branch: String?, base: Int) -> HeldChange {
        let origin = ChangeOrigin(source: .api, actorId: nil, userAgent: nil, receivedAt: "t", event: "api")
        return HeldChange(
            change: Changes.update(base: base, branch: branch, [("height", "1")]), origin: origin, datasetId: 1)
    }

    @Test func forcedChangesGoBranchByBranchEachFromItsEarliestUpdate() {
        let backlog = [held(branch: "b", base: 3), held(branch: "a", base: 4), held(branch: "b", base: 2), held(branch: "a", base: 2)]
        let order = backlog.sorted(by: BacklogRule.forcedFirst).map { "\($0.branchId ?? "-")\($0.branchBaseVersion)" }
        #expect(order == ["a2", "a4", "b2", "b3"])
    }

    @Test func changesOfDeletedSubmissionsOrFormsAreDropped() {
        #expect(BacklogRule.disposition(submissionDeleted: false, formDeleted: false) == .force)
        #expect(BacklogRule.disposition(submissionDeleted: true, formDeleted: false) == .drop(reason: "submission deleted"))
        #expect(BacklogRule.disposition(submissionDeleted: false, formDeleted: true) == .drop(reason: "form deleted"))
    }
}
