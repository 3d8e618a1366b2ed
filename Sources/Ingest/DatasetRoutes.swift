import Entities
import Foundation
import Hummingbird
import Store

extension Gateway {
    func addDatasetRoutes(to router: GatewayRouter, prefix: String) {
        let datasets = "\(prefix)/projects/:projectId/datasets"

        router.get(RouterPath(datasets)) { request, context in
            let actor = try await access.actor(request, context)
            let project = try await access.project(context.parameters.get("projectId", as: Int64.self), .readProject, for: actor)
            let list = try await store.datasets(projectId: project.id)
            return JSONResponse.make(.array(list.map { .object(Representation.dataset($0)) }))
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
            return JSONResponse.make(.object(Representation.datasetDetail(detail)))
        }

        router.get(RouterPath("\(datasets)/:name")) { request, context in
            let (_, detail) = try await dataset(request, context, .readProject)
            return JSONResponse.make(.object(Representation.datasetDetail(detail)))
        }

        router.post(RouterPath("\(datasets)/:name/properties")) { request, context in
            let (actor, detail) = try await dataset(request, context, .manageProject)
            let body = try await request.jsonObjectBody()
            guard let name = body["name"]?.stringValue else { throw Problem.missingParameter("name") }
            guard DatasetNaming.isValidPropertyName(name) else {
                throw Problem.unexpectedValue(field: "name", value: name, reason: "This is not a valid property name.")
            }
            guard try await store.addDatasetProperty(datasetId: detail.dataset.id, name: name, actorId: actor.id) else {
                throw Problem.uniquenessViolation(fields: ["name", "datasetId"], values: [name, String(detail.dataset.id)], table: "ds_properties")
            }
            return JSONResponse.success
        }
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
