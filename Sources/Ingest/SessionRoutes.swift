import Entities
import Foundation
import Hummingbird
import Store

extension Gateway {
    func addSessionRoutes(to router: GatewayRouter) {
        router.post("/v1/sessions") { request, _ in
            let body = try await request.jsonObjectBody()
            let email = body["email"]?.stringValue ?? ""
            let password = body["password"]?.stringValue ?? ""
            guard !email.isEmpty, !password.isEmpty else {
                throw Problem.missingParameters(
                    expected: ["email", "password"],
                    got: ["email": JSONValue(body["email"]?.stringValue), "password": password.isEmpty ? .null : "[redacted]"])
            }
            let actor = try await access.verifyPassword(email: email, password: password)
            let session = try await store.createSession(actorId: actor.id, token: Tokens.random(), lifetime: configuration.sessionLifetime)
            return JSONResponse.make([
                "token": .string(session.token), "csrf": .string(Tokens.random()),
                "expiresAt": .string(session.expiresAt), "createdAt": .string(session.createdAt),
            ])
        }

        router.delete("/v1/sessions/:sessionToken") { request, context in
            let actor = try await access.actor(request, context)
            var token = try context.parameters.decoded("sessionToken")
            if token == "current", let header = request.headers[.authorization], header.hasPrefix("Bearer ") {
                token = String(header.dropFirst("Bearer ".count))
            }
            guard let (owner, _) = try await store.actor(forSessionToken: token), owner.id == actor.id || actor.isAdmin,
                try await store.deleteSession(token: token)
            else { throw Problem.insufficientRights }
            access.recent.forgetSession(token)
            return JSONResponse.success
        }

        router.get("/v1/users/current") { request, context in
            let actor = try await access.actor(request, context)
            guard actor.kind == .user else { throw Problem.notFound }
            var object = Representation.user(actor)
            if request.wantsExtendedMetadata {
                object["verbs"] = .array(actor.isAdmin ? ["*"] : [])
                object["preferences"] = ["site": [:], "projects": [:]]
            }
            return JSONResponse.make(.object(object))
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
}
