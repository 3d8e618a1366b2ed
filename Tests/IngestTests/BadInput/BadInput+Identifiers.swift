import Entities
import EntityScenarios
import Foundation
import HTTPTypes
import Testing

@testable import Ingest

/// Identifiers and file names made of SQL, path characters or their escapes: they name nothing, and are
/// compared as text (every query is parameterized), never as SQL or a file path.
@Suite struct BadInputIdentifierTests {
    static let hostile = [
        "'; DROP TABLE submissions;--", "' OR '1'='1", "../../etc/passwd", "..", "%2F", "a/b", "\"", "*", "%",
    ]

    /// Each hostile text escaped into one path segment.
    static func segment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }

    @Test func identifiersOfSQLOrPathCharactersNameNothing() async throws {
        try await Harness.run { harness in
            let project = try await harness.createProject()
            try await harness.publishForm("trees_registration", project: project)
            let oak = try SampleFiles.submission("trees_registration", "reg-1-oak")
            #expect(try await harness.submitOpenRosa(project: project, xml: oak).status == .created)
            let before = try await harness.storedCounts()
            let base = "/v1/projects/\(project)"
            for text in Self.hostile {
                let id = Self.segment(text)
                let paths = [
                    "\(base)/forms/\(id)", "\(base)/forms/\(id).xml", "\(base)/forms/trees_registration/submissions/\(id)",
                    "\(base)/forms/trees_registration/submissions/\(id).xml", "\(base)/forms/trees_registration/versions/\(id)",
                    "\(base)/datasets/\(id)", "\(base)/datasets/\(id)/entities", "\(base)/datasets/trees/entities/\(id)",
                    "\(base)/datasets/trees/entities/\(id)/versions", "/v1/users/\(id)", "/v1/projects/\(id)",
                ]
                for path in paths {
                    expectProblem(try await harness.send(.get, path), 404.1, path)
                }
                let xml = Data(
                    String(decoding: oak, as: UTF8.self).replacingOccurrences(
                        of: #"id="trees_registration""#, with: #"id="\#(OpenRosa.escape(text))""#
                    ).utf8)
                let openRosa = try await harness.submitOpenRosa(project: project, xml: xml)
                expectOpenRosa(openRosa, 404, "Could not find the resource you were looking for.", "form id \(text)")
                let dataset = try await harness.sendJSON(.post, "\(base)/datasets", ["name": .string(text)])
                expectProblem(dataset, 400.8, "dataset name \(text)")
            }
            #expect(try await harness.storedCounts() == before)
            let listed = try await harness.send(.get, "\(base)/forms/trees_registration/submissions").json()
            #expect(listed.arrayValue?.count == 1, "the tables are all still there")
        }
    }

    @Test func anInstanceIDOfSQLTextIsStoredAndFoundAsText() async throws {
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            let instance = "'; DROP TABLE submissions;--"
            let xml = Data(
                try BadInput.sitePhoto().replacingOccurrences(
                    of: "uuid:55550000-0000-4000-8000-000000000001", with: OpenRosa.escape(instance)
                ).utf8)
            #expect(try await harness.submitOpenRosa(project: project, xml: xml).status == .created)
            let path = "/v1/projects/\(project)/forms/site_photo/submissions/\(Self.segment(instance))"
            #expect(try await harness.send(.get, path).json()["instanceId"]?.stringValue == instance)
            #expect(try await harness.send(.get, "\(path).xml").data == xml)
        }
    }

    @Test func attachmentNamesThatClimbOutOfTheirFolderAreRefused() async throws {
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            let photo = try SampleFiles.file("submissions/site_photo/tree.jpg")
            let instance = Harness.sitePhotoInstance()
            #expect(try await harness.submitOpenRosa(project: project, xml: Harness.sitePhotoXML()).status == .created)
            let before = try await harness.storedCounts()
            let reason = "a file name may not contain / or \\ or control characters, and may be at most 255 bytes."
            for name in ["../../x.jpg", "..\\..\\x.jpg", "/etc/passwd"] {
                let xml = try Harness.sitePhotoXML(photo: OpenRosa.escape(name), suffix: "2")
                let openRosa = try await harness.submitOpenRosa(project: project, xml: xml, files: [(name, "image/jpeg", photo)])
                expectOpenRosa(openRosa, 400, "Unexpected file name value \(name); \(reason)", "OpenRosa part \(name)")
                let upload = try await harness.send(
                    .post, "/v1/projects/\(project)/forms/site_photo/submissions/\(instance)/attachments/\(Self.segment(name))",
                    body: photo,
                    contentType: "image/jpeg")
                expectProblem(upload, 400.8, "REST upload \(name)")
                let download = try await harness.send(
                    .get, "/v1/projects/\(project)/forms/site_photo/submissions/\(instance)/attachments/\(Self.segment(name))")
                expectProblem(download, 404.1, "REST download \(name)")
            }
            #expect(try await harness.storedCounts() == before)
        }
    }
}
