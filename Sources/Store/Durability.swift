import GRDB

/// How far a commit must have reached the disk before its callers are answered: SQLite's
/// `PRAGMA synchronous` on every connection that writes (the writer and the checkpointer).
public enum Durability: String, Sendable {
    /// Each commit's write-ahead log frames are synced before the commit returns: an acknowledged
    /// submission survives a power cut. The default.
    case full
    /// Commits are not synced; the log is synced only when it is checkpointed (every 20 ms under load, at
    /// most 250 ms apart when idle).
    /// A power cut or kernel crash loses what was acknowledged since; a killed process loses nothing.
    /// The database file is never corrupted.
    case normal

    /// The value `PRAGMA synchronous` reads back as.
    var pragmaValue: Int {
        switch self {
        case .full: 2
        case .normal: 1
        }
    }

    /// Sets the level on a connection and reads it back from the same connection.
    ///
    /// GRDB's `DatabasePool` switches the writer to `synchronous = NORMAL` while it sets up WAL mode, after
    /// `prepareDatabase` has run, so the writer's level is set here once the pool exists; reading the pragma
    /// through a reader would show the reader's own connection, not the writer's.
    func apply(to db: Database) throws {
        try db.execute(sql: "PRAGMA synchronous = \(pragmaValue)")
        try Self.require(db, "synchronous", is: pragmaValue)
        try Self.require(db, "journal_mode", is: "wal")
    }

    private static func require<Value: DatabaseValueConvertible & StatementColumnConvertible & Equatable>(
        _ db: Database, _ pragma: String, is expected: Value
    ) throws {
        let actual = try Value.fetchOne(db, sql: "PRAGMA \(pragma)")
        guard actual == expected else {
            throw StoreError.settingNotApplied(pragma: pragma, expected: "\(expected)", actual: actual.map { "\($0)" } ?? "nothing")
        }
    }
}
