import Entities
import EntityScenarios
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import Ingest

/// Closing a form, throwing a draft away, older versions, and bringing a deleted form back.
@Suite struct FormLifecycleTests {
    static let openRosa: HTTPFields = [OpenRosa.versionHeader: "1.0"]

    static func siteXML(version: String) throws -> Data {
        let text = String(decoding: try SampleFiles.form("site_photo"), as: UTF8.self)
        return Data(text.replacingOccurrences(of: #"version="1""#, with: #"version="\#(version)""#).utf8)
    }

    @Test func closingHidesTheFormFromPhonesAndClosedRefusesSubmissions() async throws {
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            let key = try await harness.appUser(project: project, forms: ["site_photo"])
            let formPath = "/v1/projects/\(project)/forms/site_photo"
            let formList = "/v1/key/\(key)/projects/\(project)/formList"

            let closing = try await harness.sendJSON(.patch, formPath, ["state": "closing"])
            #expect(try closing.json()["state"]?.stringValue == "closing")
            #expect(!(try await harness.send(.get, formList, token: .some(nil), headers: Self.openRosa).text.contains("site_photo")))
            let accepted = try await harness.submitOpenRosa(
                project: project, xml: Harness.sitePhotoXML(suffix: "1"), prefix: "/v1/key/\(key)", token: .some(nil))
            #expect(accepted.status == .created, "closing still accepts")

            #expect(try await harness.sendJSON(.patch, formPath, ["state": "closed"]).status == .ok)
            let refused = try await harness.submitOpenRosa(
                project: project, xml: Harness.sitePhotoXML(suffix: "2"), prefix: "/v1/key/\(key)", token: .some(nil))
            #expect(refused.status == .conflict && refused.text.contains("not currently accepting submissions"))
            let stranger = try await harness.appUser(project: project, name: "Unassigned")
            let strangerAnswer = try await harness.submitOpenRosa(
                project: project, xml: Harness.sitePhotoXML(suffix: "3"), prefix: "/v1/key/\(stranger)", token: .some(nil))
            #expect(strangerAnswer.status == .conflict, "Central tells a closed form before it checks who asks")
            #expect(try await harness.send(.get, "\(formPath)/submissions").json().arrayValue?.count == 1)

            #expect(try await harness.sendJSON(.patch, formPath, ["state": "open"]).status == .ok)
            let reopened = try await harness.submitOpenRosa(
                project: project, xml: Harness.sitePhotoXML(suffix: "2"), prefix: "/v1/key/\(key)", token: .some(nil))
            #expect(reopened.status == .created, "at once, past the form cache")

            let bad = try await harness.sendJSON(.patch, formPath, ["state": "archived"])
            #expect(bad.problemCode == 400.8)
            let audits = try await harness.send(.get, "/v1/audits?action=form.update").json()
            #expect(audits.arrayValue?.count == 3)
        }
    }

    @Test func aDraftCanBeThrownAwayButNotTheOnlyVersion() async throws {
        try await Harness.run { harness in
            let project = try await harness.createProject()
            let created = try await harness.send(
                .post, "/v1/projects/\(project)/forms", body: SampleFiles.form("site_photo"), contentType: "application/xml")
            #expect(created.status == .ok)
            let formPath = "/v1/projects/\(project)/forms/site_photo"
            #expect(try await harness.send(.delete, "\(formPath)/draft").problemCode == 409.7)
            #expect(try await harness.send(.post, "\(formPath)/draft/publish").status == .ok)
            #expect(try await harness.send(.delete, "\(formPath)/draft").problemCode == 404.1, "no draft now")

            let draft = try await harness.send(.post, "\(formPath)/draft", body: Self.siteXML(version: "2"), contentType: "application/xml")
            #expect(draft.status == .ok)
            #expect(try await harness.send(.get, "\(formPath)/draft.xml").data == (try Self.siteXML(version: "2")))
            #expect(try await harness.send(.delete, "\(formPath)/draft").status == .ok)
            #expect(try await harness.send(.get, "\(formPath)/draft").problemCode == 404.1)
            #expect(try await harness.send(.get, formPath).json()["version"]?.stringValue == "1", "the published version stays")
        }
    }

    @Test func everyPublishedVersionIsListedAndReadable() async throws {
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            let formPath = "/v1/projects/\(project)/forms/site_photo"
            #expect(
                try await harness.send(.post, "\(formPath)/draft", body: Self.siteXML(version: "2"), contentType: "application/xml").status
                    == .ok)
            #expect(try await harness.send(.post, "\(formPath)/draft/publish").status == .ok)
            let versions = try await harness.send(.get, "\(formPath)/versions").json()
            #expect(versions.arrayValue?.map { $0["version"]?.stringValue } == ["2", "1"])
            #expect(try await harness.send(.get, "\(formPath)/versions/1").json()["version"]?.stringValue == "1")
            #expect(try await harness.send(.get, "\(formPath)/versions/1.xml").data == (try SampleFiles.form("site_photo")))
            #expect(try await harness.send(.get, "\(formPath)/versions/9").problemCode == 404.1)
        }
    }

    @Test func aDeletedFormIsListedAndRestoredByItsNumericId() async throws {
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            #expect(try await harness.send(.delete, "/v1/projects/\(project)/forms/site_photo").status == .ok)
            let deleted = try await harness.send(.get, "/v1/projects/\(project)/forms?deleted=true").json()
            let id = try #require(deleted.arrayValue?.first?["id"]?.intValue)
            #expect(deleted.arrayValue?.first?["deletedAt"]?.stringValue != nil)

            #expect(try await harness.publishForm("site_photo", project: project).status == .ok)
            #expect(
                try await harness.send(.post, "/v1/projects/\(project)/forms/\(id)/restore").problemCode == 409.3, "the id is taken again")
            #expect(try await harness.send(.delete, "/v1/projects/\(project)/forms/site_photo").status == .ok)
            #expect(try await harness.send(.post, "/v1/projects/\(project)/forms/\(id)/restore").status == .ok)
            #expect(try await harness.send(.get, "/v1/projects/\(project)/forms/site_photo").status == .ok)
            #expect(try await harness.send(.post, "/v1/projects/\(project)/forms/\(id)/restore").problemCode == 404.1)
        }
    }

    @Test func aDraftAttachmentIsDownloadedAndCleared() async throws {
        try await Harness.run { harness in
            let project = try await harness.createProject()
            try await harness.publishForm("trees_update", project: project)
            let formPath = "/v1/projects/\(project)/forms/trees_update"
            #expect(try await harness.send(.post, "\(formPath)/draft").status == .ok)
            let attachments = try await harness.send(.get, "\(formPath)/draft/attachments").json()
            let name = try #require(attachments.arrayValue?.first?["name"]?.stringValue)
            let download = try await harness.send(.get, "\(formPath)/draft/attachments/\(name)")
            #expect(download.status == .ok && download.text.hasPrefix("name,label"))
            #expect(try await harness.send(.delete, "\(formPath)/draft/attachments/\(name)").status == .ok)
            #expect(try await harness.send(.get, "\(formPath)/draft/attachments/\(name)").problemCode == 404.1)
            #expect(try await harness.send(.delete, "\(formPath)/draft/attachments/\(name)").problemCode == 404.1)
        }
    }

    @Test func aClosedFormIsReadOnlyByThoseWhoReadEveryForm() async throws {
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            let key = try await harness.appUser(project: project, forms: ["site_photo"])
            let viewer = try await harness.user("v@example.com", role: "viewer", project: project)
            let collector = try await harness.user("c@example.com", role: "formfill", project: project)
            #expect(try await harness.sendJSON(.patch, "/v1/projects/\(project)/forms/site_photo", ["state": "closed"]).status == .ok)
            let xml = "/projects/\(project)/forms/site_photo.xml"
            #expect(try await harness.send(.get, "/v1/key/\(key)\(xml)", token: .some(nil)).problemCode == 403.1)
            #expect(try await harness.send(.get, "/v1\(xml)", token: collector.token).problemCode == 403.1)
            #expect(try await harness.send(.get, "/v1\(xml)", token: viewer.token).status == .ok)
        }
    }
}

