import Entities
import Foundation
import Hummingbird
import Store

extension Gateway {
    func addConsistencyRoutes(to router: GatewayRouter) {
        let entity = "/v1/projects/:projectId/datasets/:name/entities/:uuid"

        router.get(RouterPath("\(entity)/consistency")) { request, context in
            let (_, _, record) = try await adminEntity(request, context)
            guard let result = try await store.checkConsistency(entityId: record.id) else { throw Problem.notFound }
            return JSONResponse.make(.object(Self.consistencyJSON(result)))
        }

        router.post(RouterPath("/v1/projects/:projectId/datasets/:name/consistency")) { request, context in
            let (actor, detail) = try await dataset(request, context, .manageProject)
            try access.requireAdmin(actor)
            let body = try await request.jsonObjectBody()
            guard let uuids = body["uuids"]?.arrayValue?.compactMap(\.stringValue) else { throw Problem.missingParameter("uuids") }
            guard uuids.count <= 100 else {
                throw Problem.unexpectedValue(
                    field: "uuids", value: String(uuids.count), reason: "at most 100 entities are checked at once.")
            }
            var results: [JSONValue] = []
            for uuid in uuids {
                if let record = try await store.entity(datasetId: detail.dataset.id, uuid: uuid.lowercased()),
                    let result = try await store.checkConsistency(entityId: record.id)
                {
                    results.append(.object(Self.consistencyJSON(result)))
                } else {
                    results.append(["uuid": .string(uuid), "found": false])
                }
            }
            return JSONResponse.make(.array(results))
        }

        router.post(RouterPath("\(entity)/replay")) { request, context in
            let (actor, _, record) = try await adminEntity(request, context)
            guard let outcome = try await store.replayEntity(entityId: record.id, apply: request.flag("apply"), actorId: actor.id) else {
                throw Problem(code: 404.1, message: "This entity has no recorded inputs to replay.")
            }
            func versions(_ list: [StoredVersion]) -> JSONValue {
                .array(
                    list.map { version in
                        .object([
                            "version": .int(Int64(version.version)), "baseVersion": JSONValue(version.baseVersion),
                            "branchId": JSONValue(version.branchId), "trunkVersion": JSONValue(version.trunkVersion),
                            "branchBaseVersion": JSONValue(version.branchBaseVersion), "label": .string(version.label),
                            "data": .object(version.data.json), "conflict": JSONValue(version.conflict?.rawValue),
                            "appliedAs": .string(version.appliedAs.rawValue), "forced": .bool(version.forced),
                        ])
                    })
            }
            return JSONResponse.make([
                "stored": versions(outcome.stored), "replayed": versions(outcome.replayed.versions),
                "differences": .array(outcome.differences.map { .object($0.json) }), "applied": .bool(outcome.applied),
            ])
        }

        router.get("/v1/consistency/report") { request, context in
            try access.requireAdmin(try await access.actor(request, context))
            let report = try await store.consistencyReport(projectId: request.query("projectId").flatMap(Int64.init))
            return JSONResponse.make([
                "checked": .int(Int64(report.checked)), "valid": .int(Int64(report.valid)), "invalid": .int(Int64(report.invalid)),
                "byKind": .object(JSONObject(report.byKind.sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.value))) })),
                "invalidEntities": .array(report.invalidEntities.map { .object(Self.consistencyJSON($0)) }),
                "truncated": .bool(report.truncated), "startedAt": .string(report.startedAt), "finishedAt": .string(report.finishedAt),
            ])
        }

        router.get("/v1/consistency/health") { request, context in
            try access.requireAdmin(try await access.actor(request, context))
            let facts = try await store.healthFacts(projectId: request.query("projectId").flatMap(Int64.init))
            return JSONResponse.make(.object(Health.assess(facts, configuration: configuration)))
        }

        router.get("/v1/backlog/summary") { request, context in
            try access.requireAdmin(try await access.actor(request, context))
            let summary = try await store.backlogSummary()
            let age = summary.oldestAge().map { Int($0) }
            func counts(_ values: [String: Int]) -> JSONValue {
                .object(JSONObject(["released", "forced", "failed"].map { ($0, .int(Int64(values[$0] ?? 0))) }))
            }
            return JSONResponse.make([
                "held": .int(Int64(summary.held)), "oldestHeldAt": JSONValue(summary.oldestHeldAt), "oldestAgeSeconds": JSONValue(age),
                "byDataset": .array(summary.byDataset.map { .object(["dataset": .string($0.name), "held": .int(Int64($0.held))]) }),
                "byBranch": .array(summary.byBranch.map { .object(["branchId": JSONValue($0.branchId), "held": .int(Int64($0.held))]) }),
                "lastHour": counts(summary.lastHour), "lastDay": counts(summary.lastDay),
            ])
        }
    }

    static func consistencyJSON(_ result: EntityConsistency) -> JSONObject {
        [
            "uuid": .string(result.uuid), "valid": .bool(result.valid),
            "inconsistencies": .array(result.inconsistencies.map { .object($0.json) }), "checkedAt": .string(result.checkedAt),
            "versions": .int(Int64(result.versions)), "replayed": .bool(result.replayed),
        ]
    }

    /// The entity named in the URL, for administrators only.
    func adminEntity(_ request: Request, _ context: GatewayContext) async throws -> (Actor, DatasetDetail, EntityRecord) {
        let (actor, detail, record) = try await entity(request, context, .readSubmissions)
        try access.requireAdmin(actor)
        return (actor, detail, record)
    }
}
