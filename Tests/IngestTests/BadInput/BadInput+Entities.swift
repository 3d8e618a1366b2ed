import Entities
import EntityScenarios
import Foundation
import HTTPTypes
import Testing

@testable import Ingest

/// Entity versions and branches that are not what Central reads, in submissions and over the API.
@Suite struct BadInputEntityTests {
    static let tree = Changes.tree
    static var entity: String { "/datasets/trees/entities/\(tree)" }

    /// A project with trees_upsert published and the tree created at version 1: its id.
    static func treeAtVersion1(_ harness: Harness) async throws -> Int64 {
        let project = try await harness.createProject()
        try await harness.publishForm("trees_upsert", project: project)
        let created = try await harness.submitOpenRosa(
            project: project, xml: EntityErrorHTTPTests.upsert(EntityErrorHTTPTests.create, number: 0, label: "Oak"))
        #expect(created.status == .created)
        return project
    }

    /// Each block in a submission of its own: kept (as Central keeps it), no entity version made, and one
    /// `entity.error` each with `code`.
    static func expectEntityErrors(_ harness: Harness, project: Int64, _ blocks: [(String, Double)]) async throws {
        let before = try await harness.storedCounts()
        for (number, (attributes, _)) in blocks.enumerated() {
            let sent = try await harness.submitOpenRosa(project: project, xml: EntityErrorHTTPTests.upsert(attributes, number: number + 1))
            #expect(sent.status == .created, "\(attributes)")
        }
        let after = try await harness.storedCounts()
        #expect(after["entity_versions"] == before["entity_versions"] && after["entities"] == before["entities"])
        #expect(after["submissions"] == before["submissions"]! + blocks.count)
        let codes = try await harness.audits("entity.error").reversed().map { $0["details"]?["problem"]?["problemCode"] }
        #expect(codes == blocks.map { .double($0.1) }, "\(blocks.map(\.0))")
        let current = try await harness.send(.get, "/v1/projects/\(project)\(entity)").json()
        #expect(current["currentVersion"]?["version"] == 1)
    }

