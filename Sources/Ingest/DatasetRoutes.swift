import Entities
import Foundation
import Hummingbird
import Store

extension Gateway {
    func addDatasetRoutes(to router: GatewayRouter, prefix: String) {
        let datasets = "\(prefix)/projects/:projectId/datasets"

        router.get(RouterPath(datasets)) { request, context in
            let actor = try await access.actor(request, context)
            let project = try await access.project(context.parameters.get("projectId", as: Int64.self), .readDatasets, for: actor)
            var list: [JSONValue] = []
            for dataset in try await store.datasets(projectId: project.id) {
                let object = Representation.dataset(dataset)
                list.append(
                    .object(request.wantsExtendedMetadata ? try await withEntityCounts(object, datasetId: dataset.id) : object))
            }
            return JSONResponse.make(.array(list))
        }

        router.post(RouterPath(datasets)) { request, context in
            let actor = try await access.actor(request, context)
            let project = try await access.project(context.parameters.get("projectId", as: Int64.self), .manageProject, for: actor)
            let body = try await request.jsonObjectBody()
            guard let name = body["name"]?.stringValue else { throw Problem.missingParameter("name") }
            guard DatasetNaming.isValidDatasetName(name) else {
                throw Problem.unexpectedValue(field: "name", value: name, reason: "This is not a valid dataset name.")
            }
            guard try await store.createDataset(projectId: project.id, name: name, actorId: actor.id) != nil,
                let detail = try await store.dataset(projectId: project.id, name: name)
            else {
                throw Problem.uniquenessViolation(fields: ["name", "projectId"], values: [name, String(project.id)], table: "datasets")
            }
            if body["approvalRequired"]?.boolValue == true {
                try await store.setApprovalRequired(datasetId: detail.dataset.id, required: true, convert: nil, actorId: actor.id)
            }
            return try await datasetResponse(try await store.dataset(projectId: project.id, name: name) ?? detail, request: request)
        }

        router.get(RouterPath("\(datasets)/:name")) { request, context in
            let (_, detail) = try await dataset(request, context, .readDatasets)
            return try await datasetResponse(detail, request: request)
        }

        router.patch(RouterPath("\(datasets)/:name")) { request, context in
            let (actor, detail) = try await dataset(request, context, .manageProject)
            let convert = request.query("convert")
            if let convert, convert != "true" && convert != "false" {
                throw Problem.unexpectedValue(field: "convert", value: convert, reason: "expected true or false.")
            }
            let body = try await request.jsonObjectBody()
            // Fields that cannot change here (such as name) are ignored, as Central ignores them.
            guard let value = body["approvalRequired"] else { return try await datasetResponse(detail, request: request) }
            guard let required = value.boolValue else { throw Problem.invalidDataType(field: "approvalRequired", expected: "boolean") }
            if !required && convert == nil {
                let pending = try await store.pendingSubmissionCount(datasetId: detail.dataset.id)
                if pending > 0 {
                    throw Problem(
                        code: 400.29, message: "There are \(pending) pending submissions", details: ["count": .int(Int64(pending))])
                }
            }
            try await store.setApprovalRequired(
                datasetId: detail.dataset.id, required: required, convert: convert.map { $0 == "true" }, actorId: actor.id)
            guard let updated = try await store.dataset(projectId: detail.dataset.projectId, name: detail.dataset.name) else {
                throw Problem.notFound
            }
            return try await datasetResponse(updated, request: request)
        }

        router.post(RouterPath("\(datasets)/:name/properties")) { request, context in
            let (actor, detail) = try await dataset(request, context, .manageProject)
            let body = try await request.jsonObjectBody()
            guard let name = body["name"]?.stringValue else { throw Problem.missingParameter("name") }
            guard DatasetNaming.isValidPropertyName(name) else {
                throw Problem.unexpectedValue(field: "name", value: name, reason: "This is not a valid property name.")
            }
            guard try await store.addDatasetProperty(datasetId: detail.dataset.id, name: name, actorId: actor.id) else {
                throw Problem.uniquenessViolation(
                    fields: ["name", "datasetId"], values: [name, String(detail.dataset.id)], table: "ds_properties")
            }
            return JSONResponse.success
        }
    }

    func datasetResponse(_ detail: DatasetDetail, request: Request) async throws -> Response {
        let object = Representation.datasetDetail(detail)
        return JSONResponse.make(
            .object(request.wantsExtendedMetadata ? try await withEntityCounts(object, datasetId: detail.dataset.id) : object))
    }

    /// With `X-Extended-Metadata`, as Central: the dataset's live entities, those in conflict, and when
    /// the newest was made or changed.
    func withEntityCounts(_ dataset: JSONObject, datasetId: Int64) async throws -> JSONObject {
        let counts = try await store.entityCounts(datasetId: datasetId)
        var object = dataset
        object["entities"] = .int(Int64(counts.entities))
        object["lastEntity"] = JSONValue(counts.lastEntity)
        object["conflicts"] = .int(Int64(counts.conflicts))
        return object
    }

    /// The published dataset named in the URL: 404 before 403, as the contract orders them.
    func dataset(_ request: Request, _ context: GatewayContext, _ capability: Capability) async throws -> (Actor, DatasetDetail) {
        let actor = try await access.actor(request, context)
        guard let projectId = context.parameters.get("projectId", as: Int64.self), try await store.project(id: projectId) != nil,
            let detail = try await store.dataset(projectId: projectId, name: context.parameters.decoded("name"))
        else { throw Problem.notFound }
        try await access.require(capability, projectId: projectId, actor: actor)
        return (actor, detail)
    }
}
