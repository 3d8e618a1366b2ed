import Entities
import Foundation
import Hummingbird
import Store

extension Gateway {
    func addEntityRoutes(to router: GatewayRouter, prefix: String) {
        let entities = "\(prefix)/projects/:projectId/datasets/:name/entities"

        router.get(RouterPath(entities)) { request, context in
            let (_, detail) = try await dataset(request, context, .readSubmissions)
            let list = try await store.entities(datasetId: detail.dataset.id)
            return JSONResponse.make(.array(list.map { .object(EntityRepresentation.entity($0, full: false)) }))
        }

        router.post(RouterPath(entities)) { request, context in
            let (actor, detail) = try await dataset(request, context, .manageProject)
            let body = try await request.jsonObjectBody(limit: 100 * 1024 * 1024)
            if let list = body["entities"] {
                guard let items = list.arrayValue, !items.isEmpty else {
                    throw Problem(
                        code: 400.31, message: "Expected parameters: (entities, source). Got (\(body.keys.joined(separator: ", "))).")
                }
                guard items.count <= configuration.bulkEntityLimit else {
                    throw Problem.unexpectedValue(
                        field: "entities", value: "(\(items.count) entities)",
                        reason: "at most \(configuration.bulkEntityLimit) entities may be created in one request; send them in batches.")
                }
                // The entities are read before their source, as Central reads them.
                let changes = try items.map { item -> EntityChange in
                    guard let object = item.objectValue else { throw Problem.invalidDataType(field: "entities", expected: "object") }
                    return try EntityRequests.change(from: object, dataset: detail, creating: true)
                }
                guard let name = try body["source"]?.objectValue?.text("name") else { throw Problem.missingParameter("source.name") }
                // What Central keeps of a bulk upload as each version's source.
                var source: JSONObject = ["name": .string(name)]
                switch body["source"]?["size"] {
                case nil, .null, .int(0): break
                case .int(let size): source["size"] = .int(size)
                case .double(let size): source["size"] = .double(size)
                default: throw Problem.invalidDataType(field: "size", expected: "number")
                }
                source["count"] = .int(Int64(changes.count))
                let userAgent = SubmissionIntake.userAgent(request)
                source["userAgent"] = userAgent.isEmpty ? .null : .string(userAgent)
                try await applyOverAPI(changes, detail: detail, actor: actor, request: request, source: source)
                return JSONResponse.success
            }
            let change = try EntityRequests.change(from: body, dataset: detail, creating: true)
            try await applyOverAPI([change], detail: detail, actor: actor, request: request)
            guard let created = try await store.entity(datasetId: detail.dataset.id, uuid: change.uuid) else { throw Problem.notFound }
            return JSONResponse.make(.object(EntityRepresentation.entity(created, full: true)))
        }

        router.get(RouterPath("\(entities)/:uuid")) { request, context in
            let (_, _, entity) = try await self.entity(request, context, .readSubmissions)
            var object = EntityRepresentation.entity(entity, full: true)
            if request.wantsExtendedMetadata {
                var creators = ActorCache(store: store)
                object["creator"] = try await creators.object(entity.creatorId)
                var current = object["currentVersion"]?.objectValue ?? [:]
                current["creator"] = try await creators.object(entity.current.creatorId)
                object["currentVersion"] = .object(current)
            }
            return JSONResponse.make(.object(object))
        }

        router.get(RouterPath("\(entities)/:uuid/versions")) { request, context in
            let (_, _, entity) = try await self.entity(request, context, .readSubmissions)
            let (versions, resolvedThrough) = try await store.entityHistory(entityId: entity.id)
            let provenance = try await store.versionProvenance(entityId: entity.id)
            let reviewed = VersionHistory.review(versions.map(\.stored), resolvedThrough: resolvedThrough)
            let onlyRelevant = request.flag("relevantToConflict")
            var creators = request.wantsExtendedMetadata ? ActorCache(store: store) : nil
            var items: [JSONValue] = []
            for (record, review) in zip(versions, reviewed) where !onlyRelevant || review.relevantToConflict {
                var object = EntityRepresentation.reviewedVersion(record, review: review, provenance: provenance[record.id])
                if creators != nil { object["creator"] = try await creators?.object(record.creatorId) }
                items.append(.object(object))
            }
            return JSONResponse.make(.array(items))
        }

        router.get(RouterPath("\(entities)/:uuid/diffs")) { request, context in
            let (_, _, entity) = try await self.entity(request, context, .readSubmissions)
            return JSONResponse.make(EntityRepresentation.diffs(try await store.entityVersions(entityId: entity.id)))
        }

        router.get(RouterPath("\(entities)/:uuid/audits")) { request, context in
            let (_, _, entity) = try await self.entity(request, context, .readSubmissions)
            return try await renderEntityAudits(entity, paging: try request.paging())
        }

        router.patch(RouterPath("\(entities)/:uuid")) { request, context in
            let (actor, detail, entity) = try await self.entity(request, context, .manageProject)
            let current = entity.current.stored.version
            let provided = request.query("baseVersion")
            let resolving = request.flag("resolve")
            if resolving && entity.conflict == nil {
                throw Problem(code: 400.32, message: "The Entity doesn't have any conflict")
            }
            // The version check comes before the body is read, as Central orders them. A reviewer who only
            // resolves may leave the version out; an update needs it (or force=true).
            try request.requireJSONContentType()
            let raw = try await request.collectBody(limit: 250 * 1024)
            let versionMatches = provided == String(current)
            if !versionMatches && !request.flag("force") && !(resolving && provided == nil && Request.isBlank(raw)) {
                throw Problem(EntityProblem.staleVersion(current: current, provided: provided ?? "undefined"))
            }
            let body = try Request.jsonObject(raw, allowEmpty: resolving)
            let change =
                !body.isEmpty || !resolving
                ? try EntityRequests.change(from: body, dataset: detail, creating: false, uuid: entity.uuid, baseVersion: current) : nil
            let updated: EntityRecord
            do {
                updated = try await store.patchEntity(
                    entityId: entity.id, change: change, expectedVersion: request.flag("force") ? nil : Int(provided ?? ""),
                    resolve: resolving, actorId: actor.id, userAgent: SubmissionIntake.userAgent(request))
            } catch let problem as EntityProblem {
                throw Problem(problem)
            }
            return JSONResponse.make(.object(EntityRepresentation.entity(updated, full: true)))
        }

        router.delete(RouterPath("\(entities)/:uuid")) { request, context in
            let (actor, _, entity) = try await self.entity(request, context, .manageProject)
            try await store.deleteEntity(entityId: entity.id, actorId: actor.id)
            return JSONResponse.success
        }

        router.get(RouterPath("\(entities).csv")) { request, context in
            let (_, detail) = try await dataset(request, context, .readSubmissions)
            // Read before the rows: a change landing in between leaves an older tag, never a newer one.
            guard let state = try await store.entityListState(datasetId: detail.dataset.id) else { throw Problem.notFound }
            if let unchanged = JSONResponse.notModified(request, eTag: state.hash) { return unchanged }
            let csv = try await EntityExports.csv(store: store, detail: detail)
            return JSONResponse.download(
                .init(byteBuffer: ByteBuffer(bytes: csv)), contentType: "text/csv; charset=utf-8", filename: "\(detail.dataset.name).csv",
                eTag: state.hash)
        }

        router.get(RouterPath("\(prefix)/projects/:projectId/datasets/{name}.svc")) { request, context in
            _ = try ODataOptions(request)
            let (_, detail) = try await dataset(request, context, .readSubmissions)
            let document: JSONValue = [
                "@odata.context": .string("\(baseURL(request))\(request.uri.path)/$metadata"),
                "value": [["name": "Entities", "kind": "EntitySet", "url": "Entities"]],
            ]
            var response = JSONResponse.make(document)
            response.headers[.contentType] = "application/json; charset=utf-8; odata.metadata=minimal"
            response.headers[HeaderNames.odataVersion] = "4.0"
            return response
        }

        router.get(RouterPath("\(prefix)/projects/:projectId/datasets/{name}.svc/$metadata")) { request, context in
            _ = try ODataOptions(request)
            let (_, detail) = try await dataset(request, context, .readSubmissions)
            var response = JSONResponse.bytes(Data(EntityExports.metadata(detail).utf8), contentType: "application/xml; charset=utf-8")
            response.headers[HeaderNames.odataVersion] = "4.0"
            return response
        }

        router.get(RouterPath("\(prefix)/projects/:projectId/datasets/{name}.svc/Entities")) { request, context in
            let (_, detail) = try await dataset(request, context, .readSubmissions)
            return try await EntityExports.odata(store: store, detail: detail, request: request, base: baseURL(request))
        }
    }

