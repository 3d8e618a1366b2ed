import Entities
import EntityScenarios
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import Ingest

/// Users and their roles over the API, with Central's checks.
@Suite struct UserAPITests {
    static func login(_ harness: Harness, _ email: String, _ password: String) async throws -> TestResponse {
        try await harness.sendJSON(.post, "/v1/sessions", ["email": .string(email), "password": .string(password)], token: .some(nil))
    }

    @Test func anAdministratorMakesAUserWhoLogsInAndSeesThemselves() async throws {
        try await Harness.run { harness in
            let created = try await harness.sendJSON(
                .post, "/v1/users", ["email": "ana@example.com", "displayName": "Ana", "password": "a long passphrase"])
            #expect(created.status == .ok)
            let user = try created.json()
            #expect(user["email"]?.stringValue == "ana@example.com" && user["displayName"]?.stringValue == "Ana")
            #expect(user["lastLoginAt"] == .null)

            let login = try await Self.login(harness, "ANA@example.com", "a long passphrase")
            #expect(login.status == .ok, "emails are matched in any case")
            let token = try login.json()["token"]!.stringValue!
            let me = try await harness.send(.get, "/v1/users/\(user["id"]!.intValue!)", token: token).json()
            #expect(me["lastLoginAt"]?.stringValue != nil)
            #expect(try await harness.send(.get, "/v1/users/1", token: token).problemCode == 403.1, "not someone else")
            #expect(try await harness.send(.get, "/v1/users", token: token).json() == [], "a non-administrator lists nobody")
            let exact = try await harness.send(.get, "/v1/users?q=admin@example.com", token: token).json()
            #expect(exact.arrayValue?.map { $0["email"]?.stringValue } == [Harness.adminEmail], "but finds an exact email")
            let audits = try await harness.send(.get, "/v1/audits?action=user.create").json()
            #expect(audits.arrayValue?.first?["actorId"]?.intValue == 1, "made by the administrator")
        }
    }

    @Test func passwordsFollowCentralsRulesAndABadOneLeavesNoUser() async throws {
        try await Harness.run { harness in
            let short = try await harness.sendJSON(.post, "/v1/users", ["email": "b@example.com", "password": "123456789"])
            #expect(short.problemCode == 400.21)
            let long = try await harness.sendJSON(
                .post, "/v1/users", ["email": "b@example.com", "password": .string(String(repeating: "é", count: 37))])
            #expect(long.problemCode == 400.38, "74 bytes, although 37 characters")
            let number = try await harness.sendJSON(.post, "/v1/users", ["email": "b@example.com", "password": 1_234_567_890])
            #expect(number.problemCode == 400.11)
            #expect(try await harness.send(.get, "/v1/users?q=b@example.com").json().arrayValue?.count == 0, "nothing half-made")
            let duplicate = try await harness.sendJSON(.post, "/v1/users", ["email": .string(Harness.adminEmail.uppercased())])
            #expect(duplicate.problemCode == 409.3)
            let manager = try await harness.user("m@example.com", role: "manager", project: try await harness.createProject())
            #expect(try await harness.sendJSON(.post, "/v1/users", ["email": "c@example.com"], token: manager.token).problemCode == 403.1)
        }
    }

    @Test func aUserChangesTheirPasswordAndTheirOtherSessionsEnd() async throws {
        try await Harness.run { harness in
            let user = try await harness.user("d@example.com", role: nil, project: 0)
            let other = try await Self.login(harness, "d@example.com", "password of d@example.com").json()["token"]!.stringValue!
            let path = "/v1/users/\(user.id)/password"
            let wrong = try await harness.sendJSON(.put, path, ["old": "not it at all", "new": "a new passphrase"], token: user.token)
            #expect(wrong.problemCode == 401.2)
            let changed = try await harness.sendJSON(
                .put, path, ["old": "password of d@example.com", "new": "a new passphrase"], token: user.token)
            #expect(changed.status == .ok)
            #expect(try await harness.send(.get, "/v1/users/current", token: user.token).status == .ok, "the asking session lives on")
            #expect(try await harness.send(.get, "/v1/users/current", token: other).problemCode == 401.2)
            #expect(try await Self.login(harness, "d@example.com", "a new passphrase").status == .ok)
        }
    }

