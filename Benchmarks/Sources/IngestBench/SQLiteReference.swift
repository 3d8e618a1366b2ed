import Foundation
import GRDB

/// The physical reference: plain single-row write transactions on the same disk, with the server's
/// journal (WAL) and synchronous settings. Our rate is reported as a share of this one.
enum SQLiteReference {
    static func transactionsPerSecond(in directory: URL, synchronous: String, seconds: Double = 3) throws -> Double {
        let path = directory.appendingPathComponent("reference-\(UUID().uuidString).sqlite").path
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        let pool = try DatabasePool(path: path)
        // After the pool exists: its WAL set-up puts the writer at NORMAL whatever prepareDatabase said.
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
            let level = try Int.fetchOne(db, sql: "PRAGMA synchronous")
            guard level == (synchronous == "full" ? 2 : 1) else { throw ReferenceError.synchronousNotApplied(level ?? -1) }
        }
        try pool.write { db in try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)") }
        let start = ContinuousClock.now
        var count = 0
        while (ContinuousClock.now - start).seconds < seconds {
            try pool.write { db in try db.execute(sql: "INSERT INTO t (v) VALUES (?)", arguments: ["reference"]) }
            count += 1
        }
        return Double(count) / (ContinuousClock.now - start).seconds
    }
}

enum ReferenceError: Error {
    case synchronousNotApplied(Int)
}
