import Testing

@testable import Entities
import EntityScenarios

/// An edited submission (a new version with `deprecatedID`) runs its entity blocks again, under the edit rule.
@Suite struct EditRuleTests {
    @Test func editResendingTheCreateLeavesTheEntityAlone() throws {
        let harness = EngineHarness()
        try harness.submit(Changes.create([("height", "1")]))
        try harness.edit(submission: 1, [Changes.create([("height", "2")])])
        #expect(harness.versions.map(\.version) == [1])
        #expect(harness.versions.first?.data == EntityProperties([("height", "1")]))
        #expect(harness.errors == [])
    }

    @Test func editAskingForAnUpdateMakesANewVersion() throws {
        let harness = EngineHarness()
        try harness.submit(Changes.create([("height", "1")]))
        try harness.edit(submission: 1, [Changes.update(base: 1, [("height", "2")])])
        #expect(harness.versions.map(\.version) == [1, 2])
        #expect(harness.versions.last?.data == EntityProperties([("height", "2")]))
    }

    @Test func editCreatesAnEntityTheSubmissionHadNotMadeBefore() throws {
        let harness = EngineHarness()
        try harness.submit(Changes.create([("height", "1")]))
        let other = "e7000000-0000-4000-8000-000000000002"
        try harness.edit(submission: 1, [Changes.create([("height", "5")], uuid: other)])
        #expect(harness.workspace.entities[other]?.versions.map(\.version) == [1])
    }

    /// A block left alone by the rule is not counted in the failure of the others (Central's 400.43 total).
    @Test func blocksLeftAloneDoNotCountInASeveralBlockFailure() throws {
        let harness = EngineHarness()
        try harness.submit(Changes.create([("height", "1")]))
        let missing = "e7000000-0000-4000-8000-00000000000f"
        try harness.edit(
            submission: 1,
            [Changes.create([("height", "2")]), Changes.update(missing, base: 1, [("height", "3")])])
        #expect(harness.errors.map(\.code) == [404.8], "the one block considered fails on its own, not as 400.43")
    }
}
