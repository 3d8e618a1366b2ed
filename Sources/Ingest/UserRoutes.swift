import Entities
import Foundation
import Hummingbird
import Store

/// Web users over the API, with Central's rules: administrators make, list and delete users; everyone
/// reads and updates themselves; an exact email finds one user for anyone logged in.
extension Gateway {
    func addUserRoutes(to router: GatewayRouter) {
        router.get("/v1/users") { request, context in
            let actor = try await access.actor(request, context)
            let query = request.query("q").flatMap { $0.isEmpty ? nil : $0 }
            if let query, let exact = try await store.user(email: query) {
                return JSONResponse.make([.object(Representation.user(exact))])
            }
            guard actor.isAdmin else { return JSONResponse.make([]) }
            return JSONResponse.make(.array(try await store.users(search: query).map { .object(Representation.user($0)) }))
        }

        router.post("/v1/users") { request, context in
            let actor = try await access.actor(request, context)
            try access.requireAdmin(actor)
            let body = try await request.jsonObjectBody()
            guard let email = try body.text("email"), !email.isEmpty else { throw Problem.missingParameter("email") }
            var hash: String?
            if let given = body["password"], given != .null, given != "" {
                let password = try PasswordRule.check(given)
                hash = await Access.hash(password)
            }
            do {
                let user = try await store.createUser(
                    email: email, passwordHash: hash, displayName: body["displayName"]?.stringValue, isAdmin: false, by: actor.id)
                return JSONResponse.make(.object(Representation.user(user)))
            } catch StoreError.emailTaken(let taken) {
                throw Problem.uniquenessViolation(fields: ["email", "deleted"], values: [taken, "false"], table: "users")
            }
        }

        router.get("/v1/users/current") { request, context in
            let actor = try await access.actor(request, context)
            guard actor.kind == .user else { throw Problem.notFound }
            var object = Representation.user(actor)
            if request.wantsExtendedMetadata {
                object["verbs"] = .array((actor.isAdmin ? Role.named("admin")!.verbs : []).map(JSONValue.string))
                object["preferences"] = ["site": [:], "projects": [:]]
            }
            return JSONResponse.make(.object(object))
        }

        router.get("/v1/users/:userId") { request, context in
            let (_, user) = try await self.user(request, context, mayBeSelf: true)
            return JSONResponse.make(.object(Representation.user(user)))
        }

        router.patch("/v1/users/:userId") { request, context in
            let (actor, user) = try await self.user(request, context, mayBeSelf: true)
            let body = try await request.jsonObjectBody()
            for field in ["email", "displayName"] {
                if let value = body[field], value.stringValue?.isEmpty ?? true { throw Problem.missingParameter(field) }
            }
            do {
                let updated = try await store.updateUser(
                    id: user.id, email: body["email"]?.stringValue, displayName: body["displayName"]?.stringValue, by: actor.id)
                access.recent.forget(actorId: user.id)
                return JSONResponse.make(.object(Representation.user(updated)))
            } catch StoreError.emailTaken(let taken) {
                throw Problem.uniquenessViolation(fields: ["email", "deleted"], values: [taken, "false"], table: "users")
            }
        }

        router.delete("/v1/users/:userId") { request, context in
            let (actor, user) = try await self.user(request, context, mayBeSelf: false)
            try await store.deleteUser(id: user.id, by: actor.id)
            access.recent.forget(actorId: user.id)
            return JSONResponse.success
        }

        // The old password is asked for even of an administrator, as Central; the user's other sessions end.
        router.put("/v1/users/:userId/password") { request, context in
            let (actor, user) = try await self.user(request, context, mayBeSelf: true)
            let body = try await request.jsonObjectBody()
            let old = body["old"]?.stringValue ?? ""
            guard !old.containsNull else { throw Problem.nullCharacter(field: "old") }
            let stored = try await store.passwordHash(userId: user.id)
            guard
                try await access.checkPassword(
                    old, against: stored, email: user.email ?? "", userId: user.id, address: context.peerAddress)
            else { throw Problem.authenticationFailed }
            let password = try PasswordRule.check(body["new"])
            let hash = await Access.hash(password)
            try await store.setPassword(userId: user.id, hash: hash, keepingSession: Self.bearerToken(request), by: actor.id)
            access.recent.forget(actorId: user.id)
            return JSONResponse.success
        }
    }

    /// The live user in the URL (404 first, as Central), then the caller's right to it: an administrator's,
    /// or the user's own when `mayBeSelf`.
    private func user(_ request: Request, _ context: GatewayContext, mayBeSelf: Bool) async throws -> (Actor, Actor) {
        let actor = try await access.actor(request, context)
        guard let id = context.parameters.get("userId", as: Int64.self), let user = try await store.actor(id: id), user.kind == .user
        else { throw Problem.notFound }
        guard actor.isAdmin || (mayBeSelf && actor.id == user.id) else { throw Problem.insufficientRights }
        return (actor, user)
    }
}
