import Entities
import EntityScenarios
import Foundation
import HTTPTypes
import Testing

@testable import Ingest

/// Requests that are not the multipart form Collect sends, and submissions to forms that cannot take them.
@Suite struct BadInputOpenRosaTests {
    static let multipartFailed = "Multipart form content failed to parse."

    @Test func multipartWithoutABoundaryIsAParseFailure() async throws {
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            let before = try await harness.storedCounts()
            let body = Data(
                "--b\r\nContent-Disposition: form-data; name=\"xml_submission_file\"\r\n\r\n\(try BadInput.sitePhoto())\r\n--b--\r\n".utf8)
            for contentType in ["multipart/form-data", "multipart/form-data; boundary=", "multipart/form-data; charset=utf-8"] {
                let response = try await harness.postOpenRosa(project: project, body: body, contentType: contentType)
                expectOpenRosa(response, 400, Self.multipartFailed, contentType)
            }
            // RFC 2046 asks for at least one part; Central's reader takes this as no parts (400.7).
            let noParts = try await harness.postOpenRosa(
                project: project, body: Data("--b--\r\n".utf8), contentType: "multipart/form-data; boundary=b")
            expectOpenRosa(noParts, 400, Self.multipartFailed, "only the closing boundary")
            #expect(try await harness.storedCounts() == before)
        }
    }

    @Test func multipartWithoutTheXMLPartIs400Point7() async throws {
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            let before = try await harness.storedCounts()
            let missing = "Required multipart POST field xml_submission_file missing."
            let bodies: [(String, String)] = [
                (
                    "only a photo",
                    "--b\r\nContent-Disposition: form-data; name=\"tree.jpg\"; filename=\"tree.jpg\"\r\n\r\nJPEG\r\n--b--\r\n"
                ),
                (
                    "the XML under another name",
                    "--b\r\nContent-Disposition: form-data; name=\"xml_submission\"\r\n\r\n\(try BadInput.sitePhoto())\r\n--b--\r\n"
                ),
            ]
            for (name, body) in bodies {
                let response = try await harness.postOpenRosa(
                    project: project, body: Data(body.utf8), contentType: "multipart/form-data; boundary=b")
                expectOpenRosa(response, 400, missing, name)
            }
            // A body that never uses its boundary is all preamble: no parts, so no XML part.
            let preamble = "--other\r\nContent-Disposition: form-data; name=\"xml_submission_file\"\r\n\r\nx\r\n--other--\r\n"
            let unused = try await harness.postOpenRosa(
                project: project, body: Data(preamble.utf8), contentType: "multipart/form-data; boundary=b")
            expectOpenRosa(unused, 400, missing, "a boundary the body never uses")
            #expect(try await harness.storedCounts() == before)
        }
    }

    @Test func bodiesOfTheWrongContentTypeAreRefusedOnEveryPath() async throws {
        try await Harness.run { harness in
            let project = try await harness.createProject()
            try await harness.publishForm("trees_registration", project: project)
            let xml = try SampleFiles.submission("trees_registration", "reg-1-oak")
            #expect(try await harness.postREST(project: project, form: "trees_registration", xml: xml).status == .ok)
            let before = try await harness.storedCounts()
            for contentType in ["text/plain", "text/xml", "application/x-www-form-urlencoded", "application/json"] {
                let response = try await harness.postOpenRosa(project: project, body: xml, contentType: contentType)
                expectOpenRosa(response, 400, "Required multipart POST field xml_submission_file missing.", "OpenRosa as \(contentType)")
            }
            for contentType in ["application/json", "multipart/form-data; boundary=b", "application/x-www-form-urlencoded"] {
                let response = try await harness.postREST(project: project, form: "trees_registration", xml: xml, contentType: contentType)
                expectProblem(response, 400.8, "REST submission as \(contentType)")
            }
            let entity = "/v1/projects/\(project)/datasets/trees/entities/e7000000-0000-4000-8000-000000000001?baseVersion=1"
            let patch = try await harness.send(.patch, entity, body: Data("<label>x</label>".utf8), contentType: "application/xml")
            expectProblem(patch, 400.8, "entity PATCH as XML")
            let project2 = try await harness.send(.post, "/v1/projects", body: Data(#"{"name":"x"}"#.utf8), contentType: "text/plain")
            expectProblem(project2, 400.8, "project create as text/plain")
            let session = try await harness.send(
                .post, "/v1/sessions", token: .some(nil), body: Data("email=a&password=b".utf8),
                contentType: "application/x-www-form-urlencoded")
            expectProblem(session, 400.8, "login as a form post")
            #expect(try await harness.storedCounts() == before)
        }
    }

    @Test func anUnknownFormIs404OnBothPaths() async throws {
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            let before = try await harness.storedCounts()
            let xml = Data(try BadInput.sitePhoto().replacingOccurrences(of: #"id="site_photo""#, with: #"id="no_such_form""#).utf8)
            expectOpenRosa(
                try await harness.submitOpenRosa(project: project, xml: xml), 404, "Could not find the resource you were looking for.")
            expectProblem(try await harness.postREST(project: project, form: "no_such_form", xml: xml), 404.1)
            let otherProject = try await harness.submitOpenRosa(
                project: project + 100, xml: try SampleFiles.submission("site_photo", "site-1"))
            expectOpenRosa(otherProject, 404, "Could not find the resource you were looking for.", "an unknown project")
            #expect(try await harness.storedCounts() == before)
        }
    }

    @Test func anUnknownFormVersionIs404Point6OnBothPaths() async throws {
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            let before = try await harness.storedCounts()
            for version in ["0", "", "1 ", "1'; DROP TABLE form_defs;--"] {
                let xml = Data(
                    try BadInput.sitePhoto().replacingOccurrences(of: #"version="1""#, with: #"version="\#(OpenRosa.escape(version))""#)
                        .utf8)
                let message = "The form version specified in this submission '\(version)' does not exist."
                expectOpenRosa(try await harness.submitOpenRosa(project: project, xml: xml), 404, message, "version '\(version)'")
                let rest = try await harness.postREST(project: project, form: "site_photo", xml: xml)
                expectProblem(rest, 404.6, "version '\(version)'")
                #expect(try rest.json()["details"]?["formVersion"]?.stringValue == version)
            }
            #expect(try await harness.storedCounts() == before)
        }
    }

    @Test func aClosedFormIs409Point2OnBothPaths() async throws {
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            #expect(try await harness.sendJSON(.patch, "/v1/projects/\(project)/forms/site_photo", ["state": "closed"]).status == .ok)
            let before = try await harness.storedCounts()
            let xml = try SampleFiles.submission("site_photo", "site-1")
            expectOpenRosa(
                try await harness.submitOpenRosa(project: project, xml: xml), 409,
                "This form is not currently accepting submissions. Please talk to your program staff if this is unexpected.")
            expectProblem(try await harness.postREST(project: project, form: "site_photo", xml: xml), 409.2)
            #expect(try await harness.storedCounts() == before)
        }
    }
}
