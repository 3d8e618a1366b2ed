import Crypto
import Foundation
import GRDB

/// A web user's login. Only the token's SHA-256 is stored, so a copy of the database lets nobody in; the
/// token itself is in the record only when it was just made.
public struct SessionRecord: Sendable, Equatable {
    public var token: String
    public var actorId: Int64
    public var createdAt: String
    public var expiresAt: String
}

enum SessionToken {
    static func digest(_ token: String) -> String { SHA256.hash(data: Data(token.utf8)).hex }
}

extension GatewayStore {
    public func createSession(actorId: Int64, token: String, lifetime: TimeInterval) async throws -> SessionRecord {
        try await write { db in
            let now = Date()
            let record = SessionRecord(
                token: token, actorId: actorId, createdAt: Timestamp.string(now),
                expiresAt: Timestamp.string(now.addingTimeInterval(lifetime)))
            try db.run(
                "INSERT INTO sessions (token_sha256, actor_id, created_at, expires_at) VALUES (?, ?, ?, ?)", SessionToken.digest(token),
                actorId, record.createdAt, record.expiresAt)
            return record
        }
    }

    /// The live actor behind a bearer token, with the session (its `token` is the one asked about).
    public func actor(forSessionToken token: String) async throws -> (Actor, SessionRecord)? {
        try await read { db in
            guard
                let row = try Row.fetchOne(
                    try db.cachedStatement(
                        sql: """
                            SELECT \(Actor.columns), s.created_at AS s_created, s.expires_at
                            \(Actor.joins) JOIN sessions s ON s.actor_id = a.id
                            WHERE s.token_sha256 = ? AND s.expires_at > ? AND a.deleted_at IS NULL
                            """), arguments: [SessionToken.digest(token), Timestamp.now()])
            else { return nil }
            let session = SessionRecord(token: token, actorId: row["id"], createdAt: row["s_created"], expiresAt: row["expires_at"])
            return (Actor(row: row), session)
        }
    }

    /// Deletes sessions that ended before `date`; returns how many.
    @discardableResult
    public func pruneSessions(expiredBefore date: Date) async throws -> Int {
        try await write { db in
            try db.run("DELETE FROM sessions WHERE expires_at < ?", Timestamp.string(date))
            return db.changesCount
        }
    }

    /// Ends one session.
    @discardableResult
    public func deleteSession(token: String) async throws -> Bool {
        try await write { db in
            try db.run("DELETE FROM sessions WHERE token_sha256 = ?", SessionToken.digest(token))
            return db.changesCount > 0
        }
    }
}
