import Entities
import EntityScenarios
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import Ingest

@Suite struct DashboardTests {
    /// Logs in through the dashboard's own form; returns the `Set-Cookie` it answers with.
    static func logIn(_ harness: Harness, email: String = Harness.adminEmail, password: String = Harness.adminPassword) async throws
        -> TestResponse
    {
        let form =
            "email=\(email.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)&password=\(password.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
        return try await harness.send(
            .post, "/dashboard/login", token: .some(nil), body: Data(form.utf8), contentType: "application/x-www-form-urlencoded")
    }

    static func cookie(_ login: TestResponse) -> String? {
        login.headers[.setCookie]?.split(separator: ";").first.map(String.init)
    }

    @Test func browserWithoutItsCookieIsSentToTheLoginPageNotAskedForBasicCredentials() async throws {
        try await Harness.run { harness in
            let response = try await harness.send(.get, "/dashboard", token: .some(nil))
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "/dashboard/login")
            #expect(response.headers[.wwwAuthenticate] == nil, "a Basic challenge would make the browser send the password to /v1 too")
            let viaBearer = try await harness.send(.get, "/dashboard")
            #expect(viaBearer.status == .seeOther, "the dashboard reads its own cookie only")
            let page = try await harness.send(.get, "/dashboard/login", token: .some(nil))
            #expect(page.status == .ok && page.text.contains(#"<form method="post" action="/dashboard/login">"#))
            #expect(page.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
            #expect(page.headers[.contentSecurityPolicy]?.contains("script-src") == false, "no script may run on it at all")
        }
    }

    @Test func loginSetsACookieOnlyTheDashboardSeesAndLogoutEndsIt() async throws {
        try await Harness.run { harness in
            let login = try await Self.logIn(harness)
            #expect(login.status == .seeOther && login.headers[.location] == "/dashboard")
            let setCookie = try #require(login.headers[.setCookie])
            for attribute in ["HttpOnly", "SameSite=Strict", "Path=/dashboard", "Max-Age=3600"] {
                #expect(setCookie.contains(attribute), "\(attribute) in \(setCookie)")
            }
            let cookie = try #require(Self.cookie(login))
            let page = try await harness.send(.get, "/dashboard", token: .some(nil), headers: [.cookie: cookie])
            #expect(page.status == .ok && page.text.contains("Backlog"))
            let logout = try await harness.send(.post, "/dashboard/logout", token: .some(nil), headers: [.cookie: cookie])
            #expect(logout.status == .seeOther)
            #expect(try await harness.send(.get, "/dashboard", token: .some(nil), headers: [.cookie: cookie]).status == .seeOther)
        }
    }

    @Test func onlyAdministratorsLogInAndOtherSitesCannotPostTheForm() async throws {
        try await Harness.run { harness in
            let project = try await harness.createProject()
            _ = try await harness.user("manager@example.com", role: "manager", project: project)
            let manager = try await Self.logIn(harness, email: "manager@example.com", password: "password of manager@example.com")
            #expect(manager.status == .forbidden && manager.headers[.setCookie] == nil)
            let wrong = try await Self.logIn(harness, password: "not the password")
            #expect(wrong.status == .forbidden && wrong.text.contains("not those of an administrator"))
            let form = "email=admin%40example.com&password=correct+horse+battery"
            let crossSite = try await harness.send(
                .post, "/dashboard/login", token: .some(nil), headers: [.origin: "https://evil.example"], body: Data(form.utf8),
                contentType: "application/x-www-form-urlencoded")
            #expect(crossSite.status == .forbidden && crossSite.headers[.setCookie] == nil)
        }
    }

    @Test func pageShowsBacklogConflictsAndErrors() async throws {
        try await Harness.run { harness in
            let changes = [
                Changes.create([("height", "10")]),
                Changes.update(base: 1, [("height", "12")]),
                Changes.update(base: 1, trunk: 1, branch: Changes.branchA, [("height", "11")]),
                Changes.update(base: 5, trunk: 1, branch: Changes.branchA, [("height", "13")]),
                Changes.update("e7000000-0000-4000-8000-000000000077", base: 1, [("height", "1")]),
            ]
            _ = try await harness.upsertProject(changes)
            let cookie = try #require(Self.cookie(try await Self.logIn(harness)))
            let page = try await harness.send(.get, "/dashboard", token: .some(nil), headers: [.cookie: cookie])
            #expect(page.status == .ok)
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            let html = page.text
            #expect(html.contains(#"<meta http-equiv="refresh""#))
            #expect(html.contains("<b>1</b>held"))
            #expect(html.contains("<td>\(Changes.tree)</td>") && html.contains("<td>hard</td>"))
            #expect(html.contains("<td>404.8</td>"))
            #expect(html.contains(#"class="status degraded""#), "an entity error in the last hour degrades health")
        }
    }
}
