import Entities
import EntityScenarios
import Foundation
import Testing

@testable import Ingest

/// When a dataset requires approval, reviewers decide when submissions touch entities.
@Suite struct ApprovalTests {
    static let tree = Changes.tree

    func prepared(_ harness: Harness) async throws -> Int64 {
        let project = try await harness.createProject()
        try await harness.publishForm("trees_upsert", project: project)
        let patch = try await harness.sendJSON(
            .patch, "/v1/projects/\(project)/datasets/trees", ["approvalRequired": true, "name": "ignored"])
        #expect(try patch.json()["approvalRequired"]?.boolValue == true)
        #expect(try patch.json()["name"]?.stringValue == "trees")
        return project
    }

    func submit(_ harness: Harness, _ project: Int64, _ change: EntityChange, number: Int) async throws {
        let response = try await harness.submitOpenRosa(project: project, xml: EntityScenarioHTTPTests.xml(change, number: number))
        #expect(response.status == .created)
    }

    func review(_ harness: Harness, _ project: Int64, number: Int, _ state: String) async throws {
        let instance = String(format: "uuid:00000000-0000-4000-8000-%012d", number)
        let response = try await harness.sendJSON(
            .patch, "/v1/projects/\(project)/forms/trees_upsert/submissions/\(instance)", ["reviewState": .string(state)])
        #expect(response.status == .ok)
    }

    func versions(_ harness: Harness, _ project: Int64) async throws -> [Int64] {
        let response = try await harness.send(.get, "/v1/projects/\(project)/datasets/trees/entities/\(Self.tree)/versions")
        // No entity yet is Central's 404.1; anything else but 200 is a failure, not "no versions".
        if response.status == .notFound, response.problemCode == 404.1 { return [] }
        #expect(response.status == .ok)
        return try response.json().arrayValue?.compactMap { $0["version"]?.intValue } ?? []
    }

