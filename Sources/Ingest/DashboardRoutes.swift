import Entities
import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import Store

extension Gateway {
    func addDashboardRoutes(to router: GatewayRouter) {
        let template = try! MustacheTemplate(string: DashboardTemplate.page)
        router.get("/dashboard") { request, context in
            let actor: Actor
            do {
                actor = try await access.actor(request, context)
                try access.requireAdmin(actor)
            } catch let problem as Problem where problem.code == 401.2 {
                // Browsers ask for a login when told which scheme to use.
                var headers = HTTPFields()
                headers[.wwwAuthenticate] = #"Basic realm="ingest dashboard""#
                headers[.contentType] = "text/plain; charset=utf-8"
                return Response(status: .unauthorized, headers: headers, body: .init(byteBuffer: ByteBuffer(string: problem.message)))
            }
            let html = template.render(try await dashboardModel())
            var headers = HTTPFields()
            headers[.contentType] = "text/html; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
        }
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
