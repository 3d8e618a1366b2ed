import Foundation
import Hummingbird
import HummingbirdBcrypt
import Store
import Synchronization

/// What a request may do inside a project, after Central's verbs: `listForms` is `form.list`/`open_form.list`,
/// `readForms` is `open_form.read` (what an app user's phone needs to fetch a form), `readClosedForms` is
/// `form.read` (a closed form), `readDatasets` is `dataset.list`/`dataset.read`.
enum Capability {
    case readProject, listForms, readForms, readClosedForms, readDatasets, manageForms, submit, readSubmissions, reviewSubmissions,
        manageProject
}

/// Resolves who is calling (bearer session, `/v1/key/{token}` app user, or Basic) and checks their rights.
struct Access: Sendable {
    let store: GatewayStore
    /// Recently seen tokens and their actors, so a busy phone is not looked up on every request.
    let recent = TokenCache(lifetime: 30)
    let throttle = LoginThrottle()

    /// Central's tokens are 64 characters of `[A-Za-z0-9!$]`; anything else is refused without a lookup.
    static func isWellFormedToken(_ token: String) -> Bool {
        token.utf8.count == 64
            && token.unicodeScalars.allSatisfy {
                ($0.isASCII && $0.properties.isAlphabetic) || ("0"..."9").contains($0) || $0 == "!" || $0 == "$"
            }
    }

    /// The caller, or 401.2 when the request carries no valid credentials.
    func actor(_ request: Request, _ context: GatewayContext) async throws -> Actor {
        if let raw = context.parameters.get("token") {
            // Decoded as Central decodes path parameters: a client may send the key's `$` and `!` as `%24` and `%21`.
            let key = raw.removingPercentEncoding ?? raw
            guard Self.isWellFormedToken(key) else { throw Problem.authenticationFailed }
            // An unknown key is 403, not 401, as Central answers: the device should not prompt for a password.
            if let actor = recent.actor(for: "key:" + key) { return actor }
            let generation = recent.generation
            guard let actor = try await store.actor(forAppUserToken: key) else { throw Problem.insufficientRights }
            recent.remember(actor, for: "key:" + key, readAtGeneration: generation)
            return actor
        }
        guard let authorization = request.headers[.authorization] else { throw Problem.authenticationFailed }
        if authorization.hasPrefix("Bearer ") {
            let token = String(authorization.dropFirst("Bearer ".count))
            if let actor = recent.actor(for: "session:" + token) { return actor }
            let generation = recent.generation
            guard let (actor, session) = try await store.actor(forSessionToken: token) else { throw Problem.authenticationFailed }
            if let expiry = Timestamp.date(session.expiresAt), expiry.timeIntervalSinceNow > recent.lifetime {
                recent.remember(actor, for: "session:" + token, readAtGeneration: generation)
            }
            return actor
        }
        if authorization.hasPrefix("Basic ") {
            let encoded = String(authorization.dropFirst("Basic ".count))
            guard let decoded = Data(base64Encoded: encoded).flatMap({ String(data: $0, encoding: .utf8) }),
                let colon = decoded.firstIndex(of: ":")
            else { throw Problem.authenticationFailed }
            guard !decoded.containsNull else { throw Problem.nullCharacter(field: "Authorization") }
            let email = String(decoded[..<colon])
            let password = String(decoded[decoded.index(after: colon)...])
            return try await verifyPassword(email: email, password: password, address: context.peerAddress)
        }
        throw Problem.authenticationFailed
    }

    /// The user whose password this is. An unknown email costs the same bcrypt check as a known one, so the
    /// answer's timing does not tell which accounts exist; failures are counted (see `LoginThrottle`) and
    /// audited as `user.session.create.failure`.
    func verifyPassword(email: String, password: String, address: String) async throws -> Actor {
        guard !email.containsNull, !password.containsNull else { throw Problem.nullCharacter(field: "password") }
        let credentials = try await store.userCredentials(email: email)
        guard
            try await checkPassword(
                password, against: credentials?.passwordHash, email: email, userId: credentials?.actor.id, address: address),
            let actor = credentials?.actor
        else { throw Problem.authenticationFailed }
        return actor
    }

    /// One throttled, audited bcrypt check (see `verifyPassword`); also asked of a password change's old password.
    func checkPassword(_ password: String, against stored: String?, email: String, userId: Int64?, address: String) async throws -> Bool {
        if let wait = throttle.admit(email: email, address: address) { throw Problem.tooManyLoginFailures(retryAfter: wait) }
        let matched = await Self.hashing.run { Bcrypt.verify(password, hash: stored ?? Self.unmatchableHash) }
        guard matched, stored != nil, !password.isEmpty else {
            try await store.recordLoginFailure(email: email, userId: userId, address: address)
            return false
        }
        throttle.succeeded(email: email, address: address)
        return true
    }

