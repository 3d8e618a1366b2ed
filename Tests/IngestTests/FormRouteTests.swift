import Entities
import EntityScenarios
import Foundation
import Testing

@testable import Ingest

@Suite struct FormRouteTests {
    @Test func publishedFormIsListedAndServedByteForByte() async throws {
        try await Harness.run { harness in
            let project = try await harness.createProject()
            let published = try await harness.publishForm("trees_registration", project: project)
            #expect(published.status == .ok)
            let form = try published.json()
            #expect(form["xmlFormId"]?.stringValue == "trees_registration")
            #expect(form["version"]?.stringValue == "1")
            #expect(form["name"]?.stringValue == "Tree registration")
            #expect(form["publishedAt"]?.stringValue != nil)
            #expect(form["hash"]?.stringValue?.count == 32)
            for key in ["enketoId", "keyId", "updatedAt"] { #expect(form[key] != nil, "pyodk needs \(key) present") }

            let list = try await harness.send(.get, "/v1/projects/\(project)/forms").json().arrayValue ?? []
            #expect(list.map { $0["xmlFormId"]?.stringValue } == ["trees_registration"])
            let xml = try await harness.send(.get, "/v1/projects/\(project)/forms/trees_registration.xml")
            #expect(xml.data == (try SampleFiles.form("trees_registration")))
            let extended = try await harness.send(
                .get, "/v1/projects/\(project)/forms/trees_registration", headers: [.init("X-Extended-Metadata")!: "true"])
            #expect(try extended.json()["entityRelated"]?.boolValue == true)
            #expect(try extended.json()["submissions"]?.intValue == 0)
        }
    }

    @Test func formUploadedWithoutPublishIsADraftUntilPublished() async throws {
        try await Harness.run { harness in
            let project = try await harness.createProject()
            let created = try await harness.send(
                .post, "/v1/projects/\(project)/forms", body: SampleFiles.form("site_photo"), contentType: "application/xml")
            #expect(try created.json()["publishedAt"] == .null)
            #expect(try created.json()["draftToken"]?.stringValue?.count == 64)
            let formList = try await harness.send(.get, "/v1/projects/\(project)/formList", headers: [OpenRosa.versionHeader: "1.0"])
            #expect(!formList.text.contains("site_photo"), "drafts are not offered to devices")
            let published = try await harness.send(.post, "/v1/projects/\(project)/forms/site_photo/draft/publish")
            #expect(try published.json()["success"]?.boolValue == true)
            let form = try await harness.send(.get, "/v1/projects/\(project)/forms/site_photo").json()
            #expect(form["publishedAt"]?.stringValue != nil)
        }
    }

    @Test func newDraftWithANewVersionIsPublishedAndAnOldVersionCannotBeReused() async throws {
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            let copy = try await harness.send(.post, "/v1/projects/\(project)/forms/site_photo/draft")
            #expect(copy.status == .ok)
            let clash = try await harness.send(.post, "/v1/projects/\(project)/forms/site_photo/draft/publish")
            #expect(clash.problemCode == 409.6)
            let bumped = try await harness.send(.post, "/v1/projects/\(project)/forms/site_photo/draft/publish?version=2")
            #expect(bumped.status == .ok)
            let form = try await harness.send(.get, "/v1/projects/\(project)/forms/site_photo").json()
            #expect(form["version"]?.stringValue == "2")
            let old = try await harness.submitOpenRosa(project: project, xml: SampleFiles.submission("site_photo", "site-1"))
            #expect(old.status == .created, "a phone still on version 1 may submit to it")
        }
    }