@Suite struct FormFieldTests {
    @Test func fieldsAreListedDepthFirstWithTypesAsCentralListsThem() async throws {
        try await Harness.run { harness in
            let project = try await harness.createProject()
            #expect(try await harness.publishForm("households_repeat", project: project).status == .ok)
            let fields = try await harness.send(.get, "/v1/projects/\(project)/forms/households_repeat/fields").json()
            let rows = fields.arrayValue?.map { "\($0["path"]!.stringValue!) \($0["type"]!.stringValue!)" }
            #expect(
                rows == [
                    "/household_name string", "/members repeat", "/members/name string", "/members/age int", "/members/meta structure",
                    "/members/meta/entity structure", "/members/meta/entity/label string", "/meta structure", "/meta/instanceID string",
                ], "the repeat once, though the instance holds it twice")
            #expect(
                fields.arrayValue?.first == [
                    "name": "household_name", "path": "/household_name", "type": "string", "binary": .null, "selectMultiple": .null,
                ])

            try await harness.publishForm("site_photo", project: project)
            let photo = try await harness.send(.get, "/v1/projects/\(project)/forms/site_photo/fields").json()
            #expect(photo.arrayValue?.first { $0["name"] == "photo" }?["binary"] == true)
            #expect(try await harness.send(.get, "/v1/projects/\(project)/forms/site_photo/draft/fields").problemCode == 404.1)
        }
    }
}