    /// Checked against when there is no account or no password, at the cost stored hashes have.
    static let unmatchableHash = Bcrypt.hash(Tokens.random(), cost: bcryptCost)
    static let bcryptCost: UInt8 = 10  // as `ingest user-create` hashes

    /// A new password's bcrypt hash, made on the hashing threads.
    static func hash(_ password: String) async -> String { await hashing.run { Bcrypt.hash(password, cost: bcryptCost) } }

    /// Password checks take ~60 ms of CPU each: they run on their own threads, at most half the cores at a
    /// time, so a flood of logins waits its turn instead of taking every core from the other requests.
    static let hashing = BoundedWork(width: max(1, ProcessInfo.processInfo.activeProcessorCount / 2))

    func requireAdmin(_ actor: Actor) throws {
        guard actor.isAdmin else { throw Problem.insufficientRights }
    }

    /// The live project, 404.1 when missing, then 403.1 when the actor may not do `capability` in it.
    func project(_ id: Int64?, _ capability: Capability, for actor: Actor) async throws -> ProjectRecord {
        guard let id, let project = try await store.project(id: id) else { throw Problem.notFound }
        try await require(capability, projectId: project.id, actor: actor)
        return project
    }

    func may(_ capability: Capability, projectId: Int64, formId: Int64? = nil, actor: Actor) async throws -> Bool {
        do {
            try await require(capability, projectId: projectId, formId: formId, actor: actor)
            return true
        } catch let problem as Problem where problem.code == 403.1 {
            return false
        }
    }

    /// Checks `capability` in the project, and on the form when `formId` is given. Roles held on the form
    /// count there as they would project-wide: that is how an app user is given a form (Central's `app-user`
    /// role on it). An app user acts only in its own project; without a form it may list and probe, and
    /// the list shows only the forms it may read.
    func require(_ capability: Capability, projectId: Int64, formId: Int64? = nil, actor: Actor) async throws {
        if actor.isAdmin { return }
        if actor.kind == .fieldKey {
            guard actor.projectId == projectId, capability == .readForms || capability == .readClosedForms || capability == .submit else {
                throw Problem.insufficientRights
            }
            if formId == nil { return }
        }
        let roles = try await store.roles(actorId: actor.id, projectId: projectId, formId: formId)
        guard Self.allows(roles, capability) else { throw Problem.insufficientRights }
    }

    /// Central's verbs, by role, as far as the gateway's capabilities go.
    private static func allows(_ roles: Set<String>, _ capability: Capability) -> Bool {
        if roles.contains("manager") { return true }
        switch capability {
        case .readForms: return !roles.isDisjoint(with: ["viewer", "formfill", "app-user"])
        case .readClosedForms: return roles.contains("viewer")
        case .readProject, .listForms: return !roles.isDisjoint(with: ["viewer", "formfill"])
        case .submit: return !roles.isDisjoint(with: ["formfill", "app-user"])
        case .readSubmissions, .readDatasets: return roles.contains("viewer")
        case .manageForms, .reviewSubmissions, .manageProject: return false
        }
    }
}

/// A short-lived memory of token lookups. Forgetting (a logout, a revoked key, a changed role) moves a
/// generation number, so a lookup that read the database before the change cannot put what it saw back
/// afterwards.
final class TokenCache: Sendable {
    let lifetime: TimeInterval
    private struct State {
        var generation = 0
        var entries: [String: (actor: Actor, until: Date)] = [:]
    }
    private let state = Mutex(State())

    init(lifetime: TimeInterval) { self.lifetime = lifetime }

    var generation: Int { state.withLock { $0.generation } }

    func actor(for key: String) -> Actor? {
        state.withLock { state in
            guard let entry = state.entries[key] else { return nil }
            if entry.until < Date() {
                state.entries[key] = nil
                return nil
            }
            return entry.actor
        }
    }

    /// Keeps what a lookup found, unless something was forgotten since the lookup began.
    func remember(_ actor: Actor, for key: String, readAtGeneration generation: Int) {
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.entries.count > 10_000 { state.entries.removeAll() }
            state.entries[key] = (actor, Date().addingTimeInterval(lifetime))
        }
    }

    /// Forgets every token of one actor: its roles changed, or it was revoked or deleted.
    func forget(actorId: Int64) {
        state.withLock { state in
            state.generation += 1
            state.entries = state.entries.filter { $0.value.actor.id != actorId }
        }
    }

    func forgetSession(_ token: String) {
        state.withLock { state in
            state.generation += 1
            state.entries["session:" + token] = nil
        }
    }
}
