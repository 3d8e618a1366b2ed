import Foundation
import GRDB
import Testing

@testable import Store

@Suite struct CheckpointerTests {
    /// The writer's own automatic checkpoint is far above this size, so only the background thread can
    /// have copied the log into the database file.
    @Test func logIsCopiedIntoTheDatabaseFileWithoutTheWriterDoingIt() async throws {
        let temporary = try TemporaryStore()
        let sizeBefore = try fileSize(temporary.path)
        try await temporary.store.write { db in
            try db.execute(sql: "CREATE TABLE filler (text TEXT)")
            for _ in 0..<500 { try db.execute(sql: "INSERT INTO filler VALUES (?)", arguments: [String(repeating: "x", count: 2000)]) }
        }
        var grown = false
        for _ in 0..<50 where !grown {
            try await Task.sleep(for: .milliseconds(100))
            grown = try fileSize(temporary.path) > sizeBefore + 500_000
        }
        #expect(grown, "the database file took in the logged pages")
        let count = try await temporary.store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM filler") }
        #expect(count == 500)
    }

    private func fileSize(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    }
}
