import Entities
import EntityScenarios
import Foundation
import Testing

@testable import Ingest

/// Each entity problem a submission can meet, through OpenRosa: the submission is kept and the
/// problem is an `entity.error` audit with Central's code.
@Suite struct EntityErrorHTTPTests {
    static let tree = Changes.tree

    static func upsert(_ attributes: String, number: Int, label: String = "", fields: String = "<height>1</height>") -> Data {
        let instance = String(format: "uuid:00000000-0000-4000-8000-%012d", number)
        return Data(
            """
            <data id="trees_upsert" version="1">\(fields)<meta><entity dataset="trees" \(attributes)><label>\(label)</label></entity><instanceID>\(instance)</instanceID></meta></data>
            """.utf8)
    }

    static let create = #"create="1" update="0" id="\#(tree)""#

    @Test(arguments: [
        ("duplicate create", [create, create], 409.3),
        ("trunkVersion without branchId", [create, #"update="1" baseVersion="1" trunkVersion="1" id="\#(tree)""#], 400.2),
        ("non-integer base version", [create, #"update="1" baseVersion="one" id="\#(tree)""#], 400.11),
        ("unknown base version", [create, #"update="1" baseVersion="7" id="\#(tree)""#], 404.9),
        (
            "trunk above the newest version",
            [create, #"update="1" baseVersion="5" trunkVersion="5" branchId="\#(Changes.branchA)" id="\#(tree)""#], 404.9
        ),
        ("unknown entity", [#"update="1" baseVersion="1" id="\#(tree)""#], 404.8),
        ("not a version 4 uuid", [#"create="1" id="12345""#], 400.11),
        ("create without label", [#"create="1" id="\#(tree)""#], 400.2),
    ])
    func entityProblemIsAuditedAndTheSubmissionKept(_ name: String, _ blocks: [String], _ code: Double) async throws {
        try await Harness.run { harness in
            let project = try await harness.createProject()
            try await harness.publishForm("trees_upsert", project: project)
            for (number, attributes) in blocks.enumerated() {
                let label = attributes == Self.create ? "Oak" : ""  // only the well-formed create carries a label
                let response = try await harness.submitOpenRosa(
                    project: project, xml: Self.upsert(attributes, number: number, label: label))
                #expect(response.status == .created, "\(name)")
            }
            let submissions = try await harness.send(.get, "/v1/projects/\(project)/forms/trees_upsert/submissions").json()
            #expect(submissions.arrayValue?.count == blocks.count)
            let errors = try await harness.audits("entity.error")
            #expect(errors.map { $0["details"]?["problem"]?["problemCode"] } == [.double(code)], "\(name)")
        }
    }

    @Test func deletedEntityCannotBeUpdatedNorRecreated() async throws {
        try await Harness.run { harness in
            let project = try await harness.createProject()
            try await harness.publishForm("trees_upsert", project: project)
            _ = try await harness.submitOpenRosa(project: project, xml: Self.upsert(Self.create, number: 1, label: "Oak"))
            #expect(try await harness.send(.delete, "/v1/projects/\(project)/datasets/trees/entities/\(Self.tree)").status == .ok)
            _ = try await harness.submitOpenRosa(
                project: project, xml: Self.upsert(#"update="1" baseVersion="1" id="\#(Self.tree)""#, number: 2))
            _ = try await harness.submitOpenRosa(project: project, xml: Self.upsert(Self.create, number: 3, label: "Oak"))
            let codes = try await harness.audits("entity.error").map { $0["details"]?["problem"]?["problemCode"] }
            #expect(codes == [.double(409.19), .double(404.11)])
        }
    }

    @Test func formMayOnlyDoWhatItDeclares() async throws {
        try await Harness.run { harness in
            let project = try await harness.createProject()
            try await harness.publishForm("trees_registration", project: project)
            let xml = String(decoding: try SampleFiles.submission("trees_registration", "reg-1-oak"), as: UTF8.self)
                .replacingOccurrences(of: #"create="1""#, with: #"update="1" baseVersion="1""#)
            _ = try await harness.submitOpenRosa(project: project, xml: Data(xml.utf8))
            let error = try #require(try await harness.audits("entity.error").first)
            #expect(error["details"]?["problem"]?["problemCode"] == .double(403.2))
            #expect(error["details"]?["errorMessage"]?.stringValue?.hasSuffix("The form permits the following actions: create.") == true)
        }
    }

    @Test func severalBlocksWithOneFailureLogOne400Point43() async throws {
        try await Harness.run { harness in
            let project = try await harness.createProject()
            try await harness.publishForm("households_repeat", project: project)
            let xml = String(decoding: try SampleFiles.submission("households_repeat", "household-1"), as: UTF8.self)
            let broken = xml.replacingOccurrences(of: "9e000000-0000-4000-8000-000000000002", with: "not-a-uuid")
            _ = try await harness.submitOpenRosa(project: project, xml: Data(broken.utf8))
            let people = try await harness.send(.get, "/v1/projects/\(project)/datasets/people/entities").json()
            #expect(people.arrayValue?.count == 0, "a submission's entity work is all or nothing, as Central's")
            let error = try #require(try await harness.audits("entity.error").first)
            #expect(error["details"]?["problem"]?["problemCode"] == .double(400.43))
            #expect(
                error["details"]?["errorMessage"]?.stringValue?.hasPrefix(
                    "Failed to process 3 entities in submission due to 1 errors: (Entity 2)") == true)
        }
    }
}
