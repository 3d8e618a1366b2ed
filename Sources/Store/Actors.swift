import Foundation
import GRDB

/// Who is making a request: a web user or an app user (Central's "field key").
public struct Actor: Sendable, Equatable {
    public enum Kind: String, Sendable { case user, fieldKey = "field_key" }
    public var id: Int64
    public var kind: Kind
    public var displayName: String
    public var createdAt: String
    public var updatedAt: String?
    public var isAdmin: Bool
    /// The one project an app user belongs to.
    public var projectId: Int64?
    public var email: String?
}

extension Actor {
    static let columns = """
        a.id, a.type, a.display_name, a.created_at, a.updated_at,
        COALESCE(u.is_admin, 0) AS is_admin, au.project_id, u.email
        """
    static let joins = """
        FROM actors a LEFT JOIN users u ON u.actor_id = a.id LEFT JOIN app_users au ON au.actor_id = a.id
        """

    init(row: Row) {
        id = row["id"]
        kind = Kind(rawValue: row["type"]) ?? .user
        displayName = row["display_name"]
        createdAt = row["created_at"]
        updatedAt = row["updated_at"]
        isAdmin = row["is_admin"]
        projectId = row["project_id"]
        email = row["email"]
    }

    static func fetch(_ db: Database, id: Int64) throws -> Actor? {
        try Row.fetchOne(try db.cachedStatement(sql: "SELECT \(columns) \(joins) WHERE a.id = ? AND a.deleted_at IS NULL"), arguments: [id])
            .map(Actor.init(row:))
    }
}

extension GatewayStore {
    /// Creates a web user; the password must already be hashed.
    public func createUser(email: String, passwordHash: String, displayName: String?, isAdmin: Bool) async throws -> Actor {
        try await write { db in
            if try Bool.fetchOne(try db.cachedStatement(sql: "SELECT 1 FROM users WHERE email = ?"), arguments: [email]) == true {
                throw StoreError.emailTaken(email)
            }
            let now = Timestamp.now()
            try db.run(
                "INSERT INTO actors (type, display_name, created_at, actee_id) VALUES ('user', ?, ?, ?)", displayName ?? email, now,
                Actee.newId())
            let id = db.lastInsertedRowID
            try db.run(
                "INSERT INTO users (actor_id, email, password_hash, is_admin) VALUES (?, ?, ?, ?)", id, email, passwordHash, isAdmin)
            try Audit.log(
                db, actorId: nil, action: "user.create", acteeType: "actor", acteeId: id, details: ["data": ["email": .string(email)]])
            return try Actor.fetch(db, id: id)!
        }
    }

    /// The stored bcrypt hash and the user it belongs to, for a login attempt.
    public func userCredentials(email: String) async throws -> (actor: Actor, passwordHash: String)? {
        try await read { db in
            guard
                let row = try Row.fetchOne(
                    try db.cachedStatement(
                        sql: "SELECT \(Actor.columns), u.password_hash \(Actor.joins) WHERE u.email = ? AND a.deleted_at IS NULL"),
                    arguments: [email])
            else { return nil }
            return (Actor(row: row), row["password_hash"])
        }
    }

    /// The app user behind a `/v1/key/{token}` path, while its key has not been revoked.
    public func actor(forAppUserToken token: String) async throws -> Actor? {
        try await read { db in
            try Row.fetchOne(
                try db.cachedStatement(sql: "SELECT \(Actor.columns) \(Actor.joins) WHERE au.token = ? AND a.deleted_at IS NULL"),
                arguments: [token]
            ).map(Actor.init(row:))
        }
    }

    public func createAppUser(projectId: Int64, displayName: String, token: String, createdBy: Int64) async throws -> AppUserRecord {
        try await write { db in
            let now = Timestamp.now()
            try db.run(
                "INSERT INTO actors (type, display_name, created_at, actee_id) VALUES ('field_key', ?, ?, ?)", displayName, now,
                Actee.newId())
            let id = db.lastInsertedRowID
            try db.run(
                "INSERT INTO app_users (actor_id, project_id, token, created_by) VALUES (?, ?, ?, ?)", id, projectId, token, createdBy)
            try Audit.log(db, actorId: createdBy, action: "field_key.create", acteeType: "actor", acteeId: id, details: [:])
            return AppUserRecord(id: id, projectId: projectId, displayName: displayName, token: token, createdAt: now, createdBy: createdBy)
        }
    }

    public func appUsers(projectId: Int64) async throws -> [AppUserRecord] {
        try await read { db in
            try Row.fetchAll(
                try db.cachedStatement(
                    sql: """
                        SELECT a.id, a.display_name, a.created_at, au.token, au.created_by FROM actors a
                        JOIN app_users au ON au.actor_id = a.id
                        WHERE au.project_id = ? AND a.deleted_at IS NULL ORDER BY a.id DESC
                        """), arguments: [projectId]
            ).map {
                AppUserRecord(
                    id: $0["id"], projectId: projectId, displayName: $0["display_name"], token: $0["token"],
                    createdAt: $0["created_at"], createdBy: $0["created_by"])
            }
        }
    }

    public func actor(id: Int64) async throws -> Actor? {
        try await read { db in try Actor.fetch(db, id: id) }
    }
}

public struct AppUserRecord: Sendable, Equatable {
    public var id: Int64
    public var projectId: Int64
    public var displayName: String
    public var token: String?
    public var createdAt: String
    public var createdBy: Int64?
}
