import Entities
import EntityScenarios
import Foundation
import Testing

@testable import Ingest

@Suite struct AuthenticationTests {
    @Test func loginReturnsATokenThatIdentifiesTheUser() async throws {
        try await Harness.run { harness in
            #expect(harness.adminToken.count == 64)
            let current = try await harness.send(.get, "/v1/users/current")
            #expect(current.status == .ok)
            #expect(try current.json()["email"]?.stringValue == Harness.adminEmail)
            #expect(try current.json()["type"]?.stringValue == "user")
        }
    }

    @Test func wrongPasswordIs401WithCentralsProblem() async throws {
        try await Harness.run { harness in
            let response = try await harness.sendJSON(
                .post, "/v1/sessions", ["email": .string(Harness.adminEmail), "password": "nope"], token: .some(nil))
            #expect(response.status == .unauthorized)
            #expect(response.problemCode == 401.2)
            #expect(try response.json()["message"]?.stringValue == "Could not authenticate with the provided credentials.")
        }
    }

    @Test func missingCredentialsAre400Point3() async throws {
        try await Harness.run { harness in
            let response = try await harness.sendJSON(.post, "/v1/sessions", ["email": "a@b.c"], token: .some(nil))
            #expect(response.status == .badRequest)
            #expect(response.problemCode == 400.3)
        }
    }

    @Test func requestsWithoutOrWithBadCredentialsAre401() async throws {
        try await Harness.run { harness in
            let anonymous = try await harness.send(.get, "/v1/projects", token: .some(nil))
            let forged = try await harness.send(.get, "/v1/projects", token: "not-a-token")
            #expect(anonymous.problemCode == 401.2)
            #expect(forged.problemCode == 401.2)
        }
    }

    @Test func loggingOutEndsTheSession() async throws {
        try await Harness.run { harness in
            let login = try await harness.sendJSON(
                .post, "/v1/sessions", ["email": .string(Harness.adminEmail), "password": .string(Harness.adminPassword)], token: .some(nil)
            )
            let token = try login.json()["token"]!.stringValue!
            #expect(try await harness.send(.delete, "/v1/sessions/\(token)", token: token).status == .ok)
            #expect(try await harness.send(.get, "/v1/users/current", token: token).problemCode == 401.2)
            #expect(try await harness.send(.get, "/v1/users/current").status == .ok, "other sessions live on")
        }
    }

    @Test func basicAuthenticationWorksForWebUsers() async throws {
        try await Harness.run { harness in
            let credentials = Data("\(Harness.adminEmail):\(Harness.adminPassword)".utf8).base64EncodedString()
            let response = try await harness.send(
                .get, "/v1/users/current", token: .some(nil), headers: [.authorization: "Basic \(credentials)"])
            #expect(response.status == .ok)
        }
    }
}

@Suite struct ProjectAndRoleTests {
    @Test func administratorCreatesListsAndReadsProjects() async throws {
        try await Harness.run { harness in
            let id = try await harness.createProject("Forest survey")
            let list = try await harness.send(.get, "/v1/projects").json()
            #expect(list.arrayValue?.compactMap { $0["name"]?.stringValue } == ["Forest survey"])
            let one = try await harness.send(.get, "/v1/projects/\(id)")
            #expect(try one.json()["name"]?.stringValue == "Forest survey")
            #expect(try one.json()["createdAt"]?.stringValue?.hasSuffix("Z") == true)
            #expect(try await harness.send(.get, "/v1/projects/999").problemCode == 404.1)
        }
    }

    @Test func userWithoutARoleIsRefused403AndARoleGrantsAccess() async throws {
        try await Harness.run { harness in
            let project = try await harness.createProject()
            let user = try await harness.store.createUser(
                email: "collector@example.com", passwordHash: Harness.bcrypt("collector pass"), displayName: nil, isAdmin: false)
            let login = try await harness.sendJSON(
                .post, "/v1/sessions", ["email": "collector@example.com", "password": "collector pass"], token: .some(nil))
            let token = try login.json()["token"]!.stringValue!
            #expect(try await harness.send(.get, "/v1/projects/\(project)", token: token).problemCode == 403.1)
            #expect(try await harness.sendJSON(.post, "/v1/projects", ["name": "x"], token: token).problemCode == 403.1)
            let assign = try await harness.send(.post, "/v1/projects/\(project)/assignments/viewer/\(user.id)")
            #expect(assign.status == .ok)
            #expect(try await harness.send(.get, "/v1/projects/\(project)", token: token).status == .ok)
            #expect(try await harness.send(.get, "/v1/projects", token: token).json().arrayValue?.count == 1)
        }
    }

    @Test func appUserTokenWorksOnlyForItsProjectsFormsAndSubmissions() async throws {
        try await Harness.run { harness in
            let project = try await harness.createProject()
            let other = try await harness.createProject("Other")
            try await harness.publishForm("site_photo", project: project)
            let created = try await harness.sendJSON(.post, "/v1/projects/\(project)/app-users", ["displayName": "Phone 1"])
            #expect(created.status == .ok)
            let key = try created.json()["token"]!.stringValue!
            #expect(try created.json()["type"]?.stringValue == "field_key")
            let id = try created.json()["id"]!.intValue!
            #expect(try await harness.send(.post, "/v1/projects/\(project)/forms/site_photo/assignments/app-user/\(id)").status == .ok)
            let listed = try await harness.send(.get, "/v1/projects/\(project)/app-users").json().arrayValue
            #expect(listed?.first?["displayName"]?.stringValue == "Phone 1")

            let formList = try await harness.send(
                .get, "/v1/key/\(key)/projects/\(project)/formList", token: .some(nil), headers: [OpenRosa.versionHeader: "1.0"])
            #expect(formList.status == .ok)
            #expect(formList.text.contains("<downloadUrl>http"))
            #expect(formList.text.contains("/v1/key/\(key)/projects/\(project)/forms/site_photo.xml"))
            let xml = try await harness.send(.get, "/v1/key/\(key)/projects/\(project)/forms/site_photo.xml", token: .some(nil))
            #expect(xml.data == (try SampleFiles.form("site_photo")))

            let submitted = try await harness.submitOpenRosa(
                project: project, xml: SampleFiles.submission("site_photo", "site-1"), prefix: "/v1/key/\(key)", token: .some(nil))
            #expect(submitted.status == .created)

            let read = try await harness.send(.get, "/v1/key/\(key)/projects/\(project)/forms/site_photo/submissions", token: .some(nil))
            #expect(read.problemCode == 403.1)
            let elsewhere = try await harness.send(
                .get, "/v1/key/\(key)/projects/\(other)/formList", token: .some(nil), headers: [OpenRosa.versionHeader: "1.0"])
            #expect(elsewhere.status == .forbidden)
            let unknown = String(repeating: "a", count: 64)
            let refused = try await harness.send(
                .get, "/v1/key/\(unknown)/projects/\(project)/formList", token: .some(nil), headers: [OpenRosa.versionHeader: "1.0"])
            #expect(refused.status == .forbidden)
            let malformed = try await harness.send(
                .get, "/v1/key/short/projects/\(project)/formList", token: .some(nil), headers: [OpenRosa.versionHeader: "1.0"])
            #expect(malformed.status == .unauthorized)
        }
    }

    @Test func unknownRouteIsCentrals404() async throws {
        try await Harness.run { harness in
            let response = try await harness.send(.get, "/v1/nothing/here")
            #expect(response.status == .notFound)
            #expect(response.problemCode == 404.1)
            #expect(try await harness.send(.get, "/healthz", token: .some(nil)).status == .ok)
        }
    }
}
