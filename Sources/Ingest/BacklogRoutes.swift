import Entities
import Foundation
import Hummingbird
import Store

extension Gateway {
    func addBacklogRoutes(to router: GatewayRouter) {
        router.get("/v1/backlog") { request, context in
            try access.requireAdmin(try await access.actor(request, context))
            let items = try await store.backlog()
            return JSONResponse.make(
                .array(
                    items.map { item in
                        .object([
                            "submissionId": JSONValue(item.submissionId), "instanceId": JSONValue(item.instanceId),
                            "projectId": JSONValue(item.projectId), "xmlFormId": JSONValue(item.xmlFormId),
                            "entityUuid": .string(item.entityUuid), "branchId": JSONValue(item.branchId),
                            "branchBaseVersion": .int(Int64(item.branchBaseVersion)), "heldAt": .string(item.heldAt),
                        ])
                    }))
        }

        router.post("/v1/backlog/process") { request, context in
            let actor = try await access.actor(request, context)
            try access.requireAdmin(actor)
            let cutoff = request.flag("force") ? nil : Date().addingTimeInterval(-Double(configuration.backlogHoldSeconds))
            let processed = try await store.processBacklog(heldBefore: cutoff, actorId: actor.id)
            return JSONResponse.make(["processed": .int(Int64(processed))])
        }
    }
}
