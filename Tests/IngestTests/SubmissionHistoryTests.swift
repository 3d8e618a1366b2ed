import Entities
import EntityScenarios
import Foundation
import HTTPTypes
import Testing
import XMLParse

@testable import Ingest

/// What a reviewer reads of a submission's past: versions, diffs, a restore after a delete, a cleared file.
@Suite struct SubmissionHistoryTests {
    static let oak = "uuid:11110000-0000-4000-8000-000000000001"
    static let edited = "uuid:11110000-0000-4000-8000-0000000000e1"
    static let base = "/v1/projects/1/forms/trees_registration/submissions"

    func editedOak(_ harness: Harness) async throws {
        let project = try await harness.createProject()
        try await harness.publishForm("trees_registration", project: project)
        try await harness.send(
            .post, Self.base, body: SampleFiles.submission("trees_registration", "reg-1-oak"), contentType: "application/xml")
        let put = try await harness.send(
            .put, "\(Self.base)/\(Self.oak)", body: SampleFiles.submission("trees_registration", "reg-1-oak-edited"),
            contentType: "application/xml")
        #expect(put.status == .ok)
    }

    @Test func versionsAreListedNewestFirstWithTheirXML() async throws {
        try await Harness.run { harness in
            try await editedOak(harness)
            let versions = try await harness.send(.get, "\(Self.base)/\(Self.oak)/versions").json().arrayValue ?? []
            #expect(versions.map { $0["instanceId"]?.stringValue } == [Self.edited, Self.oak])
            #expect(versions.map { $0["current"]?.boolValue } == [true, false])
            #expect(versions.first?["formVersion"] == nil)
            let extended = try await harness.send(.get, "\(Self.base)/\(Self.oak)/versions", headers: ReviewTests.extended).json()
            #expect(extended.arrayValue?.first?["formVersion"]?.stringValue == "1")
            let one = try await harness.send(.get, "\(Self.base)/\(Self.oak)/versions/\(Self.oak)").json()
            #expect(one["current"]?.boolValue == false)
            let xml = try await harness.send(.get, "\(Self.base)/\(Self.oak)/versions/\(Self.oak).xml").data
            #expect(xml == (try SampleFiles.submission("trees_registration", "reg-1-oak")))
            #expect(try await harness.send(.get, "\(Self.base)/\(Self.oak)/versions/uuid:nope").problemCode == 404.1)
            #expect(try await harness.send(.get, "\(Self.base)/\(Self.oak)/versions/\(Self.oak)/attachments").json() == [])
        }
    }

