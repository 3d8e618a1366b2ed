import Entities
import EntityScenarios
import Foundation
import HTTPTypes
import Testing

@testable import Ingest
@testable import Store

@Suite struct OpenRosaSubmissionTests {
    @Test func headAnswers204WithOpenRosaHeaders() async throws {
        try await Harness.run { harness in
            let project = try await harness.createProject()
            let response = try await harness.send(.head, "/v1/projects/\(project)/submission", headers: [OpenRosa.versionHeader: "1.0"])
            #expect(response.status == .noContent)
            #expect(response.headers[OpenRosa.versionHeader] == "1.0")
            #expect(response.headers[OpenRosa.acceptLengthHeader] == "100000000")
            let date = try #require(response.headers[.date])
            #expect(date.wholeMatch(of: #/[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT/#) != nil, "\(date)")
        }
    }

    @Test func missingProtocolHeaderIsAnOpenRosaError() async throws {
        try await Harness.run { harness in
            let project = try await harness.createProject()
            let response = try await harness.send(.get, "/v1/projects/\(project)/formList")
            #expect(response.status == .badRequest)
            #expect(response.text.contains(#"<message nature="error">"#))
        }
    }

    @Test func photoSubmissionIs201AndThePhotoComesBackByteForByte() async throws {
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            let photo = try SampleFiles.file("submissions/site_photo/tree.jpg")
            let xml = try SampleFiles.submission("site_photo", "site-1")
            let response = try await harness.submitOpenRosa(project: project, xml: xml, files: [("tree.jpg", "image/jpeg", photo)])
            #expect(response.status == .created)
            #expect(response.text.contains("full submission upload was successful!"))
            #expect(response.headers[.contentType]?.hasPrefix("text/xml") == true)
            let instance = "uuid:55550000-0000-4000-8000-000000000001"
            let base = "/v1/projects/\(project)/forms/site_photo/submissions/\(instance)"
            let attachments = try await harness.send(.get, "\(base)/attachments").json()
            #expect(attachments == [["name": "tree.jpg", "exists": true]])
            let download = try await harness.send(.get, "\(base)/attachments/tree.jpg")
            #expect(download.data == photo)
            #expect(download.headers[.contentType] == "image/jpeg")
            #expect(try await harness.send(.get, "\(base).xml").data == xml)
        }
    }

    /// Submissions find their form from memory; deleting and republishing the form must still be seen at once.
    @Test func deletedFormRefusesSubmissionsAndAFormRepublishedUnderItsIdTakesThem() async throws {
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            #expect(
                try await harness.submitOpenRosa(project: project, xml: SampleFiles.submission("site_photo", "site-1")).status == .created)
            #expect(try await harness.send(.delete, "/v1/projects/\(project)/forms/site_photo").status == .ok)
            let refused = try await harness.submitOpenRosa(project: project, xml: SampleFiles.submission("site_photo", "site-1"))
            #expect(refused.status == .notFound)
            try await harness.publishForm("site_photo", project: project)
            #expect(
                try await harness.submitOpenRosa(project: project, xml: SampleFiles.submission("site_photo", "site-1")).status == .created)
            let listed = try await harness.send(.get, "/v1/projects/\(project)/forms/site_photo/submissions").json()
            #expect(listed.arrayValue?.count == 1, "the new form holds only what was sent to it")
        }
    }

    @Test func identicalResendIsAcceptedAndMediaMayFollowLater() async throws {
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            let xml = try SampleFiles.submission("site_photo", "site-1")
            #expect(try await harness.submitOpenRosa(project: project, xml: xml).status == .created)
            let photo = try SampleFiles.file("submissions/site_photo/tree.jpg")
            let second = try await harness.submitOpenRosa(project: project, xml: xml, files: [("tree.jpg", "image/jpeg", photo)])
            #expect(second.status == .created)
            let list = try await harness.send(.get, "/v1/projects/\(project)/forms/site_photo/submissions").json()
            #expect(list.arrayValue?.count == 1)
            let download = try await harness.send(
                .get, "/v1/projects/\(project)/forms/site_photo/submissions/uuid:55550000-0000-4000-8000-000000000001/attachments/tree.jpg")
            #expect(download.data == photo)
        }
    }

    @Test func sameInstanceIDWithDifferentXMLIs409AndKeepsTheFirst() async throws {
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            let xml = try SampleFiles.submission("site_photo", "site-1")
            _ = try await harness.submitOpenRosa(project: project, xml: xml)
            let changed = Data(String(decoding: xml, as: UTF8.self).replacingOccurrences(of: "tree.jpg", with: "other.jpg").utf8)
            let response = try await harness.submitOpenRosa(project: project, xml: changed)
            #expect(response.status == .conflict)
            #expect(response.text.contains("A submission already exists with this ID, but with different XML."))
            let stored = try await harness.send(
                .get, "/v1/projects/\(project)/forms/site_photo/submissions/uuid:55550000-0000-4000-8000-000000000001.xml")
            #expect(stored.data == xml)
        }
    }

    @Test func editThroughDeprecatedIDMakesANewVersion() async throws {
        try await Harness.run { harness in
            let project = try await harness.createProject()
            try await harness.publishForm("trees_registration", project: project)
            _ = try await harness.submitOpenRosa(project: project, xml: SampleFiles.submission("trees_registration", "reg-1-oak"))
            let edit = try await harness.submitOpenRosa(
                project: project, xml: SampleFiles.submission("trees_registration", "reg-1-oak-edited"))
            #expect(edit.status == .created)
            let list = try await harness.send(.get, "/v1/projects/\(project)/forms/trees_registration/submissions").json().arrayValue ?? []
            #expect(list.count == 1)
            #expect(list.first?["reviewState"]?.stringValue == "edited")
            #expect(list.first?["currentVersion"]?["instanceId"]?.stringValue == "uuid:11110000-0000-4000-8000-0000000000e1")
            #expect(try await harness.audits("submission.update.version").count == 1)
        }
    }

    @Test func badSubmissionsGetOpenRosaErrorsAndStoreNothing() async throws {
        try await Harness.run(configuration: GatewayConfiguration(bodyLimit: 64 * 1024)) { harness in
            let project = try await harness.sitePhotoProject()
            let valid = String(decoding: try SampleFiles.submission("site_photo", "site-1"), as: UTF8.self)
            let cases: [(String, Data, HTTPResponse.Status)] = [
                ("malformed", Data("<data id=\"site_photo\"><meta>".utf8), .badRequest),
                ("unknown form", Data(valid.replacingOccurrences(of: #"id="site_photo""#, with: #"id="nope""#).utf8), .notFound),
                ("old version", Data(valid.replacingOccurrences(of: #"version="1""#, with: #"version="0""#).utf8), .notFound),
                (
                    "no instanceID",
                    Data(
                        valid.replacingOccurrences(of: #"<instanceID>"#, with: "<other>").replacingOccurrences(
                            of: "</instanceID>", with: "</other>"
                        ).utf8), .badRequest
                ),
                ("external entity", Data((#"<!DOCTYPE data [<!ENTITY e SYSTEM "file:///etc/passwd">]>"# + valid).utf8), .badRequest),
                ("too large", Data((valid + String(repeating: " ", count: 70 * 1024)).utf8), .badRequest),
            ]
            for (name, xml, status) in cases {
                let response = try await harness.submitOpenRosa(project: project, xml: xml)
                #expect(response.status == status, "\(name): \(response.text)")
                #expect(response.text.contains("<OpenRosaResponse"), "\(name) answers in OpenRosa XML")
            }
            let missingPart = try await harness.send(
                .post, "/v1/projects/\(project)/submission", headers: [OpenRosa.versionHeader: "1.0"],
                body: Data("--b\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--b--\r\n".utf8),
                contentType: "multipart/form-data; boundary=b")
            #expect(missingPart.status == .badRequest)
            #expect(missingPart.text.contains("xml_submission_file"))
            let notMultipart = try await harness.send(
                .post, "/v1/projects/\(project)/submission", headers: [OpenRosa.versionHeader: "1.0"], body: Data(valid.utf8),
                contentType: "text/xml")
            #expect(notMultipart.status == .badRequest)
            let noBoundary = try await harness.send(
                .post, "/v1/projects/\(project)/submission", headers: [OpenRosa.versionHeader: "1.0"], body: Data("--b\r\n".utf8),
                contentType: "multipart/form-data")
            #expect(noBoundary.status == .badRequest)
            #expect(noBoundary.text.contains("<OpenRosaResponse") && noBoundary.text.contains("Multipart form content failed to parse"))
            let truncated = try await harness.send(
                .post, "/v1/projects/\(project)/submission", headers: [OpenRosa.versionHeader: "1.0"],
                body: Data(
                    "--b\r\nContent-Disposition: form-data; name=\"xml_submission_file\"; filename=\"s.xml\"\r\n\r\n\(valid.prefix(40))"
                        .utf8),
                contentType: "multipart/form-data; boundary=b")
            #expect(truncated.status == .badRequest)
            // A body cut off before its closing boundary is not form data.
            #expect(truncated.text.contains("<OpenRosaResponse") && truncated.text.contains("Multipart form content failed to parse"))
            let list = try await harness.send(.get, "/v1/projects/\(project)/forms/site_photo/submissions").json()
            #expect(list == [])
            #expect(try await harness.audits("submission.create").isEmpty)
        }
    }
}
