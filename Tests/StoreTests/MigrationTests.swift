import Foundation
import Testing

@testable import Store

@Suite struct MigrationTests {
    @Test func newDatabaseIsCreatedAndMigrated() throws {
        let temporary = try TemporaryStore()
        #expect(FileManager.default.fileExists(atPath: temporary.path))
        #expect(try temporary.store.appliedMigrations() == ["v1-foundation", "v2-entities", "v3-review", "v4-self-checking"])
    }

    @Test func reopeningKeepsDataAndAppliesNothingTwice() async throws {
        let temporary = try TemporaryStore()
        _ = try await temporary.store.createUser(email: "keep@example.com", passwordHash: "h", displayName: "Keep", isAdmin: false)
        let reopened = try temporary.reopen()
        #expect(try reopened.appliedMigrations() == ["v1-foundation", "v2-entities", "v3-review", "v4-self-checking"])
        #expect(try await reopened.userCredentials(email: "keep@example.com")?.actor.displayName == "Keep")
    }
}
