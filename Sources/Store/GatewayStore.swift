import Entities
import Foundation
import CSQLiteSettings
import GRDB
import Synchronization

/// The gateway's SQLite database: one writer, a pool of WAL readers.
public final class GatewayStore: Sendable {
    let pool: DatabasePool
    private let writer: GroupCommit
    let checkpointer: Checkpointer
    /// Told what the entity rules did and how long each transaction took, for metrics.
    let observer: StoreObserver?
    /// Published form versions by "formId/version": they never change once published.
    let publishedDefs = Mutex<[String: FormDefRecord]>([:])
    /// Live forms by project and xmlFormId, emptied by the writer whenever `forms` changes.
    let formLookups = FormLookupCache()

    /// Opens (creating and migrating when needed) the database at `path`; commits are synced as `durability` says.
    public init(path: String, durability: Durability = .full, observer: StoreObserver? = nil) throws {
        _ = SQLiteSettings.applied
        self.observer = observer
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // Each write runs in its own savepoint; SQLite keeps a savepoint's undo pages in a temporary
            // file unless told otherwise, which costs a system call per page touched.
            try db.run("PRAGMA temp_store = MEMORY")
            // The writer touches index pages all over the file (UUID keys); a larger cache spares it
            // most re-reads. Readers keep a smaller one each, so memory stays bounded.
            try db.run("PRAGMA cache_size = \(db.configuration.readonly ? -4096 : -32768)")
            if !db.configuration.readonly { try db.run("PRAGMA wal_autocheckpoint = \(Checkpointer.backstopPages)") }
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        // Only now: the pool's WAL set-up has just put the writer at NORMAL.
        try pool.writeWithoutTransaction { db in try durability.apply(to: db) }
        try Migrations.migrator.migrate(pool)
        pool.add(transactionObserver: formLookups, extent: .databaseLifetime)
        writer = GroupCommit(pool: pool, observer: observer)
        checkpointer = try Checkpointer(path: path, durability: durability, interval: .milliseconds(20))
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

/// SQLite's process-wide settings (see `ingest_sqlite_configure`), applied once before the first connection.
enum SQLiteSettings {
    /// False when SQLite was already in use (tests that open a database themselves first): it then keeps its
    /// defaults, which are slower but as safe.
    static let applied = ingest_sqlite_configure() == SQLITE_OK
}

public enum StoreError: Error, Equatable, Sendable {
    case emailTaken(String)
    case notFound
    /// A live form with this xmlFormId exists in the project.
    case formExists(String)
    /// A draft or published version with this version string exists already.
    case versionExists(String)
    /// A connection did not take a setting that durability depends on.
    case settingNotApplied(pragma: String, expected: String, actual: String)
}

/// Hooks for metrics: what the entity rules did (reported once the work survived its savepoints), and
/// each committed transaction's size and duration.
public struct StoreObserver: Sendable {
    public var entityEvents: @Sendable ([EntityEvent]) -> Void
    public var transaction: @Sendable (_ writes: Int, _ seconds: Double) -> Void

    public init(
        entityEvents: @escaping @Sendable ([EntityEvent]) -> Void, transaction: @escaping @Sendable (Int, Double) -> Void
    ) {
        self.entityEvents = entityEvents
        self.transaction = transaction
    }
}
