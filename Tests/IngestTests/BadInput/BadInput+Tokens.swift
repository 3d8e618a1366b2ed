import Entities
import EntityScenarios
import Foundation
import HTTPTypes
import Testing

@testable import Ingest
@testable import Store

/// Credentials that were good once: a session logged out or past its expiry, a key revoked, a user deleted.
@Suite struct BadInputTokenTests {
    static let refused = "The authentication you provided does not have rights to perform that action."
    static let unauthenticated = "Could not authenticate with the provided credentials."

    @Test func anExpiredSessionIs401Point2() async throws {
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            let user = try await harness.user("expired@example.com", role: "manager", project: project)
            let token = "expired-session-token-" + String(repeating: "a", count: 42)
            _ = try await harness.store.createSession(actorId: user.id, token: token, lifetime: -1)
            let before = try await harness.storedCounts()
            expectProblem(try await harness.send(.get, "/v1/users/current", token: token), 401.2, "REST")
            expectProblem(try await harness.sendJSON(.post, "/v1/projects", ["name": "x"], token: token), 401.2, "REST write")
            let openRosa = try await harness.submitOpenRosa(project: project, xml: Harness.sitePhotoXML(), token: token)
            expectOpenRosa(openRosa, 401, Self.unauthenticated, "OpenRosa")
            #expect(try await harness.storedCounts() == before)
        }
    }

    @Test func aLoggedOutSessionIs401Point2Everywhere() async throws {
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            let user = try await harness.user("out@example.com", role: "manager", project: project)
            #expect(try await harness.send(.get, "/v1/projects/\(project)", token: user.token).status == .ok, "remembered first")
            #expect(try await harness.send(.delete, "/v1/sessions/current", token: user.token).status == .ok)
            let before = try await harness.storedCounts()
            expectProblem(try await harness.send(.get, "/v1/projects/\(project)", token: user.token), 401.2, "REST")
            let openRosa = try await harness.submitOpenRosa(project: project, xml: Harness.sitePhotoXML(suffix: "2"), token: user.token)
            expectOpenRosa(openRosa, 401, Self.unauthenticated, "OpenRosa")
            let formList = try await harness.send(
                .get, "/v1/projects/\(project)/formList", token: user.token, headers: BadInput.openRosaHeaders)
            expectOpenRosa(formList, 401, Self.unauthenticated, "formList")
            #expect(try await harness.storedCounts() == before)
        }
    }

    @Test func aRevokedAppUserKeyIs403OnEveryPath() async throws {
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            let key = try await harness.appUser(project: project, forms: ["site_photo"])
            let keyed = "/v1/key/\(key)/projects/\(project)"
            #expect(try await harness.send(.get, "\(keyed)/formList", token: .some(nil), headers: BadInput.openRosaHeaders).status == .ok)
            #expect(try await harness.send(.delete, "/v1/sessions/\(key)").status == .ok)
            let before = try await harness.storedCounts()
            let submission = try await harness.submitOpenRosa(
                project: project, xml: Harness.sitePhotoXML(), prefix: "/v1/key/\(key)", token: .some(nil))
            expectOpenRosa(submission, 403, Self.refused, "OpenRosa submission")
            let probe = try await harness.send(.head, "\(keyed)/submission", token: .some(nil), headers: BadInput.openRosaHeaders)
            #expect(probe.status == .forbidden, "HEAD")
            expectOpenRosa(
                try await harness.send(.get, "\(keyed)/formList", token: .some(nil), headers: BadInput.openRosaHeaders), 403, Self.refused,
                "formList")
            expectOpenRosa(
                try await harness.send(.get, "\(keyed)/forms/site_photo/manifest", token: .some(nil), headers: BadInput.openRosaHeaders),
                403,
                Self.refused, "manifest")
            let rest = try await harness.send(
                .post, "\(keyed)/forms/site_photo/submissions", token: .some(nil), body: Harness.sitePhotoXML(suffix: "2"),
                contentType: "application/xml")
            expectProblem(rest, 403.1, "REST submission")
            let unknown = String(repeating: "A", count: 64)
            let never = try await harness.submitOpenRosa(
                project: project, xml: Harness.sitePhotoXML(), prefix: "/v1/key/\(unknown)", token: .some(nil))
            expectOpenRosa(never, 403, Self.refused, "a key that never was")
            #expect(try await harness.storedCounts() == before)
        }
    }

    @Test func aDeletedUsersSessionIs401Point2() async throws {
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            let user = try await harness.user("gone@example.com", role: "manager", project: project)
            #expect(try await harness.send(.get, "/v1/users/current", token: user.token).status == .ok)
            #expect(try await harness.send(.delete, "/v1/users/\(user.id)").status == .ok)
            let before = try await harness.storedCounts()
            expectProblem(try await harness.send(.get, "/v1/users/current", token: user.token), 401.2)
            let openRosa = try await harness.submitOpenRosa(project: project, xml: Harness.sitePhotoXML(), token: user.token)
            expectOpenRosa(openRosa, 401, Self.unauthenticated, "OpenRosa")
            #expect(try await harness.storedCounts() == before)
        }
    }
}
