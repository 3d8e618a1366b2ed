import Foundation
import Synchronization
import GRDB
import Testing

@testable import Store

@Suite struct GroupCommitTests {
    @Test func concurrentWritesShareTransactionsAndAFailureUndoesOnlyItself() async throws {
        let temporary = try TemporaryStore()
        try await temporary.store.pool.write { db in try db.execute(sql: "CREATE TABLE marks (n INTEGER PRIMARY KEY)") }
        let batches = Mutex<[Int]>([])
        let writer = GroupCommit(
            pool: temporary.store.pool,
            observer: StoreObserver(entityEvents: { _ in }, transaction: { writes, _ in batches.withLock { $0.append(writes) } }))
        struct Refused: Error {}
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for n in 0..<200 {
                group.addTask {
                    do {
                        try await writer.write { db in
                            try db.execute(sql: "INSERT INTO marks (n) VALUES (?)", arguments: [n])
                            if n % 50 == 7 { throw Refused() }
                        }
                        return true
                    } catch {
                        return false
                    }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { !$0 }.count == 4)
        let stored = try await temporary.store.pool.read { db in try Int.fetchAll(db, sql: "SELECT n FROM marks ORDER BY n") }
        #expect(stored == (0..<200).filter { $0 % 50 != 7 })
        let sizes = batches.withLock { $0 }
        #expect(sizes.reduce(0, +) == 200, "every write went through a transaction")
        #expect(sizes.contains { $0 > 1 }, "writes arriving together shared a transaction: \(sizes)")
    }

    /// A write that ends the transaction itself (as SQLite does on a full disk) fails, and the writer goes on.
    @Test func writeThatEndsTheTransactionFailsAndLaterWritesStillCommit() async throws {
        let temporary = try TemporaryStore()
        try await temporary.store.pool.write { db in try db.execute(sql: "CREATE TABLE marks (n INTEGER PRIMARY KEY)") }
        let writer = GroupCommit(pool: temporary.store.pool)
        await #expect(throws: SavepointError.transactionEnded) {
            try await writer.write { db in
                try db.execute(sql: "INSERT INTO marks (n) VALUES (1)")
                try db.execute(sql: "ROLLBACK")
            }
        }
        try await writer.write { db in try db.execute(sql: "INSERT INTO marks (n) VALUES (2)") }
        let stored = try await temporary.store.pool.read { db in try Int.fetchAll(db, sql: "SELECT n FROM marks ORDER BY n") }
        #expect(stored == [2])
    }

    /// Whatever batch a transaction-ending write lands in, a caller told "failed" has nothing stored and
    /// a caller told "done" has its row stored once.
    @Test func answersMatchWhatWasStoredWhenWritesEndTheirTransaction() async throws {
        let temporary = try TemporaryStore()
        try await temporary.store.pool.write { db in try db.execute(sql: "CREATE TABLE marks (n INTEGER PRIMARY KEY)") }
        let writer = GroupCommit(pool: temporary.store.pool)
        let succeeded = await withTaskGroup(of: Int?.self) { group in
            for n in 0..<200 {
                group.addTask {
                    do {
                        try await writer.write { db in
                            // The direct statement path, as the hot path writes: GRDB's own would refuse
                            // to run after the rollback, this one would not.
                            try db.run("INSERT INTO marks (n) VALUES (?)", Int64(n))
                            if n % 40 == 3 { try db.run("ROLLBACK") }
                        }
                        return n
                    } catch {
                        return nil
                    }
                }
            }
            return await group.reduce(into: [Int]()) { if let n = $1 { $0.append(n) } }
        }
        let stored = try await temporary.store.pool.read { db in try Int.fetchAll(db, sql: "SELECT n FROM marks ORDER BY n") }
        #expect(stored == succeeded.sorted())
        #expect(!stored.contains { $0 % 40 == 3 })
    }
}
