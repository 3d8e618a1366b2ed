import Entities
import Foundation
import Hummingbird
import Store

extension Gateway {
    func addSessionRoutes(to router: GatewayRouter) {
        router.post("/v1/sessions") { request, context in
            let body = try await request.jsonObjectBody()
            let email = body["email"]?.stringValue ?? ""
            let password = body["password"]?.stringValue ?? ""
            guard !email.isEmpty, !password.isEmpty else {
                throw Problem.missingParameters(
                    expected: ["email", "password"],
                    got: ["email": JSONValue(body["email"]?.stringValue), "password": password.isEmpty ? .null : "[redacted]"])
            }
            let actor = try await access.verifyPassword(email: email, password: password, address: context.peerAddress)
            let session = try await store.createSession(actorId: actor.id, token: Tokens.random(), lifetime: configuration.sessionLifetime)
            try await store.recordLogin(userId: actor.id, userAgent: request.headers[.userAgent])
            return JSONResponse.make([
                "token": .string(session.token), "csrf": .string(Tokens.random()),
                "expiresAt": .string(session.expiresAt), "createdAt": .string(session.createdAt),
            ])
        }

        // Central answers 404 here to Basic (no session to end) and 403 to an app user (it may not end its own key).
        router.delete("/v1/sessions/current") { request, context in
            let actor = try await access.actor(request, context)
            guard actor.kind == .user else { throw Problem.insufficientRights }
            guard let token = Self.bearerToken(request), try await store.deleteSession(token: token) else { throw Problem.notFound }
            access.recent.forgetSession(token)
            return JSONResponse.success
        }

        // A web user's session (its owner or an administrator), or an app user's key (an administrator or a
        // manager of its project): the key stops working at once. An unknown token is 403, as Central.
        router.delete("/v1/sessions/:sessionToken") { request, context in
            let actor = try await access.actor(request, context)
            let token = try context.parameters.decoded("sessionToken")
            guard Access.isWellFormedToken(token) else { throw Problem.insufficientRights }
            if let (owner, _) = try await store.actor(forSessionToken: token) {
                guard owner.id == actor.id || actor.isAdmin else { throw Problem.insufficientRights }
                try await store.deleteSession(token: token)
                access.recent.forgetSession(token)
                return JSONResponse.success
            }
            guard let appUser = try await store.actor(forAppUserToken: token), let projectId = appUser.projectId,
                actor.kind == .user, try await access.may(.manageProject, projectId: projectId, actor: actor)
            else { throw Problem.insufficientRights }
            try await store.revokeAppUserKey(actorId: appUser.id, by: actor.id)
            access.recent.forget(actorId: appUser.id)
            return JSONResponse.success
        }

        router.get("/v1/roles") { request, context in
            _ = try await access.actor(request, context)
            return JSONResponse.make(.array(Role.all.map { .object(Representation.role($0)) }))
        }

        router.get("/v1/roles/:roleId") { request, context in
            _ = try await access.actor(request, context)
            return JSONResponse.make(.object(Representation.role(try Self.role(context.parameters.decoded("roleId")))))
        }
    }

    static func bearerToken(_ request: Request) -> String? {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else { return nil }
        return String(header.dropFirst("Bearer ".count))
    }
}
