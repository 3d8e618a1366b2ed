import Entities
import EntityScenarios
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import Ingest
@testable import Store

/// A lost phone's key, a session, or a whole app user can be ended, and the next request is refused.
@Suite struct RevocationTests {
    static let openRosa: HTTPFields = [OpenRosa.versionHeader: "1.0"]

    @Test func revokingAnAppUsersKeyRefusesThePhoneAtOnceOnEveryPath() async throws {
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            let key = try await harness.appUser(project: project, forms: ["site_photo"])
            let keyed = "/v1/key/\(key)/projects/\(project)"
            #expect(try await harness.send(.get, "\(keyed)/formList", token: .some(nil), headers: Self.openRosa).status == .ok)

            let manager = try await harness.user("m@example.com", role: "manager", project: project)
            #expect(try await harness.send(.delete, "/v1/sessions/\(key)", token: manager.token).status == .ok)

            let formList = try await harness.send(.get, "\(keyed)/formList", token: .some(nil), headers: Self.openRosa)
            #expect(formList.status == .forbidden && formList.text.contains("<OpenRosaResponse"))
            #expect(try await harness.send(.get, "\(keyed)/forms/site_photo.xml", token: .some(nil)).problemCode == 403.1)
            let submission = try await harness.submitOpenRosa(
                project: project, xml: SampleFiles.submission("site_photo", "site-1"), prefix: "/v1/key/\(key)", token: .some(nil))
            #expect(submission.status == .unauthorized || submission.status == .forbidden)
            #expect(try await harness.send(.get, "/v1/projects/\(project)/forms/site_photo/submissions").json() == [])

            let listed = try await harness.send(.get, "/v1/projects/\(project)/app-users").json()
            #expect(listed.arrayValue?.first?["token"] == .null, "listed as revoked")
            let audit = try await harness.send(.get, "/v1/audits?action=field_key.session.end").json()
            #expect(audit.arrayValue?.count == 1)
        }
    }

    @Test func onlyAManagerOfItsProjectOrAnAdministratorRevokesAKey() async throws {
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            let other = try await harness.createProject("Other")
            let key = try await harness.appUser(project: project, forms: ["site_photo"])
            let elsewhere = try await harness.user("x@example.com", role: "manager", project: other)
            let collector = try await harness.user("c@example.com", role: "formfill", project: project)
            #expect(try await harness.send(.delete, "/v1/sessions/\(key)", token: elsewhere.token).problemCode == 403.1)
            #expect(try await harness.send(.delete, "/v1/sessions/\(key)", token: collector.token).problemCode == 403.1)
            #expect(try await harness.send(.delete, "/v1/key/\(key)/sessions/current", token: .some(nil)).status != .ok)
            let xml = "/v1/key/\(key)/projects/\(project)/forms/site_photo.xml"
            #expect(try await harness.send(.get, xml, token: .some(nil)).status == .ok, "still works")
            #expect(try await harness.send(.delete, "/v1/sessions/\(String(repeating: "A", count: 64))").problemCode == 403.1)
        }
    }

    @Test func deletingAnAppUserEndsItsKeyAndKeepsItsSubmissions() async throws {
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            let created = try await harness.sendJSON(.post, "/v1/projects/\(project)/app-users", ["displayName": "Lost"]).json()
            let (id, key) = (created["id"]!.intValue!, created["token"]!.stringValue!)
            #expect(try await harness.send(.post, "/v1/projects/\(project)/forms/site_photo/assignments/app-user/\(id)").status == .ok)
            let sent = try await harness.submitOpenRosa(
                project: project, xml: SampleFiles.submission("site_photo", "site-1"), prefix: "/v1/key/\(key)", token: .some(nil))
            #expect(sent.status == .created)

            #expect(try await harness.send(.delete, "/v1/projects/\(project)/app-users/\(id)").status == .ok)
            #expect(
                try await harness.send(.get, "/v1/key/\(key)/projects/\(project)/formList", token: .some(nil), headers: Self.openRosa)
                    .status == .forbidden)
            #expect(try await harness.send(.get, "/v1/projects/\(project)/app-users").json() == [])
            #expect(try await harness.send(.get, "/v1/projects/\(project)/forms/site_photo/assignments").json() == [])
            #expect(try await harness.send(.get, "/v1/projects/\(project)/forms/site_photo/submissions").json().arrayValue?.count == 1)
            #expect(try await harness.send(.delete, "/v1/projects/\(project)/app-users/\(id)").problemCode == 404.1)
        }
    }

    @Test func loggingOutTheCurrentSessionEndsOnlyIt() async throws {
        try await Harness.run { harness in
            let user = try await harness.user("u@example.com", role: nil, project: 0)
            #expect(try await harness.send(.delete, "/v1/sessions/current", token: user.token).status == .ok)
            #expect(try await harness.send(.get, "/v1/users/current", token: user.token).problemCode == 401.2)
            #expect(try await harness.send(.get, "/v1/users/current").status == .ok)
            let basic = Data("\(Harness.adminEmail):\(Harness.adminPassword)".utf8).base64EncodedString()
            let noSession = try await harness.send(
                .delete, "/v1/sessions/current", token: .some(nil), headers: [.authorization: "Basic \(basic)"])
            #expect(noSession.problemCode == 404.1, "Basic has no session to end")
        }
    }

    @Test func aStoredSessionTokenIsOnlyADigest() async throws {
        try await Harness.run { harness in
            let stored = try await harness.store.read { db in try String.fetchAll(db, sql: "SELECT token_sha256 FROM sessions") }
            #expect(!stored.isEmpty && !stored.contains(harness.adminToken))
        }
    }
}