    @Test func deletingAUserEndsTheirSessionsAndRolesAndFreesTheirEmail() async throws {
        try await Harness.run { harness in
            let project = try await harness.createProject()
            let user = try await harness.user("e@example.com", role: "viewer", project: project)
            #expect(try await harness.send(.get, "/v1/projects/\(project)", token: user.token).status == .ok)
            #expect(try await harness.send(.delete, "/v1/users/\(user.id)", token: user.token).problemCode == 403.1, "not by themselves")
            #expect(try await harness.send(.delete, "/v1/users/\(user.id)").status == .ok)
            #expect(try await harness.send(.get, "/v1/projects/\(project)", token: user.token).problemCode == 401.2, "at once")
            #expect(try await Self.login(harness, "e@example.com", "password of e@example.com").problemCode == 401.2)
            #expect(try await harness.send(.get, "/v1/users/\(user.id)").problemCode == 404.1)
            #expect(try await harness.send(.get, "/v1/projects/\(project)/assignments").json() == [])
            #expect(try await harness.sendJSON(.post, "/v1/users", ["email": "e@example.com"]).status == .ok, "the email is free again")
        }
    }

    @Test func aRoleGivenOverTheAPICanBeTakenAway() async throws {
        try await Harness.run { harness in
            let project = try await harness.createProject()
            let user = try await harness.user("f@example.com", role: nil, project: project)
            #expect(try await harness.send(.get, "/v1/projects/\(project)", token: user.token).problemCode == 403.1)
            #expect(try await harness.send(.post, "/v1/projects/\(project)/assignments/viewer/\(user.id)").status == .ok)
            #expect(try await harness.send(.get, "/v1/projects/\(project)", token: user.token).status == .ok)
            let listed = try await harness.send(.get, "/v1/projects/\(project)/assignments").json()
            #expect(listed == [["actorId": .int(user.id), "roleId": 6]])
            #expect(try await harness.send(.delete, "/v1/projects/\(project)/assignments/6/\(user.id)").status == .ok)
            #expect(try await harness.send(.get, "/v1/projects/\(project)", token: user.token).problemCode == 403.1, "at once")

            let manager = try await harness.user("g@example.com", role: "manager", project: project)
            let promote = try await harness.send(.post, "/v1/assignments/admin/\(user.id)", token: manager.token)
            #expect(promote.problemCode == 403.1, "a manager cannot make an administrator")
            #expect(try await harness.send(.post, "/v1/assignments/admin/\(user.id)").status == .ok)
            #expect(try await harness.send(.get, "/v1/users", token: user.token).json().arrayValue?.count == 3)
            let admins = try await harness.send(.get, "/v1/assignments/admin").json()
            #expect(admins.arrayValue?.compactMap { $0["id"]?.intValue }.contains(user.id) == true)
        }
    }

