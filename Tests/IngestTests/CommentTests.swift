import Entities
import EntityScenarios
import Foundation
import HTTPTypes
import Testing

@testable import Ingest

@Suite struct CommentTests {
    static let instance = "uuid:11110000-0000-4000-8000-000000000002"

    func submitted(_ harness: Harness) async throws -> (project: Int64, comments: String) {
        let project = try await harness.createProject()
        try await harness.publishForm("trees_registration", project: project)
        let base = "/v1/projects/\(project)/forms/trees_registration/submissions"
        _ = try await harness.send(
            .post, base, body: SampleFiles.submission("trees_registration", "reg-2-beech"), contentType: "application/xml")
        return (project, "\(base)/\(Self.instance)/comments")
    }

    @Test func commentsAreListedNewestFirstWithTheirAuthor() async throws {
        try await Harness.run { harness in
            let (_, comments) = try await submitted(harness)
            let first = try await harness.sendJSON(.post, comments, ["body": "the height looks wrong"])
            #expect(first.status == .ok)
            #expect(try first.json()["body"]?.stringValue == "the height looks wrong")
            #expect(try first.json()["actorId"]?.intValue == 1)
            #expect(try first.json()["createdAt"]?.stringValue != nil)
            try await harness.sendJSON(.post, comments, ["body": "measured again: fine", "actorId": 99])
            let list = try await harness.send(.get, comments).json().arrayValue ?? []
            #expect(list.map { $0["body"]?.stringValue } == ["measured again: fine", "the height looks wrong"])
            #expect(list.map { $0["actorId"]?.intValue } == [1, 1])
            #expect(list.first?["actor"] == nil)
            let extended = try await harness.send(.get, comments, headers: ReviewTests.extended).json().arrayValue ?? []
            #expect(extended.first?["actor"]?["displayName"]?.stringValue != nil)
        }
    }

    @Test func aViewerMayCommentAndAnOutsiderMayNot() async throws {
        try await Harness.run { harness in
            let (project, comments) = try await submitted(harness)
            let viewer = try await harness.user("viewer@example.com", role: "viewer", project: project)
            let outsider = try await harness.user("outsider@example.com", role: nil, project: project)
            #expect(try await harness.sendJSON(.post, comments, ["body": "seen"], token: viewer.token).status == .ok)
            let refused = try await harness.sendJSON(.post, comments, ["body": "hello"], token: outsider.token)
            #expect(refused.problemCode == 403.1)
            #expect(try await harness.send(.get, comments, token: outsider.token).problemCode == 403.1)
            #expect(try await harness.send(.get, comments).json().arrayValue?.count == 1)
        }
    }

    @Test func aCommentNeedsATextBodyOnAnExistingSubmission() async throws {
        try await Harness.run { harness in
            let (project, comments) = try await submitted(harness)
            #expect(try await harness.sendJSON(.post, comments, [:]).problemCode == 400.2)
            #expect(try await harness.sendJSON(.post, comments, ["body": .null]).problemCode == 400.2)
            #expect(try await harness.sendJSON(.post, comments, ["body": 5]).problemCode == 400.11)
            let missing = "/v1/projects/\(project)/forms/trees_registration/submissions/uuid:nope/comments"
            #expect(try await harness.sendJSON(.post, missing, ["body": "x"]).problemCode == 404.1)
            #expect(try await harness.send(.get, comments).json().arrayValue?.isEmpty == true)
        }
    }
}
