import Entities
import Foundation
import GRDB

extension GatewayStore {
    /// Creates a web user; the password must already be hashed, and nil leaves the account without one
    /// (nobody can log in as it until a password is set). `by` is the administrator who made it, if any.
    public func createUser(
        email: String, passwordHash: String?, displayName: String?, isAdmin: Bool, by creator: Int64? = nil
    ) async throws -> Actor {
        try await write { db in
            try Self.requireFreeEmail(db, email, except: nil)
            let now = Timestamp.now()
            let name = displayName.flatMap { $0.isEmpty ? nil : $0 } ?? email
            try db.run("INSERT INTO actors (type, display_name, created_at, actee_id) VALUES ('user', ?, ?, ?)", name, now, Actee.newId())
            let id = db.lastInsertedRowID
            try db.run(
                "INSERT INTO users (actor_id, email, password_hash, is_admin) VALUES (?, ?, ?, ?)", id, email, passwordHash, isAdmin)
            try Audit.log(
                db, actorId: creator, action: "user.create", acteeType: "actor", acteeId: id,
                details: ["data": ["actorId": .int(id), "email": .string(email), "password": .null, "lastLoginAt": .null]])
            if passwordHash != nil {
                try Audit.log(
                    db, actorId: creator, action: "user.update", acteeType: "actor", acteeId: id, details: ["data": ["password": true]])
            }
            return try Actor.fetch(db, id: id)!
        }
    }

    /// The stored bcrypt hash (nil: no password set) and the live user it belongs to, for a login attempt.
    public func userCredentials(email: String) async throws -> (actor: Actor, passwordHash: String?)? {
        try await read { db in
            guard
                let row = try Row.fetchOne(
                    try db.cachedStatement(
                        sql:
                            "SELECT \(Actor.columns), u.password_hash \(Actor.joins) WHERE u.email = ? AND u.deleted = 0 AND a.deleted_at IS NULL"
                    ),
                    arguments: [email])
            else { return nil }
            return (Actor(row: row), row["password_hash"])
        }
    }

    public func passwordHash(userId: Int64) async throws -> String? {
        try await read { db in try String.fetchOne(db, sql: "SELECT password_hash FROM users WHERE actor_id = ?", arguments: [userId]) }
    }

    /// Live web users by email; with `search`, those whose email or display name contains it (any case).
    public func users(search: String? = nil) async throws -> [Actor] {
        try await read { db in
            let pattern = search.map {
                "%"
                    + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                    .replacingOccurrences(of: "_", with: "\\_") + "%"
            }
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Actor.columns) \(Actor.joins) WHERE a.type = 'user' AND a.deleted_at IS NULL
                    AND (? IS NULL OR u.email LIKE ? ESCAPE '\\' OR a.display_name LIKE ? ESCAPE '\\') ORDER BY u.email
                    """, arguments: [pattern, pattern, pattern]
            ).map(Actor.init(row:))
        }
    }

    /// The live web user with exactly this email (any case).
    public func user(email: String) async throws -> Actor? {
        try await read { db in
            try Row.fetchOne(
                db, sql: "SELECT \(Actor.columns) \(Actor.joins) WHERE u.email = ? AND u.deleted = 0 AND a.deleted_at IS NULL",
                arguments: [email]
            ).map(Actor.init(row:))
        }
    }

    /// Changes a user's email and display name (nil keeps each); audited with the fields that were sent.
    public func updateUser(id: Int64, email: String?, displayName: String?, by: Int64) async throws -> Actor {
        try await write { db in
            guard try Actor.fetch(db, id: id) != nil else { throw StoreError.notFound }
            var data: JSONObject = [:]
            if let email {
                try Self.requireFreeEmail(db, email, except: id)
                try db.run("UPDATE users SET email = ? WHERE actor_id = ?", email, id)
                data["email"] = .string(email)
            }
            if let displayName { data["displayName"] = .string(displayName) }
            try db.run(
                "UPDATE actors SET display_name = COALESCE(?, display_name), updated_at = ? WHERE id = ?", displayName, Timestamp.now(), id)
            try Audit.log(db, actorId: by, action: "user.update", acteeType: "actor", acteeId: id, details: ["data": .object(data)])
            guard let updated = try Actor.fetch(db, id: id) else { throw StoreError.notFound }
            return updated
        }
    }

    /// Sets a new password hash and ends the user's sessions but `keeping` (the one that asked, if any).
    public func setPassword(userId: Int64, hash: String, keepingSession keeping: String?, by: Int64) async throws {
        try await write { db in
            try db.run("UPDATE users SET password_hash = ? WHERE actor_id = ?", hash, userId)
            try db.run(
                "DELETE FROM sessions WHERE actor_id = ? AND token_sha256 IS NOT ?", userId, keeping.map(SessionToken.digest))
            try Audit.log(
                db, actorId: by, action: "user.update", acteeType: "actor", acteeId: userId, details: ["data": ["password": true]])
        }
    }

    /// Deletes a user as Central does: the actor is kept for the history, its roles and sessions go at once,
    /// and its email may be used again.
    public func deleteUser(id: Int64, by: Int64) async throws {
        try await write { db in
            try db.run("UPDATE users SET deleted = 1, is_admin = 0 WHERE actor_id = ?", id)
            try Self.retire(db, actorId: id, action: "user.delete", by: by)
        }
    }

    /// After a good password: the login time, and Central's `user.session.create` audit.
    public func recordLogin(userId: Int64, userAgent: String?) async throws {
        try await write { db in
            try db.run("UPDATE users SET last_login_at = ? WHERE actor_id = ?", Timestamp.now(), userId)
            let details: JSONObject = userAgent.map { ["userAgent": .string($0)] } ?? [:]
            try Audit.log(db, actorId: userId, action: "user.session.create", acteeType: "actor", acteeId: userId, details: details)
        }
    }

    /// Ours: a wrong password, for the operator to see guessing in the audit log.
    public func recordLoginFailure(email: String, userId: Int64?, address: String) async throws {
        try await write { db in
            _ = try Audit.log(
                db, actorId: nil, action: "user.session.create.failure", acteeType: userId == nil ? nil : "actor", acteeId: userId,
                details: ["email": .string(String(email.prefix(255))), "address": .string(address)])
        }
    }

    /// Deletes an actor, keeping its row for the history: its roles and sessions go at once.
    static func retire(_ db: Database, actorId: Int64, action: String, by: Int64) throws {
        try db.run("UPDATE actors SET deleted_at = ? WHERE id = ?", Timestamp.now(), actorId)
        try db.run("DELETE FROM assignments WHERE actor_id = ?", actorId)
        try db.run("DELETE FROM form_assignments WHERE actor_id = ?", actorId)
        try db.run("DELETE FROM sessions WHERE actor_id = ?", actorId)
        try Audit.log(db, actorId: by, action: action, acteeType: "actor", acteeId: actorId, details: [:])
    }

    private static func requireFreeEmail(_ db: Database, _ email: String, except id: Int64?) throws {
        let taken = try Bool.fetchOne(
            db, sql: "SELECT 1 FROM users WHERE email = ? AND deleted = 0 AND actor_id IS NOT ?", arguments: [email, id])
        if taken == true { throw StoreError.emailTaken(email) }
    }
}
