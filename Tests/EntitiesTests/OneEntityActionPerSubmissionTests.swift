import Testing

@testable import Entities
import EntityScenarios

/// One entity action per submission: an edited submission (a new version with `deprecatedID`) does entity
/// work only if no version of it has made an entity version yet, as in Central.
@Suite struct OneEntityActionPerSubmissionTests {
    @Test func editResendingTheCreateLeavesTheEntityAlone() throws {
        let harness = EngineHarness()
        try harness.submit(Changes.create([("height", "1")]))
        try harness.edit(submission: 1, [Changes.create([("height", "2")])])
        #expect(harness.versions.map(\.version) == [1])
        #expect(harness.versions.first?.data == EntityProperties([("height", "1")]))
        #expect(harness.errors == [])
    }

    @Test func editAskingForAnUpdateAfterTheSubmissionCreatedDoesNothing() throws {
        let harness = EngineHarness()
        try harness.submit(Changes.create([("height", "1")]))
        try harness.edit(submission: 1, [Changes.update(base: 1, [("height", "2")])])
        #expect(harness.versions.map(\.version) == [1])
        #expect(harness.errors == [], "doing nothing is not an error")
    }

    @Test func editDoesNotCreateASecondEntityWithANewUUID() throws {
        let harness = EngineHarness()
        try harness.submit(Changes.create([("height", "1")]))
        let other = "e7000000-0000-4000-8000-000000000002"
        try harness.edit(submission: 1, [Changes.create([("height", "5")], uuid: other)])
        #expect(harness.workspace.entities[other] == nil)
    }

    @Test func editOfASubmissionWhoseEntityWorkFailedTriesAgain() throws {
        let harness = EngineHarness()
        let missing = "e7000000-0000-4000-8000-00000000000f"
        try harness.submit(Changes.update(missing, base: 1, [("height", "3")]))
        #expect(harness.errors.map(\.code) == [404.8])
        try harness.edit(submission: 1, [Changes.create([("height", "2")], uuid: missing)])
        #expect(harness.workspace.entities[missing]?.versions.map(\.version) == [1])
    }

    @Test func heldBlockWhoseSubmissionWasEditedIntoAnEntityIsSkippedWhenForced() throws {
        let harness = EngineHarness()
        try harness.submit(Changes.create([("height", "1")]))
        let branch = "b0000000-0000-4000-8000-00000000000b"
        try harness.submit(Changes.update(base: 2, trunk: 1, branch: branch, [("height", "3")]))
        #expect(harness.workspace.backlog.count == 1)
        // Central's own rule: while a block of it is held, an edit does no entity work either.
        try harness.edit(submission: 2, [Changes.update(base: 1, [("height", "4")])])
        #expect(harness.versions.map(\.version) == [1])
        try harness.forceAll()
        #expect(harness.versions.map(\.version) == [1, 2])
        #expect(harness.versions.last?.data == EntityProperties([("height", "3")]))
    }

    @Test func forcedBlockIsSkippedWhenAnotherBlockOfItsSubmissionMadeAnEntity() throws {
        let harness = EngineHarness()
        let unknown = "e7000000-0000-4000-8000-00000000000a"
        let branch = "b0000000-0000-4000-8000-00000000000b"
        try harness.submit(
            Changes.update(unknown, base: 1, trunk: nil, branch: branch, [("height", "9")]), Changes.create([("height", "1")]))
        #expect(harness.workspace.backlog.count == 1)
        #expect(harness.versions.map(\.version) == [1])
        try harness.forceAll()
        #expect(harness.workspace.backlog.isEmpty)
        #expect(harness.workspace.entities[unknown] == nil, "Central: a forced submission that already made an entity does nothing")
    }

    @Test func aForcedBlockSkippedForItsSubmissionsOtherEntityIsSkippedByReplayToo() throws {
        let harness = EngineHarness()
        try harness.submit(Changes.create([("height", "1")]))
        let other = "e7000000-0000-4000-8000-00000000000c"
        try harness.submit(
            Changes.update(base: 2, trunk: 1, branch: "b0000000-0000-4000-8000-00000000000b", [("height", "3")]),
            Changes.create([("height", "5")], uuid: other))
        try harness.forceAll()
        #expect(harness.versions.map(\.version) == [1], "skipped live: the submission made the other entity")
        let replay = Replay.run(harness.workspace.inputs(of: EngineHarness.tree), uuid: EngineHarness.tree, dataset: EngineHarness.trees)
        #expect(replay.versions == harness.versions, "the replay, which sees only this entity, agrees")
    }

    @Test func everyHeldBlockOfOneSubmissionIsForcedAsOneSubmission() throws {
        let harness = EngineHarness()
        let first = "e7000000-0000-4000-8000-00000000000a"
        let second = "e7000000-0000-4000-8000-00000000000b"
        try harness.submit(
            Changes.update(first, base: 1, branch: "b0000000-0000-4000-8000-00000000000a", [("height", "1")]),
            Changes.update(second, base: 1, branch: "b0000000-0000-4000-8000-00000000000b", [("height", "2")]))
        #expect(harness.workspace.backlog.count == 2)
        try harness.forceAll()
        #expect(harness.workspace.entities[first] != nil && harness.workspace.entities[second] != nil)
    }

    /// Deliberate (README): Central re-runs the whole submission when a predecessor arrives and then skips it
    /// because it made an entity, losing the update; the block is in order by then, so it applies.
    @Test func releasedBlockAppliesEvenThoughAnotherBlockOfItsSubmissionMadeAnEntity() throws {
        let harness = EngineHarness()
        let other = "e7000000-0000-4000-8000-00000000000c"
        let branch = "b0000000-0000-4000-8000-00000000000d"
        try harness.submit(Changes.create([("height", "1")], uuid: other))
        try harness.submit(
            Changes.update(other, base: 2, trunk: 1, branch: branch, [("height", "3")]), Changes.create([("height", "5")]))
        #expect(harness.workspace.backlog.count == 1)
        try harness.submit(Changes.update(other, base: 1, trunk: 1, branch: branch, [("height", "2")]))
        #expect(harness.workspace.backlog.isEmpty)
        #expect(
            harness.workspace.entities[other]?.versions.map(\.data) == [
                EntityProperties([("height", "1")]), EntityProperties([("height", "2")]), EntityProperties([("height", "3")]),
            ])
    }
}
