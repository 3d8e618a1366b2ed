import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import Ingest

/// What `Tests/Schemathesis/run.sh` found wrong in the server, each pinned where it was fixed.
@Suite struct SchemathesisFindingsTests {
    @Test func aDashboardLoginFormWithAnEmptyFieldIsRefusedNotACrash() async throws {
        try await Harness.run { harness in
            for body in ["=", "%F1%BD%A6%80%02=&=true&=", "email=&password=", "&&=&"] {
                let response = try await harness.send(
                    .post, "/dashboard/login", token: .some(nil), body: Data(body.utf8), contentType: "application/x-www-form-urlencoded")
                #expect(response.status == .forbidden, "\(body)")
            }
            #expect(DashboardPage.formFields(Data("=&a=1&b".utf8)) == ["": "", "a": "1", "b": ""])
        }
    }

    @Test func anAppUserKeyWithPercentEscapesInItsURLIsTheSameKey() async throws {
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            let key = try await harness.appUser(project: project, forms: ["site_photo"])
            // The first character escaped as %XX (always possible), and any `$` or `!` as a client may escape them.
            let first = String(format: "%%%02X", key.utf8.first!)
            let escaped = first + key.dropFirst().replacingOccurrences(of: "$", with: "%24").replacingOccurrences(of: "!", with: "%21")
            let headers: HTTPFields = [OpenRosa.versionHeader: "1.0"]
            let plain = try await harness.send(.get, "/v1/key/\(key)/projects/\(project)/formList", token: .some(nil), headers: headers)
            let encoded = try await harness.send(
                .get, "/v1/key/\(escaped)/projects/\(project)/formList", token: .some(nil), headers: headers)
            #expect(plain.status == .ok)
            #expect(encoded.status == .ok, "Central decodes path parameters, so %24 is the key's $")
            #expect(encoded.text.contains("<formID>site_photo</formID>"))
        }
    }
}
