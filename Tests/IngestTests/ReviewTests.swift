import Entities
import EntityScenarios
import Foundation
import HTTPTypes
import Testing

@testable import Ingest

/// What reviewers read and do: versions with the author's view, diffs, resolution, counts.
@Suite struct ReviewTests {
    static let extended: HTTPFields = [HTTPField.Name("X-Extended-Metadata")!: "true"]

    static let tree = Changes.tree
    static let a = Changes.branchA

    /// The worked example: the phone never saw the server's height 12.
    func example(_ harness: Harness) async throws -> (project: Int64, base: String) {
        let project = try await harness.upsertProject([
            Changes.create([("height", "10")], label: "elm"),
            Changes.update(base: 1, [("height", "12")]),
            Changes.update(base: 1, trunk: 1, branch: Self.a, [("circumference", "30")]),
            Changes.update(base: 2, trunk: 1, branch: Self.a, label: "ELM", [("height", "11")]),
        ])
        return (project, "/v1/projects/\(project)/datasets/trees/entities/\(Self.tree)")
    }

    @Test func versionsShowWhatEachAuthorSawAndChanged() async throws {
        try await Harness.run { harness in
            let (_, base) = try await example(harness)
            let versions = try await harness.send(.get, "\(base)/versions").json().arrayValue ?? []
            #expect(versions.count == 4)
            let v4 = versions[3]
            #expect(v4["baseDiff"] == ["height": ["old": "10", "new": "11"], "label": ["old": "elm", "new": "ELM"]])
            #expect(v4["serverDiff"] == ["height": ["old": "12", "new": "11"], "label": ["old": "elm", "new": "ELM"]])
            #expect(v4["conflict"]?.stringValue == "soft")
            #expect(versions[2]["baseDiff"] == ["circumference": ["new": "30"]])
            #expect(versions[0]["baseDiff"] == [:] && versions[0]["serverDiff"] == [:])
            #expect(versions.map { $0["lastGoodVersion"]?.boolValue } == [false, true, false, false])
            #expect(versions.map { $0["resolved"]?.boolValue } == [false, false, false, false])
            for key in [
                "version", "baseVersion", "branchId", "trunkVersion", "branchBaseVersion", "conflictingProperties", "data", "dataReceived",
                "label", "source",
            ] {
                #expect(v4[key] != nil, "\(key)")
            }
            let relevant = try await harness.send(.get, "\(base)/versions?relevantToConflict=true").json().arrayValue ?? []
            #expect(relevant.map { $0["version"]?.intValue } == [1, 2, 3, 4])
        }
    }

    @Test func diffsListWhatChangedBetweenVersions() async throws {
        try await Harness.run { harness in
            let (_, base) = try await example(harness)
            let diffs = try await harness.send(.get, "\(base)/diffs").json().arrayValue ?? []
            #expect(diffs.count == 3)
            #expect(diffs[0] == [["old": "10", "new": "12", "propertyName": "height"]])
            #expect(diffs[1] == [["new": "30", "propertyName": "circumference"]])
        }
    }

    @Test func resolvingClearsTheConflictAndMarksVersionsResolved() async throws {
        try await Harness.run { harness in
            let (project, base) = try await example(harness)
            let calm = try await harness.sendJSON(.post, "/v1/projects/\(project)/datasets/trees/entities", ["label": "Birch"])
            #expect(calm.status == .ok, "a second entity, never in conflict")
            #expect(try await harness.send(.get, "/v1/projects/\(project)/datasets/trees").json()["conflicts"] == nil, "counted on request")
            let dataset = try await harness.send(.get, "/v1/projects/\(project)/datasets/trees", headers: Self.extended).json()
            #expect(dataset["conflicts"]?.intValue == 1)
            #expect(dataset["entities"]?.intValue == 2)
            #expect(dataset["lastEntity"]?.stringValue != nil)
            let listed = try await harness.send(.get, "/v1/projects/\(project)/datasets", headers: Self.extended).json().arrayValue ?? []
            #expect(listed.map { [$0["entities"]?.intValue, $0["conflicts"]?.intValue] } == [[2, 1]])
            let inConflict = try await harness.send(
                .get, "/v1/projects/\(project)/datasets/trees.svc/Entities?$filter=__system/conflict%20ne%20null&$count=true")
            #expect(try inConflict.json()["value"]?.arrayValue?.count == 1)
            #expect(try inConflict.json()["@odata.count"]?.intValue == 1, "the count is of the filtered entities")

            let stale = try await harness.send(.patch, "\(base)?resolve=true&baseVersion=2")
            #expect(stale.problemCode == 409.15)
            let resolved = try await harness.send(.patch, "\(base)?resolve=true")
            #expect(resolved.status == .ok)
            #expect(try resolved.json()["conflict"] == .null)
            let versions = try await harness.send(.get, "\(base)/versions").json().arrayValue ?? []
            #expect(versions.map { $0["resolved"]?.boolValue } == [false, false, true, true])
            #expect(versions.last?["lastGoodVersion"]?.boolValue == true)
            let resolutions = try await harness.audits("entity.update.resolve")
            #expect(resolutions.map { $0["details"]?["version"]?.intValue } == [4])
            #expect(resolutions.first?["details"]?["entity"]?["dataset"]?.stringValue == "trees")
            let again = try await harness.send(.patch, "\(base)?resolve=true")
            #expect(again.problemCode == 400.32)
            #expect(
                try await harness.send(.get, "/v1/projects/\(project)/datasets/trees", headers: Self.extended).json()["conflicts"]?.intValue
                    == 0)
        }
    }

    @Test func resolvingWithDataWritesANewVersionAndClearsTheConflict() async throws {
        try await Harness.run { harness in
            let (_, base) = try await example(harness)
            let response = try await harness.sendJSON(.patch, "\(base)?resolve=true&baseVersion=4", ["data": ["height": "11.5"]])
            #expect(response.status == .ok)
            let entity = try response.json()
            #expect(entity["conflict"] == .null)
            #expect(entity["currentVersion"]?["version"]?.intValue == 5)
            #expect(entity["currentVersion"]?["data"]?["height"]?.stringValue == "11.5")
        }
    }
}
