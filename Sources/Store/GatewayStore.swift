import Foundation
import GRDB

/// The gateway's SQLite database: one writer, a pool of WAL readers.
public final class GatewayStore: Sendable {
    let pool: DatabasePool
    private let writer: GroupCommit

    /// Opens (creating and migrating when needed) the database at `path`.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // Acknowledged means durable: every commit reaches the disk before the answer.
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        try Migrations.migrator.migrate(pool)
        writer = GroupCommit(pool: pool)
    }

    /// Names of the migrations applied so far, oldest first.
    public func appliedMigrations() throws -> [String] {
        try pool.read { db in try Migrations.migrator.appliedMigrations(db) }
    }

    /// Every write goes through the group-committing writer.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await writer.write(body)
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await pool.read(body)
    }
}

public enum StoreError: Error, Equatable, Sendable {
    case emailTaken(String)
    case notFound
    /// A live form with this xmlFormId exists in the project.
    case formExists(String)
    /// A draft or published version with this version string exists already.
    case versionExists(String)
    /// Same instanceID, different XML.
    case submissionConflict(instanceId: String)
}
