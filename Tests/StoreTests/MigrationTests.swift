import Foundation
import GRDB
import Testing

@testable import Store

@Suite struct MigrationTests {
    static let all = [
        "v1-foundation", "v2-entities", "v3-review", "v4-self-checking", "v5-lookups", "v6-leaner-writes",
        "v7-current-version-from-entity",
    ]

    @Test func newDatabaseIsCreatedAndMigrated() throws {
        let temporary = try TemporaryStore()
        #expect(FileManager.default.fileExists(atPath: temporary.path))
        #expect(try temporary.store.appliedMigrations() == Self.all)
    }

    @Test func reopeningKeepsDataAndAppliesNothingTwice() async throws {
        let temporary = try TemporaryStore()
        _ = try await temporary.store.createUser(email: "keep@example.com", passwordHash: "h", displayName: "Keep", isAdmin: false)
        let reopened = try temporary.reopen()
        #expect(try reopened.appliedMigrations() == Self.all)
        #expect(try await reopened.userCredentials(email: "keep@example.com")?.actor.displayName == "Keep")
    }

    @Test func databaseFromTheFirstReleaseIsMigratedForwardWithItsData() async throws {
        let (path, old) = try Self.database(migratedUpTo: "v1-foundation")
        try await old.write { db in
            try db.execute(sql: "INSERT INTO actors (type, display_name, created_at) VALUES ('user', 'Old', '2025-01-01T00:00:00.000Z')")
            try db.execute(sql: "INSERT INTO users (actor_id, email, password_hash) VALUES (1, 'old@example.com', 'h')")
            try db.execute(
                sql:
                    "INSERT INTO audits (actor_id, action, actee_type, actee_id, details, logged_at) VALUES (1, 'submission.create', 'submission', 7, '{}', '2025-01-01T00:00:00.000Z')"
            )
        }
        try old.close()
        let store = try GatewayStore(path: path)
        #expect(try store.appliedMigrations() == Self.all)
        #expect(try await store.userCredentials(email: "old@example.com")?.actor.displayName == "Old")
        #expect(try await store.audits(submissionId: 7).map(\.action) == ["submission.create"], "old audits gain their submission link")
    }
}

extension MigrationTests {
    /// A database file in a fresh folder, with the schema as an earlier release left it.
    static func database(migratedUpTo migration: String) throws -> (path: String, queue: DatabaseQueue) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("old-schema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("gateway.sqlite").path
        let queue = try DatabaseQueue(path: path)
        try Migrations.migrator.migrate(queue, upTo: migration)
        return (path, queue)
    }

    /// v7 drops the versions' own `current` flag: which version is current now comes from the entity.
    @Test func versionsKeepTheirHistoryAndCurrentOneAcrossTheCurrentFlagsRemoval() async throws {
        let (path, old) = try Self.database(migratedUpTo: "v6-leaner-writes")
        try await old.write { db in
            let t = "2026-01-01T00:00:00.000Z"
            try db.execute(sql: "INSERT INTO projects (name, created_at) VALUES ('P', ?)", arguments: [t])
            try db.execute(
                sql: "INSERT INTO datasets (project_id, name, created_at, published_at) VALUES (1, 'trees', ?, ?)", arguments: [t, t])
            try db.execute(
                sql: "INSERT INTO entities (dataset_id, uuid, current_version, created_at) VALUES (1, 'u-1', 2, ?)", arguments: [t])
            for (version, label, current) in [(1, "Oak", 0), (2, "Oak tree", 1)] {
                try db.execute(
                    sql: """
                        INSERT INTO entity_versions (entity_id, version, label, data, data_received, applied_as, current,
                          received_at, started_at, created_at)
                        VALUES (1, ?, ?, '{}', '{}', 'update', ?, ?, ?, ?)
                        """, arguments: [version, label, current, t, t, t])
            }
        }
        try old.close()
        let store = try GatewayStore(path: path)
        let versions = try await store.entityVersions(entityId: 1)
        #expect(versions.map(\.stored.label) == ["Oak", "Oak tree"])
        #expect(versions.map(\.current) == [false, true])
        #expect(try await store.entity(datasetId: 1, uuid: "u-1")?.current.stored.label == "Oak tree")
    }
}

@Suite struct TimestampTests {
    @Test func timesAreISO8601WithMillisecondsInUTCAndRoundTrip() {
        let date = Date(timeIntervalSince1970: 1_795_000_000.123)
        #expect(Timestamp.string(date) == "2026-11-18T11:06:40.123Z")
        #expect(Timestamp.date(Timestamp.string(date)).map { abs($0.timeIntervalSince(date)) < 0.001 } == true)
        #expect(Timestamp.string(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
    }
}