    @Test func draftForAnotherFormIdIsRefused() async throws {
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            let response = try await harness.send(
                .post, "/v1/projects/\(project)/forms/site_photo/draft", body: SampleFiles.form("trees_registration"),
                contentType: "application/xml")
            #expect(response.problemCode == 400.8)
        }
    }

    @Test func sameFormIdTwiceIs409Point3() async throws {
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            let again = try await harness.publishForm("site_photo", project: project)
            #expect(again.status == .conflict)
            #expect(again.problemCode == 409.3)
            #expect(try again.json()["details"]?["fields"] == ["projectId", "xmlFormId"])
        }
    }

    @Test func deletedFormIsGone() async throws {
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            #expect(try await harness.send(.delete, "/v1/projects/\(project)/forms/site_photo").status == .ok)
            #expect(try await harness.send(.get, "/v1/projects/\(project)/forms/site_photo").problemCode == 404.1)
            #expect(try await harness.publishForm("site_photo", project: project).status == .ok, "the id is free again")
        }
    }

    @Test(arguments: [
        ("<h:html><h:head>", 400.1),
        (#"<h:html xmlns:h="http://www.w3.org/1999/xhtml"><h:head><model><instance><data/></instance></model></h:head></h:html>"#, 400.2),
        (#"<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>"#, 400.8),
    ])
    func badFormXMLIsRefusedAndNothingIsStored(_ xml: String, _ code: Double) async throws {
        try await Harness.run { harness in
            let project = try await harness.createProject()
            let response = try await harness.send(
                .post, "/v1/projects/\(project)/forms?publish=true", body: Data(xml.utf8), contentType: "application/xml")
            #expect(response.problemCode == code)
            #expect(try await harness.send(.get, "/v1/projects/\(project)/forms").json() == [])
        }
    }

    @Test func invalidEntityDeclarationIs400Point25AndCreatesNoDataset() async throws {
        try await Harness.run { harness in
            let project = try await harness.createProject()
            let xml = String(decoding: try SampleFiles.form("trees_registration"), as: UTF8.self)
                .replacingOccurrences(of: #"dataset="trees""#, with: #"dataset="bad.name""#)
            let response = try await harness.send(
                .post, "/v1/projects/\(project)/forms?publish=true", body: Data(xml.utf8), contentType: "application/xml")
            #expect(response.problemCode == 400.25)
            #expect(
                try response.json()["message"]?.stringValue == "The entity definition within the form is invalid. Invalid dataset name.")
            #expect(try await harness.send(.get, "/v1/projects/\(project)/forms").json() == [])
            #expect(try await harness.send(.get, "/v1/projects/\(project)/datasets").json() == [])
        }
    }

    @Test func wrongContentTypesAreRefused() async throws {
        try await Harness.run { harness in
            let project = try await harness.createProject()
            let json = try await harness.send(
                .post, "/v1/projects/\(project)/forms", body: SampleFiles.form("site_photo"), contentType: "application/json")
            #expect(json.problemCode == 400.8)
            let excel = try await harness.send(
                .post, "/v1/projects/\(project)/forms", body: Data([0x50, 0x4B]),
                contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            #expect(excel.problemCode == 501.3)
            #expect(try await harness.send(.get, "/v1/projects/\(project)/forms").json() == [])
        }
    }

    @Test func draftAttachmentIsUploadedAndServedToDevices() async throws {
        try await Harness.run { harness in
            let project = try await harness.createProject()
            let xml = String(decoding: try SampleFiles.form("site_photo"), as: UTF8.self)
                .replacingOccurrences(of: "<instance>", with: #"<instance id="sites" src="jr://file/sites.xml"/><instance>"#)
            _ = try await harness.send(.post, "/v1/projects/\(project)/forms", body: Data(xml.utf8), contentType: "application/xml")
            let bytes = Data("<root><item/></root>".utf8)
            let upload = try await harness.send(
                .post, "/v1/projects/\(project)/forms/site_photo/draft/attachments/sites.xml", body: bytes, contentType: "text/xml")
            #expect(try upload.json()["exists"]?.boolValue == true)
            #expect(try upload.json()["hash"]?.stringValue?.count == 32)
            let unknown = try await harness.send(
                .post, "/v1/projects/\(project)/forms/site_photo/draft/attachments/other.xml", body: bytes, contentType: "text/xml")
            #expect(unknown.problemCode == 404.1)
            _ = try await harness.send(.post, "/v1/projects/\(project)/forms/site_photo/draft/publish")
            let formList = try await harness.send(.get, "/v1/projects/\(project)/formList", headers: [OpenRosa.versionHeader: "1.0"])
            #expect(formList.text.contains("<manifestUrl>"))
            let manifest = try await harness.send(
                .get, "/v1/projects/\(project)/forms/site_photo/manifest", headers: [OpenRosa.versionHeader: "1.0"])
            #expect(manifest.text.contains("<filename>sites.xml</filename>"))
            #expect(manifest.text.contains("<hash>md5:"))
            let download = try await harness.send(.get, "/v1/projects/\(project)/forms/site_photo/attachments/sites.xml")
            #expect(download.data == bytes)
        }
    }
}
