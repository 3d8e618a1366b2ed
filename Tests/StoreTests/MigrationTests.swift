import Foundation
import GRDB
import Testing

@testable import Store

@Suite struct MigrationTests {
    static let all = [
        "v1-foundation", "v2-entities", "v3-review", "v4-self-checking", "v5-lookups", "v6-leaner-writes",
        "v7-current-version-from-entity", "v8-fewer-random-index-pages", "v9-attachment-slots-and-entity-list-revisions",
        "v10-actee-ids", "v11-version-sources-and-notes", "v12-dataset-activity-and-repeat-paths",
        "v13-access", "v14-data-out",
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

    /// SQLite writes the `zeroblob` that a streamed upload starts from without allocating it only when the
    /// blob ends the record: anywhere else, a 95 MB photo cost ~190 MB of memory on its way in.
    @Test func attachmentBlobIsTheLastColumnSoStreamedUploadsStayOutOfMemory() async throws {
        let temporary = try TemporaryStore()
        let columns = try await temporary.store.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM pragma_table_info('submission_attachments') ORDER BY cid")
        }
        #expect(columns.last == "blob")
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
    /// v9 gives stored submissions the attachment slots their binary fields name, keeping the files they have:
    /// a photo that arrives after the upgrade must find its slot, not be dropped as unreferenced.
    @Test func storedSubmissionsGetTheirAttachmentSlotsAndKeepTheirFiles() async throws {
        let (path, old) = try Self.database(migratedUpTo: "v8-fewer-random-index-pages")
        let form = TemporaryStore.formXML
        let xml = Data(
            #"<data id="simple" version="1"><photo>a.jpg</photo><sketch>b.png</sketch><meta><instanceID>uuid:1</instanceID></meta></data>"#
                .utf8)
        let withSketch = Data(
            String(decoding: form, as: UTF8.self).replacingOccurrences(
                of: #"<bind nodeset="/data/photo" type="binary"/>"#,
                with: #"<bind nodeset="/data/photo" type="binary"/><bind nodeset="/data/sketch" type="binary"/>"#
            ).utf8)
        try await old.write { db in
            let t = "2026-01-01T00:00:00.000Z"
            try db.execute(sql: "INSERT INTO projects (name, created_at) VALUES ('P', ?)", arguments: [t])
            try db.execute(sql: "INSERT INTO forms (project_id, xml_form_id, created_at) VALUES (1, 'simple', ?)", arguments: [t])
            try db.execute(
                sql: "INSERT INTO form_defs (form_id, version, xml, hash, sha, sha256, created_at) VALUES (1, '1', ?, 'h', 's', 's2', ?)",
                arguments: [withSketch, t])
            try db.execute(sql: "INSERT INTO submissions (form_id, instance_id, created_at) VALUES (1, 'uuid:1', ?)", arguments: [t])
            try db.execute(
                sql:
                    "INSERT INTO submission_defs (submission_id, form_def_id, instance_id, xml, current, created_at) VALUES (1, 1, 'uuid:1', ?, 1, ?)",
                arguments: [xml, t])
            try db.execute(
                sql:
                    "INSERT INTO submission_attachments (submission_def_id, name, content_type, blob) VALUES (1, 'a.jpg', 'image/jpeg', ?)",
                arguments: [Data([7, 7])])
        }
        try old.close()
        let store = try GatewayStore(path: path)
        let slots = try await store.submissionAttachments(defId: 1)
        #expect(slots.map(\.name) == ["a.jpg", "b.png"])
        #expect(slots.map(\.exists) == [true, false])
        #expect(try await store.attachmentBytes(slots[0], offset: 0, length: 2) == Data([7, 7]))
    }

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

    /// v8 rebuilds `submissions` without its instanceID constraint and `entity_block_claims` without a rowid.
    @Test func submissionsAndClaimsKeepTheirRowsAndIdsAcrossTheRebuild() async throws {
        let (path, old) = try Self.database(migratedUpTo: "v7-current-version-from-entity")
        try await old.write { db in
            let t = "2026-01-01T00:00:00.000Z"
            try db.execute(sql: "INSERT INTO projects (name, created_at) VALUES ('P', ?)", arguments: [t])
            try db.execute(sql: "INSERT INTO forms (project_id, xml_form_id, created_at) VALUES (1, 'trees', ?)", arguments: [t])
            try db.execute(
                sql: "INSERT INTO form_defs (form_id, version, xml, hash, sha, sha256, created_at) VALUES (1, 'v1', x'00', '', '', '', ?)",
                arguments: [t])
            // Submission 1 was deleted outright by an operator: its id must not be handed out again.
            for (id, instanceId) in [(1, "uuid:gone"), (2, "uuid:kept")] {
                try db.execute(
                    sql: "INSERT INTO submissions (id, form_id, instance_id, review_state, created_at) VALUES (?, 1, ?, 'approved', ?)",
                    arguments: [id, instanceId, t])
            }
            try db.execute(sql: "DELETE FROM submissions WHERE id = 1")
            try db.execute(
                sql: """
                    INSERT INTO submission_defs (submission_id, form_def_id, instance_id, xml, current, created_at)
                    VALUES (2, 1, 'uuid:kept', x'3c782f3e', 1, ?)
                    """, arguments: [t])
            try db.execute(
                sql: "INSERT INTO entity_block_claims (submission_def_id, block_index, claimed_at) VALUES (1, 0, ?)", arguments: [t])
        }
        try old.close()
        let store = try GatewayStore(path: path)
        let kept = try #require(try await store.submission(formId: 1, instanceId: "uuid:kept", withXML: true))
        #expect(kept.id == 2)
        #expect(kept.reviewState == "approved")
        #expect(kept.current.xml == Data("<x/>".utf8))
        try await store.pool.write { db in
            #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM entity_block_claims WHERE submission_def_id = 1") == 1)
            try db.execute(sql: "INSERT INTO submissions (form_id, instance_id, created_at) VALUES (1, 'uuid:new', 't')")
            #expect(db.lastInsertedRowID == 3)
        }
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

extension MigrationTests {
    /// v10 gives every stored project, form, dataset and actor its own random actee UUID, which audits show as
    /// Central's `acteeId` instead of a row id.
    @Test func storedRowsGetDistinctActeeUUIDs() async throws {
        let (path, old) = try Self.database(migratedUpTo: "v9-attachment-slots-and-entity-list-revisions")
        try await old.write { db in
            for name in ["One", "Two"] {
                try db.execute(
                    sql: "INSERT INTO actors (type, display_name, created_at) VALUES ('user', ?, '2025-01-01T00:00:00.000Z')",
                    arguments: [name])
            }
        }
        try old.close()
        let store = try GatewayStore(path: path)
        let ids = try await store.read { db in try String.fetchAll(db, sql: "SELECT actee_id FROM actors ORDER BY id") }
        #expect(ids.count == 2 && Set(ids).count == 2)
        #expect(
            ids.allSatisfy {
                $0.range(of: "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", options: .regularExpression) != nil
            })
    }

    /// v11 links each stored version to the audit of the event that made it: of that action, for that
    /// submission, the latest logged before the version (a later re-approval is not its source).
    @Test func storedVersionsAreLinkedToTheEventThatMadeThem() async throws {
        let (path, old) = try Self.database(migratedUpTo: "v10-actee-ids")
        try await old.write { db in
            let (t0, t1, t2, t3) = (
                "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:01.000Z", "2026-01-01T00:00:02.000Z", "2026-01-01T00:00:03.000Z"
            )
            try db.execute(sql: "INSERT INTO projects (name, created_at) VALUES ('P', ?)", arguments: [t0])
            try db.execute(sql: "INSERT INTO forms (project_id, xml_form_id, created_at) VALUES (1, 'trees', ?)", arguments: [t0])
            try db.execute(sql: "INSERT INTO submissions (form_id, instance_id, created_at) VALUES (1, 'one', ?)", arguments: [t0])
            try db.execute(
                sql: "INSERT INTO datasets (project_id, name, created_at, published_at) VALUES (1, 'trees', ?, ?)", arguments: [t0, t0])
            try db.execute(
                sql: "INSERT INTO entities (dataset_id, uuid, current_version, created_at) VALUES (1, 'u-1', 1, ?)", arguments: [t2])
            for (action, at) in [("submission.create", t0), ("submission.update", t1), ("submission.update", t3)] {
                try db.execute(
                    sql:
                        "INSERT INTO audits (action, actee_type, actee_id, details, logged_at, submission_id) VALUES (?, 'submission', 1, '{}', ?, 1)",
                    arguments: [action, at])
            }
            try db.execute(
                sql: """
                    INSERT INTO entity_versions (entity_id, version, label, data, data_received, applied_as, source_submission_id,
                      source_event, received_at, started_at, created_at)
                    VALUES (1, 1, 'Oak', '{}', '{}', 'create', 1, 'submission.update', ?, ?, ?)
                    """, arguments: [t0, t2, t2])
        }
        try old.close()
        let store = try GatewayStore(path: path)
        let linked = try await store.read { db in try Int64.fetchOne(db, sql: "SELECT source_event_id FROM entity_versions") }
        #expect(linked == 2, "the approval at t1, not the create at t0 or the re-approval at t3")
        #expect(try await store.versionProvenance(entityId: 1)[1]?.event?.audit.action == "submission.update")
    }

    /// v12 gives stored datasets their latest activity (Central's `lastUpdate`) and stored source forms the
    /// repeat their entities sit in, read again from the form's XML.
    @Test func storedDatasetsGetTheirLastActivityAndRepeatPaths() async throws {
        let (path, old) = try Self.database(migratedUpTo: "v11-version-sources-and-notes")
        let form = Data(
            """
            <h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml" \
            xmlns:jr="http://openrosa.org/javarosa" xmlns:entities="http://www.opendatakit.org/xforms/entities">
            <h:head><model entities:entities-version="2025.1.0"><instance><data id="households">
            <members jr:template=""><name/><meta><entity dataset="people" id="" create="1"><label/></entity></meta></members>
            <meta><instanceID/></meta></data></instance></model></h:head><h:body/></h:html>
            """.utf8)
        try await old.write { db in
            let (t0, t1, t2) = ("2026-01-01T00:00:00.000Z", "2026-01-01T00:00:01.000Z", "2026-01-01T00:00:02.000Z")
            try db.execute(sql: "INSERT INTO projects (name, created_at) VALUES ('P', ?)", arguments: [t0])
            try db.execute(
                sql: "INSERT INTO forms (project_id, xml_form_id, current_def_id, created_at) VALUES (1, 'households', 1, ?)",
                arguments: [t0])
            try db.execute(
                sql: "INSERT INTO form_defs (form_id, version, xml, hash, sha, sha256, created_at) VALUES (1, '', ?, 'h', 's', 's2', ?)",
                arguments: [form, t0])
            try db.execute(
                sql: "INSERT INTO datasets (project_id, name, created_at, published_at) VALUES (1, 'people', ?, ?)", arguments: [t0, t0])
            try db.execute(sql: "INSERT INTO dataset_form_defs (dataset_id, form_def_id, kind, actions) VALUES (1, 1, 'source', 'create')")
            try db.execute(
                sql: "INSERT INTO entities (dataset_id, uuid, current_version, created_at) VALUES (1, 'u-1', 1, ?)", arguments: [t1])
            try db.execute(
                sql:
                    "INSERT INTO audits (action, actee_type, actee_id, details, logged_at) VALUES ('dataset.create', 'dataset', 1, '{}', ?)",
                arguments: [t0])
            try db.execute(
                sql:
                    "INSERT INTO audits (action, actee_type, actee_id, details, logged_at, entity_id) VALUES ('entity.update.version', 'entity', 1, '{}', ?, 1)",
                arguments: [t2])
        }
        try old.close()
        let store = try GatewayStore(path: path)
        let detail = try #require(try await store.dataset(projectId: 1, name: "people"))
        #expect(detail.lastActivityAt == "2026-01-01T00:00:02.000Z", "the entity's audit is the dataset's latest activity")
        #expect(detail.sourceForms.map(\.repeatPath) == ["/members/"])
    }

    /// v13 keeps only a digest of each session token: a copied database lets nobody in, and the people
    /// logged in before the upgrade stay logged in.
    @Test func storedSessionsAreHashedAndStillWork() async throws {
        let (path, old) = try Self.database(migratedUpTo: "v12-dataset-activity-and-repeat-paths")
        let token = String(repeating: "t", count: 64)
        try await old.write { db in
            try db.execute(sql: "INSERT INTO actors (type, display_name, created_at) VALUES ('user', 'Old', '2025-01-01T00:00:00.000Z')")
            try db.execute(sql: "INSERT INTO users (actor_id, email, password_hash) VALUES (1, 'old@example.com', 'h')")
            try db.execute(
                sql:
                    "INSERT INTO sessions (token, actor_id, created_at, expires_at) VALUES (?, 1, '2025-01-01T00:00:00.000Z', '2999-01-01T00:00:00.000Z')",
                arguments: [token])
        }
        try old.close()
        let store = try GatewayStore(path: path)
        let stored = try await store.read { db in try String.fetchAll(db, sql: "SELECT token_sha256 FROM sessions") }
        #expect(stored.count == 1 && stored.first != token, "the token itself is gone from the file")
        #expect(try await store.actor(forSessionToken: token)?.0.displayName == "Old")
    }

    /// Before v13 an app user reached every form of its project; the upgrade gives it those forms, so the
    /// phones in the field keep working.
    @Test func existingAppUsersKeepTheirProjectsForms() async throws {
        let (path, old) = try Self.database(migratedUpTo: "v12-dataset-activity-and-repeat-paths")
        try await old.write { db in
            let t = "2025-01-01T00:00:00.000Z"
            try db.execute(sql: "INSERT INTO projects (name, created_at) VALUES ('P', ?), ('Q', ?)", arguments: [t, t])
            try db.execute(sql: "INSERT INTO actors (type, display_name, created_at) VALUES ('field_key', 'Phone', ?)", arguments: [t])
            try db.execute(sql: "INSERT INTO app_users (actor_id, project_id, token) VALUES (1, 1, 'k')")
            try db.execute(
                sql: """
                    INSERT INTO forms (project_id, xml_form_id, created_at, deleted_at) VALUES
                    (1, 'a', ?, NULL), (1, 'b', ?, NULL), (1, 'gone', ?, ?), (2, 'elsewhere', ?, NULL)
                    """, arguments: [t, t, t, t, t])
        }
        try old.close()
        let store = try GatewayStore(path: path)
        let given = try await store.read { db in
            try String.fetchAll(
                db,
                sql: "SELECT f.xml_form_id FROM form_assignments x JOIN forms f ON f.id = x.form_id WHERE x.role = 'app-user' ORDER BY 1")
        }
        #expect(given == ["a", "b"])
    }
}