    @Test func negativeOrOverflowingVersionsInASubmissionAre400Point11() async throws {
        try await Harness.run { harness in
            let project = try await Self.treeAtVersion1(harness)
            let branch = Changes.branchA
            try await Self.expectEntityErrors(
                harness, project: project,
                [
                    (#"update="1" baseVersion="-1" id="\#(Self.tree)""#, 400.11),
                    (#"update="1" baseVersion="+1" id="\#(Self.tree)""#, 400.11),
                    (#"update="1" baseVersion="99999999999999999999" id="\#(Self.tree)""#, 400.11),
                    (#"update="1" baseVersion="1.5" id="\#(Self.tree)""#, 400.11),
                    (#"update="1" baseVersion="1" trunkVersion="-1" branchId="\#(branch)" id="\#(Self.tree)""#, 400.11),
                    (#"update="1" baseVersion="1" trunkVersion="99999999999999999999" branchId="\#(branch)" id="\#(Self.tree)""#, 400.11),
                    (#"update="1" baseVersion="0" id="\#(Self.tree)""#, 404.9),
                ])
        }
    }

    @Test func aPatchWhoseBaseVersionIsNotTheCurrentOneIs409Point15() async throws {
        try await Harness.run { harness in
            let project = try await Self.treeAtVersion1(harness)
            let before = try await harness.storedCounts()
            for version in ["-1", "0", "+1", "01", "1.0", "99999999999999999999", "abc", "", "1%20"] {
                let response = try await harness.sendJSON(
                    .patch, "/v1/projects/\(project)\(Self.entity)?baseVersion=\(version)", ["label": "Elm"])
                expectProblem(response, 409.15, "baseVersion=\(version)")
            }
            expectProblem(try await harness.sendJSON(.patch, "/v1/projects/\(project)\(Self.entity)", ["label": "Elm"]), 409.15, "none")
            #expect(try await harness.storedCounts() == before)
        }
    }

    @Test func aBranchIdThatIsNotAVersion4UUIDIs400Point11() async throws {
        try await Harness.run { harness in
            let project = try await Self.treeAtVersion1(harness)
            let update = #"update="1" baseVersion="1" trunkVersion="1" id="\#(Self.tree)""#
            try await Self.expectEntityErrors(
                harness, project: project,
                [
                    (update + #" branchId="not-a-uuid""#, 400.11),
                    (update + #" branchId="b7a0c0de-0000-1000-8000-00000000000a""#, 400.11),  // version 1
                    (update + #" branchId="b7a0c0de00004000800000000000000a""#, 400.11),
                    (update + #" branchId="'; DROP TABLE entities;--""#, 400.11),
                    (update + #" branchId="""#, 400.2),
                ])
        }
    }

    @Test func entityBodiesOfTheWrongShapeOrTypesAreRefused() async throws {
        try await Harness.run { harness in
            let project = try await Self.treeAtVersion1(harness)
            let entities = "/v1/projects/\(project)/datasets/trees/entities"
            let before = try await harness.storedCounts()
            let creates: [(String, Double)] = [
                ("[]", 400.1), (#""Oak""#, 400.1), ("null", 400.1), (#"{"label": 5}"#, 400.11), (#"{"label": ["Oak"]}"#, 400.11),
                (#"{"label": "Oak", "data": []}"#, 400.11), (#"{"label": "Oak", "data": {"height": null}}"#, 400.11),
                (#"{"label": "Oak", "uuid": 5}"#, 400.11), (#"{"label": "Oak", "uuid": "'; DROP TABLE entities;--"}"#, 400.11),
                (#"{"entities": "Oak"}"#, 400.31), (#"{"entities": []}"#, 400.31), (#"{"entities": [{"label": "Oak"}]}"#, 400.2),
                (#"{"entities": [{"label": 5}]}"#, 400.11),
                (#"{"source": {"name": 5}, "entities": [{"label": "Oak"}]}"#, 400.11),
                (#"{"label": "Oak""#, 400.1),
            ]
            for (body, code) in creates {
                let response = try await harness.send(.post, entities, body: Data(body.utf8), contentType: "application/json")
                expectProblem(response, code, "create \(body)")
            }
            let patches: [(String, Double)] = [
                ("[]", 400.1), (#"{"label": 5}"#, 400.11), (#"{"data": "tall"}"#, 400.11), (#"{"data": {"height": 7}}"#, 400.11),
                (#"{"uuid": "\#(Changes.tree)"}"#, 400.31), ("{}", 400.28),
            ]
            for (body, code) in patches {
                let response = try await harness.send(
                    .patch, "\(entities)/\(Changes.tree)?baseVersion=1", body: Data(body.utf8), contentType: "application/json")
                expectProblem(response, code, "PATCH \(body)")
            }
            #expect(try await harness.storedCounts() == before)
        }
    }

    @Test func projectUserAndAssignmentBodiesOfTheWrongShapeAreRefused() async throws {
        try await Harness.run { harness in
            let project = try await harness.createProject()
            let before = try await harness.storedCounts()
            let requests: [(String, String, Double)] = [
                ("/v1/projects", "[]", 400.1), ("/v1/projects", "{}", 400.2), ("/v1/projects", #"{"name": 5}"#, 400.11),
                ("/v1/projects", #"{"name": "  "}"#, 400.2), ("/v1/projects", "{", 400.1),
                ("/v1/users", "[]", 400.1), ("/v1/users", #"{"email": 5}"#, 400.11),
                ("/v1/users", #"{"password": "long enough pass"}"#, 400.2),
                ("/v1/users", #"{"email": "a@example.com", "password": 1234567890}"#, 400.11),
                ("/v1/projects/\(project)/app-users", #"{"displayName": 5}"#, 400.11),
                ("/v1/projects/\(project)/app-users", "[]", 400.1),
            ]
            for (path, body, code) in requests {
                let response = try await harness.send(.post, path, body: Data(body.utf8), contentType: "application/json")
                expectProblem(response, code, "\(path) \(body)")
            }
            let admin = try #require(try await harness.send(.get, "/v1/users/current").json()["id"]?.intValue)
            for path in [
                "/v1/projects/\(project)/assignments/nonsense/\(admin)", "/v1/projects/\(project)/assignments/manager/abc",
                "/v1/projects/\(project)/assignments/manager/999999", "/v1/projects/\(project)/assignments/manager/99999999999999999999",
                "/v1/projects/\(project)/assignments/manager/-1", "/v1/assignments/admin/'%3B--",
            ] {
                expectProblem(try await harness.send(.post, path), 404.1, path)
            }
            #expect(try await harness.storedCounts() == before)
        }
    }
}
