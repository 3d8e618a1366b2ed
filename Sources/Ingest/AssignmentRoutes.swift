import Entities
import Foundation
import Hummingbird
import Store

/// Central's generic assignments resource, on the site (`/v1/assignments`), a project and a form.
extension Gateway {
    func addSiteAssignmentRoutes(to router: GatewayRouter) {
        addAssignmentRoutes(to: router, base: "/v1") { request, context in
            let actor = try await access.actor(request, context)
            try access.requireAdmin(actor)
            return (actor, .site, nil)
        }
    }

    func addAssignmentRoutes(to router: GatewayRouter, prefix: String) {
        addAssignmentRoutes(to: router, base: "\(prefix)/projects/:projectId") { request, context in
            let actor = try await access.actor(request, context)
            let project = try await access.project(context.parameters.get("projectId", as: Int64.self), .manageProject, for: actor)
            return (actor, .project(project.id), project.id)
        }
        addAssignmentRoutes(to: router, base: "\(prefix)/projects/:projectId/forms/:xmlFormId") { request, context in
            let (actor, form) = try await self.form(request, context, .manageProject)
            return (actor, .form(form.id), form.projectId)
        }

        // Read-only summaries of every form's assignments in a project.
        let forms = "\(prefix)/projects/:projectId/assignments/forms"
        for path in [forms, "\(forms)/:roleId"] {
            router.get(RouterPath(path)) { request, context in
                let actor = try await access.actor(request, context)
                let project = try await access.project(context.parameters.get("projectId", as: Int64.self), .manageProject, for: actor)
                let role = try context.parameters.get("roleId").map { try Self.role($0) }
                let list = try await store.formAssignments(projectId: project.id, role: role?.system)
                return JSONResponse.make(try await assignmentList(list, extended: request.wantsExtendedMetadata))
            }
        }
    }

    /// What a scope's routes resolve first: the caller, the scope, and the project a target must belong to.
    typealias AssignmentScopeResolver = @Sendable (Request, GatewayContext) async throws -> (Actor, AssignmentScope, Int64?)

    private func addAssignmentRoutes(to router: GatewayRouter, base: String, scope resolve: @escaping AssignmentScopeResolver) {
        router.get(RouterPath("\(base)/assignments")) { request, context in
            let (_, scope, _) = try await resolve(request, context)
            let list = try await store.assignments(in: scope)
            return JSONResponse.make(try await assignmentList(list, extended: request.wantsExtendedMetadata))
        }

        router.get(RouterPath("\(base)/assignments/:roleId")) { request, context in
            let (_, scope, _) = try await resolve(request, context)
            let role = try Self.role(context.parameters.decoded("roleId"))
            var actors = ActorCache(store: store)
            var list: [JSONValue] = []
            for assignment in try await store.assignments(in: scope, role: role.system) {
                list.append(try await actors.object(assignment.actorId))
            }
            return JSONResponse.make(.array(list))
        }

        router.post(RouterPath("\(base)/assignments/:roleId/:actorId")) { request, context in
            let (actor, scope, projectId) = try await resolve(request, context)
            let (role, target) = try await assignmentTarget(context, scope: scope, projectId: projectId)
            guard Self.mayAssign(role, in: scope, by: actor) else { throw Problem.insufficientRights }
            guard try await store.grant(role: role.system, actorId: target.id, in: scope, by: actor.id) else {
                throw Problem.uniquenessViolation(
                    fields: ["actorId", "roleId"], values: [String(target.id), String(role.id)], table: "assignments")
            }
            access.recent.forget(actorId: target.id)
            return JSONResponse.success
        }

        router.delete(RouterPath("\(base)/assignments/:roleId/:actorId")) { request, context in
            let (actor, scope, projectId) = try await resolve(request, context)
            let (role, target) = try await assignmentTarget(context, scope: scope, projectId: projectId)
            guard try await store.revoke(role: role.system, actorId: target.id, in: scope, by: actor.id) else { throw Problem.notFound }
            access.recent.forget(actorId: target.id)
            return JSONResponse.success
        }
    }

    /// The role and the live actor a grant or revocation names. An app user takes roles only in its own project.
    private func assignmentTarget(_ context: GatewayContext, scope: AssignmentScope, projectId: Int64?) async throws -> (Role, Actor) {
        let role = try Self.role(context.parameters.decoded("roleId"))
        guard let id = context.parameters.get("actorId", as: Int64.self), let target = try await store.actor(id: id) else {
            throw Problem.notFound
        }
        if target.kind == .fieldKey, target.projectId != projectId { throw Problem.notFound }
        if scope == .site, role.system != "admin" {
            throw Problem.unexpectedValue(field: "roleId", value: role.system, reason: "only the admin role can be given site-wide here.")
        }
        return (role, target)
    }

    /// Central lets a caller give a role only when it holds every verb of the role there: an administrator
    /// any role, a project manager any project role but the site's.
    static func mayAssign(_ role: Role, in scope: AssignmentScope, by actor: Actor) -> Bool {
        guard role.isAssignable else { return false }
        if actor.isAdmin { return true }
        return scope != .site && role.system != "admin"
    }

    static func role(_ parameter: String) throws -> Role {
        guard let role = Role.find(parameter) else { throw Problem.notFound }
        return role
    }

    /// `[{actorId, roleId}]`, or with `X-Extended-Metadata` `[{actor, roleId}]`; `xmlFormId` when listing forms.
    private func assignmentList(_ list: [Assignment], extended: Bool) async throws -> JSONValue {
        var actors = ActorCache(store: store)
        var out: [JSONValue] = []
        for assignment in list {
            var object: JSONObject = ["roleId": .int(Int64(Role.named(assignment.role)?.id ?? 0))]
            if extended {
                object["actor"] = try await actors.object(assignment.actorId)
            } else {
                object["actorId"] = .int(assignment.actorId)
            }
            if let xmlFormId = assignment.xmlFormId { object["xmlFormId"] = .string(xmlFormId) }
            out.append(.object(object))
        }
        return .array(out)
    }
}
