import EntityScenarios
import Testing

@testable import Entities

/// The reviewers' view of histories the engine makes: what each author saw and changed.
@Suite struct AuthorViewTests {
    func reviewed(_ steps: [Scenario.Step], resolvedThrough: Int? = nil) throws -> [ReviewedVersion] {
        let harness = EngineHarness()
        for step in steps {
            switch step {
            case .submit(let change): try harness.submit(change)
            case .forceAll: try harness.forceAll()
            case .resolve: try harness.resolve()
            }
        }
        return VersionHistory.review(harness.versions, resolvedThrough: resolvedThrough)
    }

    func change(_ name: String, _ old: String?, _ new: String) -> PropertyDiff.Change {
        PropertyDiff.Change(name: name, old: old, new: new)
    }

    @Test func phoneThatNeverSawTheServersChangeIsShownItsOwnView() throws {
        let history = try reviewed([
            .submit(H.create([("height", "10")], label: "elm")),
            .submit(H.update(base: 1, [("height", "12")])),
            .submit(H.update(base: 1, trunk: 1, branch: A, [("circumference", "30")])),
            .submit(H.update(base: 2, trunk: 1, branch: A, label: "ELM", [("height", "11")])),
        ])
        let v3 = history[2], v4 = history[3]
        #expect(v3.conflict == .soft)
        #expect(v3.baseDiff.changes == [change("circumference", nil, "30")])
        #expect(v4.baseDiff.changes == [change("height", "10", "11"), change("label", "elm", "ELM")])
        #expect(v4.serverDiff.changes == [change("height", "12", "11"), change("label", "elm", "ELM")])
        #expect(v4.conflict == .soft)
    }

    @Test func inOrderBranchHasNoConflictAndDiffsAgainstThePreviousVersion() throws {
        let history = try reviewed([
            .submit(H.create([("height", "10")])),
            .submit(H.update(base: 1, trunk: 1, branch: A, [("height", "11")])),
            .submit(H.update(base: 2, trunk: 1, branch: A, [("height", "12")])),
        ])
        #expect(history.allSatisfy { $0.conflict == nil })
        #expect(history[2].baseDiff.changes == [change("height", "11", "12")])
        #expect(history[2].serverDiff == history[2].baseDiff)
        #expect(history.map(\.lastGoodVersion) == [false, false, true])
        #expect(history.allSatisfy { !$0.relevantToConflict })
        #expect(history[0].baseDiff == .empty && history[0].serverDiff == .empty)
    }

    @Test func branchInterruptedByAnOnlineUpdateStillShowsTheAuthorsOwnEarlierChange() throws {
        let history = try reviewed([
            .submit(H.create([("height", "10"), ("circumference", "20")])),
            .submit(H.update(base: 1, trunk: 1, branch: A, [("height", "11")])),
            .submit(H.update(base: 2, [("circumference", "25")])),
            .submit(H.update(base: 2, trunk: 1, branch: A, [("circumference", "21")])),
        ])
        let v4 = history[3]
        #expect(v4.conflict == .hard)
        #expect(v4.baseDiff.changes == [change("circumference", "20", "21")])
        #expect(v4.serverDiff.changes == [change("circumference", "25", "21")])
        #expect(history[2].lastGoodVersion)
        #expect(history.map(\.relevantToConflict) == [false, true, true, true], "the base of v4 is v2, and v3 is the last good one")
    }

    @Test func branchReceivedBackwardsKeepsBranchOrderInTheView() throws {
        let history = try reviewed([
            .submit(H.create([("height", "10")])),
            .submit(H.update(base: 3, trunk: 1, branch: A, [("height", "13")])),
            .submit(H.update(base: 2, trunk: 1, branch: A, [("circumference", "22")])),
            .submit(H.update(base: 1, trunk: 1, branch: A, [("height", "11")])),
        ])
        #expect(history.allSatisfy { $0.conflict == nil })
        #expect(history[3].baseDiff.changes == [change("height", "11", "13")])
        #expect(history[2].baseDiff.changes == [change("circumference", nil, "22")])
    }

    @Test func forcedBranchWithAMissingMiddleUpdateShowsWhatTheAuthorHadAndWhatIsMissing() throws {
        let history = try reviewed([
            .submit(H.create([("height", "10"), ("circumference", "20")])),
            .submit(H.update(base: 1, trunk: 1, branch: A, [("height", "11")])),
            .submit(H.update(base: 3, trunk: 1, branch: A, [("height", "13")])),
            .forceAll,
        ])
        let v3 = history[2]
        #expect(v3.stored.forced)
        #expect(v3.baseDiff.changes == [change("height", "11", "13")], "the view holds the branch's first change; the second never came")
        #expect(v3.serverDiff.changes == [change("height", "11", "13")])
    }

    @Test func offlineCreateFollowedByOfflineUpdatesStartsFromTheCreatesOwnData() throws {
        let history = try reviewed([
            .submit(H.create([("height", "10")], label: "Oak", branch: A)),
            .submit(H.update(base: 1, [("height", "50")])),
            .submit(H.update(base: 1, branch: A, [("circumference", "20")])),
            .submit(H.update(base: 2, branch: A, [("height", "12")])),
        ])
        #expect(history[2].baseDiff.changes == [change("circumference", nil, "20")])
        #expect(history[3].baseDiff.changes == [change("height", "10", "12")])
        #expect(history[3].serverDiff.changes == [change("height", "50", "12")])
        #expect(history[3].conflict == .soft)
    }

    @Test func createAppliedAsAnUpdateIsAConflictWhoseAuthorSawNothing() throws {
        let history = try reviewed([
            .submit(H.update(base: 1, branch: A, [("height", "11")])), .forceAll,
            .submit(H.create([("height", "10")], label: "Oak", branch: A)),
        ])
        let v2 = history[1]
        #expect(v2.conflict == .hard)
        #expect(v2.baseDiff.changes == [change("height", nil, "10"), change("label", nil, "Oak")])
        #expect(v2.serverDiff.changes == [change("height", "11", "10"), change("label", "auto generated", "Oak")])
    }

    @Test func resolvedConflictsNoLongerMakeVersionsRelevant() throws {
        let steps: [Scenario.Step] = [
            .submit(H.create([("height", "10")])),
            .submit(H.update(base: 1, [("height", "12")])),
            .submit(H.update(base: 1, trunk: 1, branch: A, [("height", "11")])),
        ]
        let open = try reviewed(steps)
        #expect(open[2].conflict == .hard && !open[2].resolved)
        let resolved = try reviewed(steps, resolvedThrough: 3)
        #expect(resolved[2].resolved)
        #expect(resolved.allSatisfy { !$0.relevantToConflict })
        #expect(resolved.map(\.lastGoodVersion) == [false, false, true])
    }

    @Test func diffJSONLeavesOutOldWhereTheOtherSideHadNothing() {
        let diff = PropertyDiff(received: EntityProperties([("a", "1"), ("b", "2")]), against: EntityProperties([("a", "0")]))
        #expect(JSONValue.object(diff.json).serialized() == #"{"a":{"old":"0","new":"1"},"b":{"new":"2"}}"#)
    }
}
