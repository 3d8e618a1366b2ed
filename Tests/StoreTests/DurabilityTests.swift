import Foundation
import GRDB
import Testing

@testable import Store

/// The level is read back through the connections that write: a reader has a connection of its own and
/// would show its own level, which is how the writer running at NORMAL once went unnoticed.
@Suite struct DurabilityTests {
    @Test func writerAndCheckpointerSyncEveryCommitByDefault() async throws {
        let temporary = try TemporaryStore()
        let writer = try await temporary.store.pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        let batched = try await temporary.store.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        let checkpointer = try await temporary.store.checkpointer.connection.read { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        #expect(writer == 2, "the pool's writer is at FULL")
        #expect(batched == 2, "the group-committing writer uses that connection")
        #expect(checkpointer == 2)
    }

    @Test func reopeningKeepsFull() async throws {
        let temporary = try TemporaryStore()
        let reopened = try temporary.reopen()
        let writer = try await reopened.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        #expect(writer == 2)
    }

    @Test func normalIsTakenWhenAskedFor() async throws {
        let temporary = try TemporaryStore()
        let store = try GatewayStore(path: temporary.path, durability: .normal)
        let writer = try await store.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        let checkpointer = try await store.checkpointer.connection.read { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        #expect(writer == 1)
        #expect(checkpointer == 1)
    }
}
