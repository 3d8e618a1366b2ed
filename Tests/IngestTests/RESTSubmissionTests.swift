import Entities
import EntityScenarios
import Foundation
import HTTPTypes
import Testing

@testable import Ingest

@Suite struct RESTSubmissionTests {
    static let instance = "uuid:11110000-0000-4000-8000-000000000002"

    func prepared(_ harness: Harness) async throws -> (project: Int64, base: String) {
        let project = try await harness.createProject()
        try await harness.publishForm("trees_registration", project: project)
        return (project, "/v1/projects/\(project)/forms/trees_registration/submissions")
    }

    @Test func submissionIsStoredListedAndReadBack() async throws {
        try await Harness.run { harness in
            let (_, base) = try await prepared(harness)
            let xml = try SampleFiles.submission("trees_registration", "reg-2-beech")
            let created = try await harness.send(.post, base, body: xml, contentType: "application/xml")
            #expect(created.status == .ok)
            #expect(try created.json()["instanceId"]?.stringValue == Self.instance)
            #expect(try created.json()["currentVersion"]?["current"]?.boolValue == true)
            let list = try await harness.send(.get, base).json().arrayValue ?? []
            #expect(list.map { $0["instanceId"]?.stringValue } == [Self.instance])
            let one = try await harness.send(.get, "\(base)/\(Self.instance)")
            #expect(try one.json()["submitterId"]?.intValue == 1)
            #expect(try await harness.send(.get, "\(base)/\(Self.instance).xml").data == xml)
            let again = try await harness.send(.post, base, body: xml, contentType: "application/xml")
            #expect(again.problemCode == 409.3)
            let audits = try await harness.send(.get, "\(base)/\(Self.instance)/audits").json().arrayValue ?? []
            #expect(audits.map { $0["action"]?.stringValue } == ["entity.create", "submission.create"])
        }
    }

    @Test func reviewStateIsSetAndValidated() async throws {
        try await Harness.run { harness in
            let (_, base) = try await prepared(harness)
            _ = try await harness.send(
                .post, base, body: SampleFiles.submission("trees_registration", "reg-2-beech"), contentType: "application/xml")
            let approved = try await harness.sendJSON(.patch, "\(base)/\(Self.instance)", ["reviewState": "approved"])
            #expect(try approved.json()["reviewState"]?.stringValue == "approved")
            let wrong = try await harness.sendJSON(.patch, "\(base)/\(Self.instance)", ["reviewState": "great"])
            #expect(wrong.problemCode == 400.8)
            let audits = try await harness.send(.get, "\(base)/\(Self.instance)/audits").json().arrayValue ?? []
            #expect(audits.map { $0["action"]?.stringValue } == ["submission.update", "entity.create", "submission.create"])
        }
    }

    @Test func putWithDeprecatedIDEditsAndStaleEditsAreRefused() async throws {
        try await Harness.run { harness in
            let (_, base) = try await prepared(harness)
            let original = try SampleFiles.submission("trees_registration", "reg-1-oak")
            _ = try await harness.send(.post, base, body: original, contentType: "application/xml")
            let first = "uuid:11110000-0000-4000-8000-000000000001"
            let noTag = try await harness.send(.put, "\(base)/\(first)", body: original, contentType: "application/xml")
            #expect(noTag.problemCode == 400.19)
            let edit = try SampleFiles.submission("trees_registration", "reg-1-oak-edited")
            let edited = try await harness.send(.put, "\(base)/\(first)", body: edit, contentType: "application/xml")
            #expect(edited.status == .ok)
            #expect(try edited.json()["reviewState"]?.stringValue == "edited")
            #expect(try edited.json()["currentVersion"]?["instanceId"]?.stringValue == "uuid:11110000-0000-4000-8000-0000000000e1")
            #expect(try await harness.send(.get, "\(base)/\(first)").status == .ok, "still known by its first instanceID")
            #expect(
                try await harness.send(.get, "\(base)/uuid:11110000-0000-4000-8000-0000000000e1").status == .notFound,
                "an edit's instanceID names a version, not the submission")
            let staleXML = String(decoding: edit, as: UTF8.self).replacingOccurrences(of: "0000000000e1", with: "0000000000e2")
            let stale = try await harness.send(.put, "\(base)/\(first)", body: Data(staleXML.utf8), contentType: "application/xml")
            #expect(stale.problemCode == 409.9)
        }
    }

    @Test func restPostIgnoresDeprecatedIDAndMakesANewSubmission() async throws {
        try await Harness.run { harness in
            let (_, base) = try await prepared(harness)
            _ = try await harness.send(
                .post, base, body: SampleFiles.submission("trees_registration", "reg-1-oak"), contentType: "application/xml")
            let edit = try await harness.send(
                .post, base, body: SampleFiles.submission("trees_registration", "reg-1-oak-edited"), contentType: "application/xml")
            #expect(edit.status == .ok)
            #expect(try await harness.send(.get, base).json().arrayValue?.count == 2)
        }
    }

    @Test func deletedSubmissionDisappears() async throws {
        try await Harness.run { harness in
            let (_, base) = try await prepared(harness)
            _ = try await harness.send(
                .post, base, body: SampleFiles.submission("trees_registration", "reg-2-beech"), contentType: "application/xml")
            #expect(try await harness.send(.delete, "\(base)/\(Self.instance)").status == .ok)
            #expect(try await harness.send(.get, "\(base)/\(Self.instance)").problemCode == 404.1)
            #expect(try await harness.send(.get, base).json() == [])
        }
    }

    @Test func badRESTSubmissionsGetCentralErrorsAndStoreNothing() async throws {
        try await Harness.run { harness in
            let (project, base) = try await prepared(harness)
            let valid = String(decoding: try SampleFiles.submission("trees_registration", "reg-2-beech"), as: UTF8.self)
            let cases: [(String, String, String, Double)] = [
                ("malformed", "<data", "application/xml", 400.1),
                (
                    "other form", valid.replacingOccurrences(of: #"id="trees_registration""#, with: #"id="site_photo""#), "application/xml",
                    400.8
                ),
                ("version mismatch", valid.replacingOccurrences(of: #"version="1""#, with: #"version="9""#), "application/xml", 404.6),
                ("no instanceID", valid.replacingOccurrences(of: "instanceID>", with: "somethingElse>"), "application/xml", 400.2),
                ("json body", valid, "application/json", 400.8),
                ("doctype", #"<!DOCTYPE data [<!ENTITY a "b">]>"# + valid, "application/xml", 400.8),
            ]
            for (name, body, contentType, code) in cases {
                let response = try await harness.send(.post, base, body: Data(body.utf8), contentType: contentType)
                #expect(response.problemCode == code, "\(name)")
            }
            let unpublished = try await harness.send(
                .post, "/v1/projects/\(project)/forms/site_photo/submissions",
                body: SampleFiles.submission("site_photo", "site-1"), contentType: "application/xml")
            #expect(unpublished.problemCode == 404.1)
            #expect(try await harness.send(.get, base).json() == [])
            #expect(try await harness.audits("submission.create").isEmpty)
        }
    }
}
