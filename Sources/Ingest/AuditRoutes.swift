import Hummingbird
import Store

extension Gateway {
    func addAuditRoutes(to router: GatewayRouter) {
        router.get("/v1/audits") { request, context in
            let actor = try await access.actor(request, context)
            try access.requireAdmin(actor)
            let limit = request.query("limit").flatMap(Int.init) ?? 1000
            let audits = try await store.audits(action: request.query("action"), limit: limit)
            return try await renderAudits(audits, extended: request.wantsExtendedMetadata)
        }
    }
}