    @Test func onlyAnApprovedSubmissionCreatesAndOnlyOnce() async throws {
        try await Harness.run { harness in
            let project = try await prepared(harness)
            try await submit(harness, project, Changes.create([("height", "10")]), number: 1)
            #expect(try await harness.send(.get, "/v1/projects/\(project)/datasets/trees/entities").json() == [])
            try await review(harness, project, number: 1, "hasIssues")
            #expect(try await versions(harness, project) == [])
            try await review(harness, project, number: 1, "approved")
            #expect(try await versions(harness, project) == [1])
            let created = try await harness.send(.get, "/v1/projects/\(project)/datasets/trees/entities/\(Self.tree)/versions").json()
            #expect(
                created.arrayValue?.first?["source"]?["event"]?["action"]?.stringValue == "submission.update",
                "made by the approval, not the arrival")
            try await review(harness, project, number: 1, "approved")
            try await review(harness, project, number: 1, "rejected")
            try await review(harness, project, number: 1, "approved")
            #expect(try await versions(harness, project) == [1])
            #expect(try await harness.audits("entity.error").isEmpty)
        }
    }

    @Test func rejectedSubmissionNeverCreates() async throws {
        try await Harness.run { harness in
            let project = try await prepared(harness)
            try await submit(harness, project, Changes.create([("height", "10")]), number: 1)
            try await review(harness, project, number: 1, "rejected")
            #expect(try await versions(harness, project) == [])
            let off = try await harness.sendJSON(.patch, "/v1/projects/\(project)/datasets/trees?convert=true", ["approvalRequired": false])
            #expect(off.status == .ok)
            #expect(try await versions(harness, project) == [], "a rejected submission is not pending")
        }
    }

    @Test func turningApprovalOffAsksAboutPendingThenConvertsInOrderOnce() async throws {
        try await Harness.run { harness in
            let project = try await prepared(harness)
            let other = "e7000000-0000-4000-8000-000000000009"
            try await submit(harness, project, Changes.create([("height", "10")]), number: 1)
            try await submit(harness, project, Changes.create([("height", "20")], uuid: other), number: 2)
            let dataset = "/v1/projects/\(project)/datasets/trees"
            let asked = try await harness.sendJSON(.patch, dataset, ["approvalRequired": false])
            #expect(asked.problemCode == 400.29)
            #expect(try asked.json()["details"]?["count"]?.intValue == 2)
            let badFlag = try await harness.sendJSON(.patch, "\(dataset)?convert=yes", ["approvalRequired": false])
            #expect(badFlag.problemCode == 400.8)
            let converted = try await harness.sendJSON(.patch, "\(dataset)?convert=true", ["approvalRequired": false])
            #expect(converted.status == .ok)
            #expect(try await versions(harness, project) == [1])
            #expect(try await harness.send(.get, "\(dataset)/entities").json().arrayValue?.count == 2)
            _ = try await harness.sendJSON(.patch, "\(dataset)?convert=true", ["approvalRequired": true])
            _ = try await harness.sendJSON(.patch, "\(dataset)?convert=true", ["approvalRequired": false])
            try await review(harness, project, number: 1, "approved")
            #expect(try await versions(harness, project) == [1], "toggling and approving apply nothing twice")
            #expect(try await harness.send(.get, "\(dataset)/entities").json().arrayValue?.count == 2)
            let audit = try await harness.audits("dataset.update").first
            #expect(audit?["details"]?["autoConvert"]?.boolValue == true)
        }
    }

    @Test func convertFalseLeavesPendingSubmissionsAlone() async throws {
        try await Harness.run { harness in
            let project = try await prepared(harness)
            try await submit(harness, project, Changes.create([("height", "10")]), number: 1)
            let off = try await harness.sendJSON(
                .patch, "/v1/projects/\(project)/datasets/trees?convert=false", ["approvalRequired": false])
            #expect(off.status == .ok)
            #expect(try await versions(harness, project) == [])
            try await submit(harness, project, Changes.create([("height", "10")], uuid: "e7000000-0000-4000-8000-000000000009"), number: 2)
            let entities = try await harness.send(.get, "/v1/projects/\(project)/datasets/trees/entities").json()
            #expect(entities.arrayValue?.count == 1, "new submissions are processed at once")
        }
    }

    /// Central gates only creates: an update applies on arrival, or is held by the backlog, approved or not.
    @Test func updatesApplyOnArrivalAndOutOfOrderOnesAreHeldWithoutApproval() async throws {
        try await Harness.run { harness in
            let project = try await prepared(harness)
            try await submit(harness, project, Changes.create([("height", "10")]), number: 1)
            try await review(harness, project, number: 1, "approved")
            try await submit(harness, project, Changes.update(base: 2, trunk: 1, branch: Changes.branchA, [("height", "12")]), number: 3)
            #expect(try await harness.send(.get, "/v1/backlog").json().arrayValue?.count == 1, "the later update waits for its predecessor")
            try await submit(harness, project, Changes.update(base: 1, trunk: 1, branch: Changes.branchA, [("height", "11")]), number: 2)
            #expect(try await harness.send(.get, "/v1/backlog").json() == [])
            #expect(try await versions(harness, project) == [1, 2, 3])
            let entity = try await harness.send(.get, "/v1/projects/\(project)/datasets/trees/entities/\(Self.tree)").json()
            #expect(entity["currentVersion"]?["data"]?["height"]?.stringValue == "12")
            #expect(entity["conflict"] == .null)
        }
    }

    @Test func editedPendingSubmissionIsProcessedAsItsNewVersionOnly() async throws {
        try await Harness.run { harness in
            let project = try await prepared(harness)
            try await submit(harness, project, Changes.create([("height", "10")]), number: 1)
            let original = String(decoding: EntityScenarioHTTPTests.xml(Changes.create([("height", "10")]), number: 1), as: UTF8.self)
            let edited =
                original
                .replacingOccurrences(of: "<height>10</height>", with: "<height>15</height>")
                .replacingOccurrences(
                    of: "<instanceID>uuid:00000000-0000-4000-8000-000000000001</instanceID>",
                    with:
                        "<instanceID>uuid:00000000-0000-4000-8000-000000000099</instanceID><deprecatedID>uuid:00000000-0000-4000-8000-000000000001</deprecatedID>"
                )
            #expect(try await harness.submitOpenRosa(project: project, xml: Data(edited.utf8)).status == .created)
            try await review(harness, project, number: 1, "approved")
            let entity = try await harness.send(.get, "/v1/projects/\(project)/datasets/trees/entities/\(Self.tree)").json()
            #expect(entity["currentVersion"]?["data"]?["height"]?.stringValue == "15")
            #expect(try await versions(harness, project) == [1])
        }
    }
}