@Suite struct LoginThrottleTests {
    @Test func anAccountFromOneAddressWaitsLongerAfterEachFailureBeyondTheFreeOnes() {
        let clock = TestClock()
        let throttle = LoginThrottle(now: { clock.now })
        for _ in 0..<LoginThrottle.accountFromAddress.freeFailures { #expect(throttle.admit(email: "a@x", address: "1.2.3.4") == nil) }
        #expect(throttle.admit(email: "a@x", address: "1.2.3.4") == 1)
        #expect(throttle.admit(email: "a@x", address: "9.9.9.9") == nil, "the owner elsewhere is not kept out")
        #expect(throttle.admit(email: "b@x", address: "1.2.3.4") == nil, "nor another account from the same address")
        clock.advance(1.5)
        #expect(throttle.admit(email: "A@X", address: "1.2.3.4") == nil)
        #expect(throttle.admit(email: "a@x", address: "1.2.3.4") == 2)
        throttle.succeeded(email: "a@x", address: "1.2.3.4")
        #expect(throttle.admit(email: "a@x", address: "1.2.3.4") == nil, "a right password clears the account")
    }

    @Test func guessesSentAllAtOnceAreCountedBeforeTheyAreChecked() {
        let throttle = LoginThrottle()
        let admitted = (0..<100).filter { _ in throttle.admit(email: "a@x", address: "1.2.3.4") == nil }.count
        #expect(admitted == LoginThrottle.accountFromAddress.freeFailures)
    }

    @Test func anAddressGuessingAtManyAccountsIsHeldUp() {
        let throttle = LoginThrottle()
        for n in 0..<LoginThrottle.address.freeFailures { #expect(throttle.admit(email: "user\(n)@x", address: "6.6.6.6") == nil) }
        #expect(throttle.admit(email: "fresh@x", address: "6.6.6.6") != nil)
        #expect(throttle.admit(email: "fresh@x", address: "7.7.7.7") == nil)
    }

    @Test func anAccountGuessedAtFromManyAddressesIsHeldUp() {
        let throttle = LoginThrottle()
        for n in 0..<LoginThrottle.account.freeFailures {
            #expect(throttle.admit(email: "a@x", address: "10.0.\(n / 256).\(n % 256)") == nil)
        }
        #expect(throttle.admit(email: "a@x", address: "10.9.9.9") != nil)
    }

    @Test func wrongPasswordsOverTheAPIGet429WithRetryAfterAndAreAudited() async throws {
        try await Harness.run { harness in
            for _ in 0..<LoginThrottle.accountFromAddress.freeFailures {
                #expect(try await UserAPITests.login(harness, Harness.adminEmail, "wrong guess!").problemCode == 401.2)
            }
            let held = try await UserAPITests.login(harness, Harness.adminEmail, Harness.adminPassword)
            #expect(held.status == .tooManyRequests && held.problemCode == 429.1)
            #expect(held.headers[.retryAfter] == "1")
            let basic = Data("\(Harness.adminEmail):\(Harness.adminPassword)".utf8).base64EncodedString()
            let viaBasic = try await harness.send(.get, "/v1/users/current", token: .some(nil), headers: [.authorization: "Basic \(basic)"])
            #expect(viaBasic.problemCode == 429.1, "Basic is counted alike")
            let audits = try await harness.send(.get, "/v1/audits?action=user.session.create.failure").json()
            #expect(audits.arrayValue?.count == LoginThrottle.accountFromAddress.freeFailures)
        }
    }
}

final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current = Date(timeIntervalSince1970: 1_800_000_000)
    var now: Date { lock.withLock { current } }
    func advance(_ seconds: TimeInterval) { lock.withLock { current += seconds } }
}