    @Test func diffsSayWhatEachEditChanged() async throws {
        try await Harness.run { harness in
            try await editedOak(harness)
            let diffs = try await harness.send(.get, "\(Self.base)/\(Self.oak)/diffs").json()
            #expect(
                diffs == [
                    Self.edited: [
                        ["old": "12.5", "new": "13.5", "path": ["height"]],
                        ["old": "Near the north gate", "new": "Near the north gate (height re-measured)", "path": ["notes"]],
                        ["old": .string(Self.oak), "new": .string(Self.edited), "path": ["meta", "instanceID"]],
                        ["new": .string(Self.oak), "path": ["meta", "deprecatedID"]],
                    ]
                ])
        }
    }

    @Test func aDeletedSubmissionIsListedAsSuchAndRestored() async throws {
        try await Harness.run { harness in
            try await editedOak(harness)
            #expect(try await harness.send(.post, "\(Self.base)/\(Self.oak)/restore").problemCode == 404.1)
            try await harness.send(.delete, "\(Self.base)/\(Self.oak)")
            #expect(try await harness.send(.get, Self.base).json() == [])
            let deleted = try await harness.send(.get, "\(Self.base)?deleted=true").json().arrayValue ?? []
            #expect(deleted.map { $0["instanceId"]?.stringValue } == [Self.oak])
            #expect(deleted.first?["deletedAt"]?.stringValue != nil)
            let viewer = try await harness.user("viewer@example.com", role: "viewer", project: 1)
            #expect(try await harness.send(.post, "\(Self.base)/\(Self.oak)/restore", token: viewer.token).problemCode == 403.1)
            #expect(try await harness.send(.post, "\(Self.base)/\(Self.oak)/restore").status == .ok)
            #expect(try await harness.send(.get, "\(Self.base)/\(Self.oak)").status == .ok)
            let audits = try await harness.send(.get, "\(Self.base)/\(Self.oak)/audits").json().arrayValue ?? []
            #expect(audits.prefix(2).map { $0["action"]?.stringValue } == ["submission.restore", "submission.delete"])
            #expect(audits.first?["details"]?["instanceId"]?.stringValue == Self.oak)
        }
    }

    @Test func aClearedFileIsNoLongerPresent() async throws {
        try await Harness.run { harness in
            let project = try await harness.createProject()
            try await harness.publishForm("site_photo", project: project)
            let photo = try SampleFiles.file("submissions/site_photo/tree.jpg")
            let submitted = try await harness.submitOpenRosa(
                project: project, xml: SampleFiles.submission("site_photo", "site-1"), files: [("tree.jpg", "image/jpeg", photo)])
            #expect(submitted.status == .created)
            let list = try await harness.send(.get, "/v1/projects/\(project)/forms/site_photo/submissions").json()
            let id = try #require(list.arrayValue?.first?["instanceId"]?.stringValue)
            let attachments = "/v1/projects/\(project)/forms/site_photo/submissions/\(id)/attachments"
            #expect(try await harness.send(.get, attachments).json() == [["name": "tree.jpg", "exists": true]])
            #expect(try await harness.send(.delete, "\(attachments)/other.jpg").problemCode == 404.1)
            #expect(try await harness.send(.delete, "\(attachments)/tree.jpg").status == .ok)
            #expect(try await harness.send(.get, attachments).json() == [["name": "tree.jpg", "exists": false]])
            #expect(try await harness.send(.get, "\(attachments)/tree.jpg").problemCode == 404.1)
            let odata = try await harness.send(.get, "/v1/projects/\(project)/forms/site_photo.svc/Submissions").json()
            #expect(odata["value"]?.arrayValue?.first?["__system"]?["attachmentsPresent"]?.intValue == 0)
            #expect(odata["value"]?.arrayValue?.first?["__system"]?["attachmentsExpected"]?.intValue == 1)
        }
    }

    // Central's own unit cases for repeats (test/unit/data/submission.js).
    static let structurals: [String: SubmissionDiff.Kind] = ["/children": .group, "/children/child": .repeating]

    func diff(_ old: String, _ new: String) throws -> JSONValue {
        let versions = try [("new", SubmissionParser.instance(Data(new.utf8))), ("old", SubmissionParser.instance(Data(old.utf8)))]
        return SubmissionDiff.diffs(versions: versions, structurals: Self.structurals)["new"] ?? .null
    }

    func family(_ children: [(String, String)]) -> String {
        "<data><name>Bob</name><children>" + children.map { "<child><name>\($0.0)</name><age>\($0.1)</age></child>" }.joined()
            + "</children></data>"
    }

    @Test func repeatInstancesAreMatchedByContentNotPosition() throws {
        #expect(
            try diff(family([("Billy", "4")]), family([("Billy", "4"), ("Blaine", "6")]))
                == [["new": ["name": "Blaine", "age": "6"], "path": ["children", ["child", 1]]]])
        #expect(
            try diff(family([("Blaine", "6")]), family([("Billy", "4"), ("Blaine", "6")]))
                == [["new": ["name": "Billy", "age": "4"], "path": ["children", ["child", 0]]]])
        #expect(
            try diff(family([("William", "4"), ("Blaine", "16")]), family([("Billy", "4"), ("Blaine", "6")]))
                == [
                    ["old": "William", "new": "Billy", "path": ["children", ["child", 0], "name"]],
                    ["old": "16", "new": "6", "path": ["children", ["child", 1], "age"]],
                ])
        #expect(try diff("<data><age>30</age></data>", "<data/>") == [["old": "30", "path": ["age"]]])
    }

    @Test func anUnevenHunkKnocksOutTheInstanceThatMatchesWorst() throws {
        let old = family([("Alice", "1"), ("Bob", "2"), ("Chelsea", "3")])
        let new = family([("Alice", "1"), ("Bobby", "2")])
        #expect(
            try diff(old, new)
                == [
                    ["old": "Bob", "new": "Bobby", "path": ["children", ["child", 1], "name"]],
                    ["old": ["name": "Chelsea", "age": "3"], "path": ["children", ["child", 2]]],
                ])
    }
}
