import Entities
import EntityScenarios
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import Ingest

/// No answer under /v1 can run as a page, downloads name themselves safely, and text a database or a
/// password hash would cut short is refused.
@Suite struct SecurityHeaderTests {
    static func expectLockedDown(_ response: TestResponse, _ what: String) {
        let policy = response.headers[.contentSecurityPolicy] ?? ""
        #expect(policy.contains("default-src 'none'") && policy.contains("sandbox"), "\(what): \(policy)")
        #expect(policy.contains("frame-ancestors 'none'"), "\(what)")
        #expect(response.headers[.xContentTypeOptions] == "nosniff", "\(what)")
    }

    @Test func everyAnswerCarriesThePolicyErrorsToo() async throws {
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            let photo = Data("<h:html xmlns:h='http://www.w3.org/1999/xhtml'><h:script>alert(1)</h:script></h:html>".utf8)
            _ = try await harness.submitOpenRosa(project: project, xml: Harness.sitePhotoXML(), files: [("tree.jpg", "text/html", photo)])
            let base = "/v1/projects/\(project)/forms/site_photo"
            let submission = "\(base)/submissions/\(Harness.sitePhotoInstance())"
            let answers: [(String, TestResponse)] = [
                ("submission xml", try await harness.send(.get, "\(submission).xml")),
                ("form xml", try await harness.send(.get, "\(base).xml")),
                ("attachment", try await harness.send(.get, "\(submission)/attachments/tree.jpg")),
                ("json", try await harness.send(.get, "\(base)/submissions")),
                ("openrosa", try await harness.send(.get, "/v1/projects/\(project)/formList", headers: [OpenRosa.versionHeader: "1.0"])),
                ("unknown route", try await harness.send(.get, "/v1/no/such/thing")),
                ("unauthenticated", try await harness.send(.get, "\(submission).xml", token: .some(nil))),
                ("openrosa error", try await harness.send(.get, "/v1/projects/\(project)/formList")),
                ("health", try await harness.send(.get, "/healthz")),
            ]
            for (what, response) in answers { Self.expectLockedDown(response, what) }
            let xml = answers[0].1
            #expect(xml.headers[.contentDisposition]?.hasPrefix("attachment; filename=\"uuid:55550000") == true)
            #expect(answers[2].1.headers[.contentDisposition]?.hasPrefix("attachment;") == true)
        }
    }

    @Test func aQuoteInAFileNameCannotAddAParameter() async throws {
        let header = ContentDisposition.attachment(filename: "x\"; filename=evil.html; x=\"é.jpg")
        #expect(
            header
                == "attachment; filename=\"x__ filename=evil.html_ x=__.jpg\"; filename*=UTF-8''x%22%3B%20filename%3Devil.html%3B%20x%3D%22%C3%A9.jpg"
        )
        #expect(ContentDisposition.attachment(filename: "../../etc/passwd").contains("filename=\"_.._etc_passwd\""))
        #expect(ContentDisposition.attachment(filename: "\r\nSet-Cookie: a=b").hasPrefix("attachment; filename=\"__Set-Cookie: a=b\""))
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            let name = "a\"b.jpg"
            _ = try await harness.submitOpenRosa(
                project: project, xml: Harness.sitePhotoXML(photo: OpenRosa.escape(name)), files: [(name, "image/jpeg", Data("p".utf8))])
            let download = try await harness.send(
                .get,
                "/v1/projects/\(project)/forms/site_photo/submissions/\(Harness.sitePhotoInstance())/attachments/a%22b.jpg")
            #expect(download.status == .ok)
            #expect(download.headers[.contentDisposition] == "attachment; filename=\"a_b.jpg\"; filename*=UTF-8''a%22b.jpg")
        }
    }

    @Test func jsonEndpointsRefuseFormAndTextBodies() async throws {
        try await Harness.run { harness in
            for type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
                let response = try await harness.send(.post, "/v1/projects", body: Data(#"{"name":"csrf"}"#.utf8), contentType: type)
                #expect(response.problemCode == 400.8, "\(type)")
            }
            #expect(try await harness.sendJSON(.post, "/v1/projects", ["name": "real"]).status == .ok)
            let names = try await harness.send(.get, "/v1/projects").json().arrayValue?.compactMap { $0["name"]?.stringValue }
            #expect(names == ["real"])
        }
    }

    @Test func aNullCharacterIsRefusedWhereverItComesFrom() async throws {
        try await Harness.run { harness in
            let json = try await harness.send(
                .post, "/v1/projects", body: Data(#"{"name":"ab\u0000cd"}"#.utf8), contentType: "application/json")
            #expect(json.problemCode == 400.8)
            let key = try await harness.send(
                .post, "/v1/projects", body: Data(#"{"na\u0000me":"x"}"#.utf8), contentType: "application/json")
            #expect(key.problemCode == 400.8)
            #expect(try await harness.send(.get, "/v1/projects").json().arrayValue?.isEmpty == true)
            #expect(try await harness.send(.get, "/v1/projects/1%00").problemCode == 400.8)
            #expect(try await harness.send(.get, "/v1/projects?x=%00").problemCode == 400.8)
            let login = try await harness.send(
                .post, "/v1/sessions",
                body: Data(#"{"email":"\#(Harness.adminEmail)","password":"\#(Harness.adminPassword)\u0000ignored"}"#.utf8),
                contentType: "application/json")
            #expect(login.problemCode == 400.8, "bcrypt would compare only up to the NUL")
            let basic = Data("\(Harness.adminEmail):\(Harness.adminPassword)\u{0}x".utf8).base64EncodedString()
            let viaBasic = try await harness.send(.get, "/v1/projects", token: .some(nil), headers: [.authorization: "Basic \(basic)"])
            #expect(viaBasic.problemCode == 400.8)
            let project = try await harness.sitePhotoProject()
            let part = try await harness.submitOpenRosa(
                project: project, xml: Harness.sitePhotoXML(), files: [("tree\u{0}.jpg", "image/jpeg", Data("p".utf8))])
            #expect(part.status == .badRequest)
            #expect(part.text.contains("<OpenRosaResponse"))
        }
    }
}
