import Testing

@testable import Entities

@Suite struct BaseVersionRuleTests {
    @Test func updateWithoutBranchBuildsOnTheServerVersionItNames() {
        #expect(BaseVersionRule.lookup(baseVersion: 4, trunkVersion: nil, branchId: nil) == .version(4))
    }

    @Test func firstUpdateOfABranchBuildsOnItsTrunk() {
        #expect(BaseVersionRule.lookup(baseVersion: 3, trunkVersion: 3, branchId: "b") == .version(3))
        #expect(BaseVersionRule.lookup(baseVersion: 1, trunkVersion: nil, branchId: "b") == .version(1))
    }

    /// The branch's earlier update was applied after the trunk existed, so only later versions are searched.
    @Test func laterUpdateOfABranchBuildsOnTheBranchsPreviousUpdateAfterTheTrunk() {
        #expect(BaseVersionRule.lookup(baseVersion: 5, trunkVersion: 3, branchId: "b") == .branch(id: "b", branchBaseVersion: 4, after: 3))
        #expect(
            BaseVersionRule.lookup(baseVersion: 2, trunkVersion: nil, branchId: "b") == .branch(id: "b", branchBaseVersion: 1, after: 0))
    }
}
