import Entities
import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import Store

extension Gateway {
    func addDashboardRoutes(to router: GatewayRouter) {
        let template = try! MustacheTemplate(string: DashboardTemplate.page)
        let login = try! MustacheTemplate(string: DashboardTemplate.login)

        router.get("/dashboard") { request, _ in
            guard try await dashboardAdministrator(request) != nil else { return DashboardPage.redirect(to: "/dashboard/login") }
            return DashboardPage.html(template.render(try await dashboardModel()))
        }

        router.get("/dashboard/login") { _, _ in
            DashboardPage.html(login.render([String: Any]()))
        }

        router.post("/dashboard/login") { request, context in
            guard DashboardPage.isSameOrigin(request, publicURL: configuration.publicURL) else { throw Problem.insufficientRights }
            let form = DashboardPage.formFields(try await request.collectBody(limit: 16 * 1024))
            let email = form["email"] ?? "", password = form["password"] ?? ""
            guard !email.containsNull, !password.containsNull else { throw Problem.nullCharacter(field: "login form") }
            let actor: Actor
            do {
                actor = try await access.verifyPassword(email: email, password: password, address: context.peerAddress)
                try access.requireAdmin(actor)
            } catch let problem as Problem where problem.code == 401.2 || problem.code == 403.1 {
                let page = login.render(["error": "That e-mail and password are not those of an administrator."])
                return DashboardPage.html(page, status: .forbidden)
            }
            let session = try await store.createSession(
                actorId: actor.id, token: Tokens.random(), lifetime: DashboardPage.sessionLifetime)
            var response = DashboardPage.redirect(to: "/dashboard")
            response.headers[.setCookie] = DashboardPage.cookie(session.token, secure: configuration.publicURL?.hasPrefix("https:") == true)
            return response
        }

        router.post("/dashboard/logout") { request, _ in
            guard DashboardPage.isSameOrigin(request, publicURL: configuration.publicURL) else { throw Problem.insufficientRights }
            if let token = DashboardPage.sessionToken(request) {
                _ = try await store.deleteSession(token: token)
                access.recent.forgetSession(token)
            }
            var response = DashboardPage.redirect(to: "/dashboard/login")
            response.headers[.setCookie] = DashboardPage.cookie("", secure: false, maxAge: 0)
            return response
        }
    }

    /// The administrator whose dashboard cookie the request carries, if any.
    func dashboardAdministrator(_ request: Request) async throws -> Actor? {
        guard let token = DashboardPage.sessionToken(request), Access.isWellFormedToken(token),
            let (actor, _) = try await store.actor(forSessionToken: token), actor.isAdmin
        else { return nil }
        return actor
    }

    /// What the dashboard shows, as plain dictionaries for the template.
    func dashboardModel() async throws -> [String: Any] {
        let facts = try await store.healthFacts(projectId: nil)
        let health = Health.assess(facts, configuration: configuration)
        let summary = try await store.backlogSummary()
        let age = summary.oldestAge().map(Self.duration) ?? "-"
        let errors = try await store.audits(action: "entity.error", limit: 20).map { audit -> [String: Any] in
            [
                "loggedAt": audit.loggedAt, "instanceId": audit.details["instanceId"]?.stringValue ?? "",
                "code": audit.details["problem"]?["problemCode"].map { $0.serialized() } ?? "",
                "message": audit.details["errorMessage"]?.stringValue ?? "",
            ]
        }
        let conflicts = try await store.conflicts(limit: 50).map { item -> [String: Any] in
            ["project": item.project, "dataset": item.dataset, "uuid": item.uuid, "label": item.label, "conflict": item.conflict]
        }
        var model: [String: Any] = [
            "generatedAt": Timestamp.now(),
            "health": [
                "status": health["status"]?.stringValue ?? "unknown",
                "reasons": health["reasons"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            ] as [String: Any],
            "backlog": [
                "held": summary.held, "oldestAge": age,
                "releasedHour": summary.lastHour["released"] ?? 0, "releasedDay": summary.lastDay["released"] ?? 0,
                "forcedHour": summary.lastHour["forced"] ?? 0, "forcedDay": summary.lastDay["forced"] ?? 0,
                "failedHour": summary.lastHour["failed"] ?? 0, "failedDay": summary.lastDay["failed"] ?? 0,
                "byDataset": summary.byDataset.map { ["name": $0.name, "held": $0.held] as [String: Any] },
                "hasDatasets": !summary.byDataset.isEmpty,
            ] as [String: Any],
            "conflicts": conflicts, "hasConflicts": !conflicts.isEmpty,
            "errors": errors, "hasErrors": !errors.isEmpty,
        ]
        if let pass = facts.lastPass {
            model["lastPass"] = ["finishedAt": pass.finishedAt, "checked": pass.checked, "invalid": pass.invalid] as [String: Any]
        }
        return model
    }

    static func duration(_ seconds: TimeInterval) -> String {
        let total = Int(seconds)
        if total < 120 { return "\(total) s" }
        if total < 7200 { return "\(total / 60) min" }
        if total < 172_800 { return "\(total / 3600) h" }
        return "\(total / 86_400) days"
    }
}
