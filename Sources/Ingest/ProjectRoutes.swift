import Entities
import Foundation
import Hummingbird
import Store

extension Gateway {
    func addProjectRoutes(to router: GatewayRouter, prefix: String) {
        router.post("\(prefix)/projects") { request, context in
            let actor = try await access.actor(request, context)
            try access.requireAdmin(actor)
            let body = try await request.jsonObjectBody()
            guard let name = try body.text("name"), !name.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw Problem.missingParameter("name")
            }
            let project = try await store.createProject(name: name, description: body["description"]?.stringValue, actorId: actor.id)
            return JSONResponse.make(.object(Representation.project(project)))
        }

        router.get("\(prefix)/projects") { request, context in
            let actor = try await access.actor(request, context)
            let projects = try await store.projects(visibleTo: actor.isAdmin ? nil : actor.id)
            return JSONResponse.make(.array(projects.map { .object(Representation.project($0)) }))
        }

        router.get("\(prefix)/projects/:projectId") { request, context in
            let actor = try await access.actor(request, context)
            let project = try await access.project(context.parameters.get("projectId", as: Int64.self), .readProject, for: actor)
            return JSONResponse.make(.object(Representation.project(project)))
        }

        router.post("\(prefix)/projects/:projectId/app-users") { request, context in
            let actor = try await access.actor(request, context)
            let project = try await access.project(context.parameters.get("projectId", as: Int64.self), .manageProject, for: actor)
            let body = try await request.jsonObjectBody()
            guard let name = try body.text("displayName"), !name.isEmpty else { throw Problem.missingParameter("displayName") }
            let user = try await store.createAppUser(projectId: project.id, displayName: name, token: Tokens.random(), createdBy: actor.id)
            return JSONResponse.make(.object(Representation.appUser(user)))
        }

        router.get("\(prefix)/projects/:projectId/app-users") { request, context in
            let actor = try await access.actor(request, context)
            let project = try await access.project(context.parameters.get("projectId", as: Int64.self), .manageProject, for: actor)
            var actors = ActorCache(store: store)
            var list: [JSONValue] = []
            for user in try await store.appUsers(projectId: project.id) {
                var object = Representation.appUser(user)
                if request.wantsExtendedMetadata {
                    object["createdBy"] = try await actors.object(user.createdBy)
                    object["lastUsed"] = JSONValue(user.lastUsed)
                }
                list.append(.object(object))
            }
            return JSONResponse.make(.array(list))
        }

        router.delete("\(prefix)/projects/:projectId/app-users/:actorId") { request, context in
            let actor = try await access.actor(request, context)
            let project = try await access.project(context.parameters.get("projectId", as: Int64.self), .manageProject, for: actor)
            guard let id = context.parameters.get("actorId", as: Int64.self), let target = try await store.actor(id: id),
                target.kind == .fieldKey, target.projectId == project.id
            else { throw Problem.notFound }
            try await store.deleteAppUser(actorId: target.id, by: actor.id)
            access.recent.forget(actorId: target.id)
            return JSONResponse.success
        }
    }
}