    @Test func rolesAreCentralsSeed() async throws {
        try await Harness.run { harness in
            let roles = try await harness.send(.get, "/v1/roles").json().arrayValue ?? []
            #expect(
                roles.map { $0["system"]?.stringValue } == [
                    "admin", "app-user", "pwreset", "manager", "viewer", "formview", "formfill", "pub-link",
                ])
            let manager = try await harness.send(.get, "/v1/roles/manager").json()
            #expect(manager["id"]?.intValue == 5 && manager["verbs"]?.arrayValue?.contains("assignment.create") == true)
            #expect(try await harness.send(.get, "/v1/roles/8").json()["system"]?.stringValue == "formfill")
            #expect(try await harness.send(.get, "/v1/roles/aoeu").problemCode == 404.1)
            #expect(try await harness.send(.get, "/v1/roles", token: .some(nil)).problemCode == 401.2)
        }
    }

    @Test func aUserChangesTheirNameAndEmailButNotToSomeoneElses() async throws {
        try await Harness.run { harness in
            let user = try await harness.user("h@example.com", role: nil, project: 0)
            let changed = try await harness.sendJSON(
                .patch, "/v1/users/\(user.id)", ["displayName": "Hana", "email": "hana@example.com", "id": 999], token: user.token)
            #expect(changed.status == .ok)
            #expect(try changed.json()["displayName"]?.stringValue == "Hana" && changed.json()["id"]?.intValue == user.id)
            #expect(try await Self.login(harness, "hana@example.com", "password of h@example.com").status == .ok, "the new email logs in")
            let taken = try await harness.sendJSON(
                .patch, "/v1/users/\(user.id)", ["email": .string(Harness.adminEmail)], token: user.token)
            #expect(taken.problemCode == 409.3)
            #expect(try await harness.sendJSON(.patch, "/v1/users/1", ["displayName": "Not me"], token: user.token).problemCode == 403.1)
            let audit = try await harness.send(.get, "/v1/audits?action=user.update").json().arrayValue?.first
            #expect(audit?["details"]?["data"] == ["displayName": "Hana", "email": "hana@example.com"], "only the fields that may change")
        }
    }

    static func emails(_ harness: Harness, _ q: String) async throws -> [String] {
        let query = q.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? q
        return try await harness.send(.get, "/v1/users?q=\(query)").json().arrayValue?.compactMap { $0["email"]?.stringValue } ?? []
    }

    @Test func anAdministratorSearchesUsersByEmailOrName() async throws {
        try await Harness.run { harness in
            for (email, name) in [("ana@example.com", "Ana Lima"), ("bo@example.org", "Bo"), ("cy@example.org", "50% Cy")] {
                let created = try await harness.sendJSON(.post, "/v1/users", ["email": .string(email), "displayName": .string(name)])
                #expect(created.status == .ok)
            }
            #expect(try await Self.emails(harness, "example.org") == ["bo@example.org", "cy@example.org"])
            #expect(try await Self.emails(harness, "LIMA") == ["ana@example.com"])
            #expect(try await Self.emails(harness, "%") == ["cy@example.org"], "a % is a character, not a wildcard")
            #expect(try await harness.send(.get, "/v1/users").json().arrayValue?.count == 4)
        }
    }

    @Test func onlyAWebUserCanBeMadeAnAdministrator() async throws {
        try await Harness.run { harness in
            let project = try await harness.createProject()
            let phone = try await harness.sendJSON(.post, "/v1/projects/\(project)/app-users", ["displayName": "Phone"]).json()
            let answer = try await harness.send(.post, "/v1/assignments/admin/\(phone["id"]!.intValue!)")
            #expect(answer.problemCode == 404.1, "an app user takes roles only in its own project")
        }
    }

    @Test func appUsersAreListedWithTheirCreatorAndLastSubmission() async throws {
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            let key = try await harness.appUser(project: project, forms: ["site_photo"])
            let extended: HTTPFields = [.init("X-Extended-Metadata")!: "true"]
            let before = try await harness.send(.get, "/v1/projects/\(project)/app-users", headers: extended).json().arrayValue?.first
            #expect(before?["lastUsed"] == .null && before?["createdBy"]?["displayName"]?.stringValue == "Admin")
            let sent = try await harness.submitOpenRosa(
                project: project, xml: SampleFiles.submission("site_photo", "site-1"), prefix: "/v1/key/\(key)", token: .some(nil))
            #expect(sent.status == .created)
            let after = try await harness.send(.get, "/v1/projects/\(project)/app-users", headers: extended).json().arrayValue?.first
            #expect(after?["lastUsed"]?.stringValue != nil)
            #expect(try await harness.send(.get, "/v1/projects/\(project)/app-users").json().arrayValue?.first?["lastUsed"] == nil)
        }
    }
}
