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
    public var lastLoginAt: String?
}

extension Actor {
    static let columns = """
        a.id, a.type, a.display_name, a.created_at, a.updated_at,
        COALESCE(u.is_admin, 0) AS is_admin, au.project_id, u.email, u.last_login_at
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
        lastLoginAt = row["last_login_at"]
    }

    static func fetch(_ db: Database, id: Int64) throws -> Actor? {
        try Row.fetchOne(try db.cachedStatement(sql: "SELECT \(columns) \(joins) WHERE a.id = ? AND a.deleted_at IS NULL"), arguments: [id])
            .map(Actor.init(row:))
    }
}

extension GatewayStore {
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

    /// A project's live app users, newest first, with when each last submitted (Central's `lastUsed`).
    public func appUsers(projectId: Int64) async throws -> [AppUserRecord] {
        try await read { db in
            try Row.fetchAll(
                try db.cachedStatement(
                    sql: """
                        SELECT a.id, a.display_name, a.created_at, au.token, au.created_by,
                          (SELECT MAX(logged_at) FROM audits WHERE actor_id = a.id AND action = 'submission.create') AS last_used
                        FROM actors a JOIN app_users au ON au.actor_id = a.id
                        WHERE au.project_id = ? AND a.deleted_at IS NULL ORDER BY a.id DESC
                        """), arguments: [projectId]
            ).map {
                AppUserRecord(
                    id: $0["id"], projectId: projectId, displayName: $0["display_name"], token: $0["token"],
                    createdAt: $0["created_at"], createdBy: $0["created_by"], lastUsed: $0["last_used"])
            }
        }
    }

    /// Revokes an app user's key (Central's `field_key.session.end`): the phone is refused from now on,
    /// and the app user is listed with a null token.
    public func revokeAppUserKey(actorId: Int64, by: Int64) async throws {
        try await write { db in
            try db.run("UPDATE app_users SET token = NULL WHERE actor_id = ?", actorId)
            try Audit.log(db, actorId: by, action: "field_key.session.end", acteeType: "actor", acteeId: actorId, details: [:])
        }
    }

    /// Deletes an app user: its key stops working and its form assignments go; its submissions stay.
    public func deleteAppUser(actorId: Int64, by: Int64) async throws {
        try await write { db in
            try db.run("UPDATE app_users SET token = NULL WHERE actor_id = ?", actorId)
            try Self.retire(db, actorId: actorId, action: "field_key.delete", by: by)
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
    public var lastUsed: String?
}