    func applyOverAPI(
        _ changes: [EntityChange], detail: DatasetDetail, actor: Actor, request: Request, source: JSONObject? = nil
    ) async throws {
        do {
            _ = try await store.applyAPIChanges(
                projectId: detail.dataset.projectId, changes: changes, actorId: actor.id,
                userAgent: SubmissionIntake.userAgent(request), source: source)
        } catch let problem as EntityProblem {
            throw Problem(problem)
        }
    }

    /// Central's entity audits: each with its actor, and with the `source` of the version it names
    /// (`{}` for audits that name none, such as a delete).
    func renderEntityAudits(_ entity: EntityRecord, paging: (offset: Int, limit: Int?)) async throws -> Response {
        let audits = try await store.audits(entityId: entity.id).dropFirst(paging.offset).prefix(paging.limit ?? Int.max)
        let versions = Dictionary(uniqueKeysWithValues: try await store.entityVersions(entityId: entity.id).map { ($0.id, $0) })
        let provenance = try await store.versionProvenance(entityId: entity.id)
        var actors = ActorCache(store: store)
        var rendered: [JSONValue] = []
        for audit in audits {
            var object = Representation.audit(audit, actor: try await actors.actor(audit.actorId))
            var details = audit.details.objectValue ?? [:]
            let version = details["entityDefId"]?.intValue.flatMap { versions[$0] }
            details["source"] = .object(version.map { EntityRepresentation.source($0.source, provenance: provenance[$0.id]) } ?? [:])
            object["details"] = .object(details)
            rendered.append(.object(object))
        }
        return JSONResponse.make(.array(rendered))
    }

    /// The live entity named in the URL.
    func entity(_ request: Request, _ context: GatewayContext, _ capability: Capability) async throws -> (
        Actor, DatasetDetail, EntityRecord
    ) {
        let (actor, detail) = try await dataset(request, context, capability)
        // Central accepts the `uuid:` prefix that the entity's XML id carries.
        var uuid = try context.parameters.decoded("uuid").lowercased()
        if uuid.hasPrefix("uuid:") { uuid.removeFirst("uuid:".count) }
        guard let entity = try await store.entity(datasetId: detail.dataset.id, uuid: uuid) else { throw Problem.notFound }
        return (actor, detail, entity)
    }
}
