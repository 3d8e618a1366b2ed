import Foundation
import XMLParse
import GRDB

/// The schema, as an ordered list of migrations: a database from any earlier release is moved forward.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-foundation", migrate: foundation)
        migrator.registerMigration("v2-entities", migrate: entities)
        migrator.registerMigration("v3-review", migrate: review)
        migrator.registerMigration("v4-self-checking", migrate: selfChecking)
        migrator.registerMigration("v5-lookups", migrate: lookups)
        migrator.registerMigration("v6-leaner-writes", migrate: leanerWrites)
        migrator.registerMigration("v7-current-version-from-entity", migrate: currentVersionFromEntity)
        migrator.registerMigration("v8-fewer-random-index-pages", migrate: fewerRandomIndexPages)
        migrator.registerMigration("v9-attachment-slots-and-entity-list-revisions", migrate: attachmentSlotsAndEntityListRevisions)
        migrator.registerMigration("v10-actee-ids", migrate: acteeIds)
        migrator.registerMigration("v11-version-sources-and-notes", migrate: versionSourcesAndNotes)
        migrator.registerMigration("v12-dataset-activity-and-repeat-paths", migrate: datasetActivityAndRepeatPaths)
        migrator.registerMigration("v13-access", migrate: access)
        migrator.registerMigration("v14-data-out", migrate: dataOut)
        return migrator
    }

    /// Actors, auth, projects, forms, datasets, submissions and the audit log.
    private static func foundation(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE actors (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    type TEXT NOT NULL CHECK (type IN ('user', 'field_key')),
                    display_name TEXT NOT NULL,
                    created_at TEXT NOT NULL,
                    updated_at TEXT,
                    deleted_at TEXT
                );
                CREATE TABLE users (
                    actor_id INTEGER PRIMARY KEY REFERENCES actors(id),
                    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
                    password_hash TEXT NOT NULL,
                    is_admin INTEGER NOT NULL DEFAULT 0
                );
                CREATE TABLE sessions (
                    token TEXT PRIMARY KEY,
                    actor_id INTEGER NOT NULL REFERENCES actors(id),
                    created_at TEXT NOT NULL,
                    expires_at TEXT NOT NULL
                );
                CREATE INDEX sessions_actor ON sessions(actor_id);
                CREATE TABLE projects (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    name TEXT NOT NULL,
                    description TEXT,
                    archived INTEGER NOT NULL DEFAULT 0,
                    created_at TEXT NOT NULL,
                    updated_at TEXT,
                    deleted_at TEXT
                );
                CREATE TABLE app_users (
                    actor_id INTEGER PRIMARY KEY REFERENCES actors(id),
                    project_id INTEGER NOT NULL REFERENCES projects(id),
                    token TEXT UNIQUE,
                    created_by INTEGER REFERENCES actors(id)
                );
                CREATE TABLE assignments (
                    actor_id INTEGER NOT NULL REFERENCES actors(id),
                    project_id INTEGER NOT NULL REFERENCES projects(id),
                    role TEXT NOT NULL,
                    PRIMARY KEY (actor_id, project_id, role)
                );
                CREATE TABLE forms (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    project_id INTEGER NOT NULL REFERENCES projects(id),
                    xml_form_id TEXT NOT NULL,
                    state TEXT NOT NULL DEFAULT 'open',
                    current_def_id INTEGER,
                    draft_def_id INTEGER,
                    created_by INTEGER REFERENCES actors(id),
                    created_at TEXT NOT NULL,
                    updated_at TEXT,
                    deleted_at TEXT
                );
                CREATE UNIQUE INDEX forms_live_xml_form_id ON forms(project_id, xml_form_id) WHERE deleted_at IS NULL;
                CREATE TABLE form_defs (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    form_id INTEGER NOT NULL REFERENCES forms(id),
                    version TEXT NOT NULL,
                    name TEXT,
                    xml BLOB NOT NULL,
                    hash TEXT NOT NULL,
                    sha TEXT NOT NULL,
                    sha256 TEXT NOT NULL,
                    entity_spec TEXT,
                    draft_token TEXT,
                    created_at TEXT NOT NULL,
                    published_at TEXT
                );
                CREATE INDEX form_defs_form ON form_defs(form_id);
                CREATE TABLE form_attachments (
                    form_def_id INTEGER NOT NULL REFERENCES form_defs(id),
                    name TEXT NOT NULL,
                    type TEXT NOT NULL,
                    content_type TEXT,
                    blob BLOB,
                    dataset_id INTEGER REFERENCES datasets(id),
                    updated_at TEXT,
                    PRIMARY KEY (form_def_id, name)
                );
                CREATE TABLE datasets (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    project_id INTEGER NOT NULL REFERENCES projects(id),
                    name TEXT NOT NULL,
                    approval_required INTEGER NOT NULL DEFAULT 0,
                    created_at TEXT NOT NULL,
                    published_at TEXT,
                    UNIQUE (project_id, name)
                );
                CREATE TABLE dataset_properties (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    dataset_id INTEGER NOT NULL REFERENCES datasets(id),
                    name TEXT NOT NULL,
                    published_at TEXT,
                    UNIQUE (dataset_id, name)
                );
                CREATE TABLE dataset_form_defs (
                    dataset_id INTEGER NOT NULL REFERENCES datasets(id),
                    form_def_id INTEGER NOT NULL REFERENCES form_defs(id),
                    kind TEXT NOT NULL CHECK (kind IN ('source', 'linked')),
                    actions TEXT,
                    PRIMARY KEY (dataset_id, form_def_id, kind)
                );
                CREATE TABLE dataset_property_fields (
                    property_id INTEGER NOT NULL REFERENCES dataset_properties(id),
                    form_def_id INTEGER NOT NULL REFERENCES form_defs(id),
                    path TEXT NOT NULL,
                    PRIMARY KEY (property_id, form_def_id, path)
                );
                CREATE TABLE submissions (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    form_id INTEGER NOT NULL REFERENCES forms(id),
                    instance_id TEXT NOT NULL,
                    submitter_id INTEGER REFERENCES actors(id),
                    device_id TEXT,
                    user_agent TEXT,
                    review_state TEXT,
                    draft INTEGER NOT NULL DEFAULT 0,
                    created_at TEXT NOT NULL,
                    updated_at TEXT,
                    deleted_at TEXT,
                    UNIQUE (form_id, instance_id, draft)
                );
                CREATE TABLE submission_defs (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    submission_id INTEGER NOT NULL REFERENCES submissions(id),
                    form_def_id INTEGER NOT NULL REFERENCES form_defs(id),
                    instance_id TEXT NOT NULL,
                    instance_name TEXT,
                    deprecated_id TEXT,
                    xml BLOB NOT NULL,
                    submitter_id INTEGER REFERENCES actors(id),
                    device_id TEXT,
                    user_agent TEXT,
                    current INTEGER NOT NULL,
                    created_at TEXT NOT NULL
                );
                CREATE INDEX submission_defs_submission ON submission_defs(submission_id);
                CREATE UNIQUE INDEX submission_defs_instance ON submission_defs(submission_id, instance_id);
                CREATE TABLE submission_attachments (
                    submission_def_id INTEGER NOT NULL REFERENCES submission_defs(id),
                    name TEXT NOT NULL,
                    content_type TEXT,
                    blob BLOB,
                    PRIMARY KEY (submission_def_id, name)
                );
                CREATE TABLE audits (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    actor_id INTEGER REFERENCES actors(id),
                    action TEXT NOT NULL,
                    actee_type TEXT,
                    actee_id INTEGER,
                    details TEXT,
                    logged_at TEXT NOT NULL
                );
                CREATE INDEX audits_action ON audits(action, id);
                CREATE INDEX audits_actee ON audits(actee_type, actee_id, id);
                """)
    }

    /// Entities, their versions, the out-of-order backlog and the exactly-once ledger of entity blocks.
    private static func entities(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE entities (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    dataset_id INTEGER NOT NULL REFERENCES datasets(id),
                    uuid TEXT NOT NULL,
                    current_version INTEGER NOT NULL,
                    conflict TEXT CHECK (conflict IN ('soft', 'hard')),
                    creator_id INTEGER REFERENCES actors(id),
                    created_at TEXT NOT NULL,
                    updated_at TEXT,
                    deleted_at TEXT,
                    UNIQUE (dataset_id, uuid)
                );
                CREATE INDEX entities_dataset_created ON entities(dataset_id, created_at);
                CREATE TABLE entity_versions (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    entity_id INTEGER NOT NULL REFERENCES entities(id),
                    version INTEGER NOT NULL,
                    base_version INTEGER,
                    branch_id TEXT,
                    trunk_version INTEGER,
                    branch_base_version INTEGER,
                    label TEXT NOT NULL,
                    data TEXT NOT NULL,
                    data_received TEXT NOT NULL,
                    conflict TEXT CHECK (conflict IN ('soft', 'hard')),
                    conflicting_properties TEXT,
                    applied_as TEXT NOT NULL,
                    forced INTEGER NOT NULL DEFAULT 0,
                    current INTEGER NOT NULL,
                    creator_id INTEGER REFERENCES actors(id),
                    user_agent TEXT,
                    source_submission_id INTEGER REFERENCES submissions(id),
                    source_submission_def_id INTEGER REFERENCES submission_defs(id),
                    source_instance_id TEXT,
                    source_block_index INTEGER,
                    source_event TEXT,
                    received_at TEXT NOT NULL,
                    started_at TEXT NOT NULL,
                    created_at TEXT NOT NULL,
                    UNIQUE (entity_id, version)
                );
                CREATE INDEX entity_versions_branch ON entity_versions(entity_id, branch_id, branch_base_version);
                CREATE INDEX entity_versions_source ON entity_versions(source_submission_id);
                CREATE TABLE entity_backlog (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    dataset_id INTEGER NOT NULL REFERENCES datasets(id),
                    entity_uuid TEXT NOT NULL,
                    branch_id TEXT,
                    branch_base_version INTEGER NOT NULL,
                    submission_id INTEGER REFERENCES submissions(id),
                    submission_def_id INTEGER REFERENCES submission_defs(id),
                    block_index INTEGER,
                    change TEXT NOT NULL,
                    origin TEXT NOT NULL,
                    held_at TEXT NOT NULL
                );
                CREATE INDEX entity_backlog_next ON entity_backlog(dataset_id, entity_uuid, branch_base_version);
                CREATE INDEX entity_backlog_held ON entity_backlog(held_at);
                ALTER TABLE audits ADD COLUMN submission_id INTEGER;
                ALTER TABLE audits ADD COLUMN entity_id INTEGER;
                CREATE INDEX audits_submission ON audits(submission_id, id) WHERE submission_id IS NOT NULL;
                CREATE INDEX audits_entity ON audits(entity_id, id) WHERE entity_id IS NOT NULL;
                UPDATE audits SET submission_id = actee_id WHERE actee_type = 'submission';
                CREATE TABLE entity_block_claims (
                    submission_def_id INTEGER NOT NULL REFERENCES submission_defs(id),
                    block_index INTEGER NOT NULL,
                    claimed_at TEXT NOT NULL,
                    PRIMARY KEY (submission_def_id, block_index)
                );
                """)
    }

    /// Conflict resolution and submissions waiting for approval before their entity work.
    private static func review(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE entities ADD COLUMN resolved_through INTEGER;
                CREATE TABLE entity_pending (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    dataset_id INTEGER NOT NULL REFERENCES datasets(id),
                    submission_id INTEGER NOT NULL REFERENCES submissions(id),
                    submission_def_id INTEGER NOT NULL REFERENCES submission_defs(id),
                    block_index INTEGER NOT NULL,
                    change TEXT NOT NULL,
                    origin TEXT NOT NULL,
                    received_at TEXT NOT NULL,
                    UNIQUE (submission_def_id, block_index)
                );
                CREATE INDEX entity_pending_dataset ON entity_pending(dataset_id, received_at);
                CREATE INDEX entity_pending_submission ON entity_pending(submission_id);
                """)
    }

    /// The input log that replay runs again, and the record of consistency passes.
    private static func selfChecking(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE entity_inputs (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    dataset_id INTEGER NOT NULL REFERENCES datasets(id),
                    entity_uuid TEXT NOT NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('change', 'force', 'delete', 'resolve')),
                    input TEXT NOT NULL,
                    logged_at TEXT NOT NULL
                );
                CREATE INDEX entity_inputs_entity ON entity_inputs(dataset_id, entity_uuid, id);
                CREATE INDEX audits_action_time ON audits(action, logged_at);
                CREATE TABLE consistency_passes (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    started_at TEXT NOT NULL,
                    finished_at TEXT,
                    project_id INTEGER,
                    checked INTEGER NOT NULL DEFAULT 0,
                    invalid INTEGER NOT NULL DEFAULT 0,
                    by_kind TEXT
                );
                """)
    }

    /// Indexes for the lookups every submission makes (found by profiling the benchmark).
    private static func lookups(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE INDEX submission_defs_instance_id ON submission_defs(instance_id);
                CREATE INDEX entity_versions_current ON entity_versions(entity_id) WHERE current = 1;
                """)
    }

    /// Indexes no query uses, or that another index covers, dropped: each costs every write a B-tree insert.
    /// `audits_action_time` serves the action lookups; `submission_defs_instance` starts with submission_id.
    private static func leanerWrites(_ db: Database) throws {
        try db.execute(
            sql: """
                DROP INDEX audits_action;
                DROP INDEX audits_actee;
                DROP INDEX submission_defs_submission;
                """)
    }

    /// A version is current when the entity's `current_version` names it. Keeping a flag on the version
    /// rows as well cost each update a second row write and an index change on a random page.
    private static func currentVersionFromEntity(_ db: Database) throws {
        try db.execute(
            sql: """
                DROP INDEX entity_versions_current;
                ALTER TABLE entity_versions DROP COLUMN current;
                """)
    }

    /// Every index keyed by a UUID or by entity costs each commit a write on a random page, and at a steady
    /// arrival rate those pages are what the checkpointer cannot copy back in time (the benchmark's p99 at
    /// 2,500/s: ~21 ms with the two dropped here, ~15 ms without).
    /// - `entity_versions_branch`: a branch's base is found among the entity's versions since its trunk.
    /// - submissions' UNIQUE (form_id, instance_id, draft): instanceIDs are looked up through
    ///   `submission_defs_instance_id`, and the single writer's duplicate check keeps them unique per form.
    ///   Listing a form's submissions uses `submissions_form`, which grows at its end.
    /// `entity_block_claims` loses its rowid: its key is all it is read by.
    private static func fewerRandomIndexPages(_ db: Database) throws {
        try db.execute(
            sql: """
                DROP INDEX entity_versions_branch;
                CREATE TABLE submissions_rebuilt (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    form_id INTEGER NOT NULL REFERENCES forms(id),
                    instance_id TEXT NOT NULL,
                    submitter_id INTEGER REFERENCES actors(id),
                    device_id TEXT,
                    user_agent TEXT,
                    review_state TEXT,
                    draft INTEGER NOT NULL DEFAULT 0,
                    created_at TEXT NOT NULL,
                    updated_at TEXT,
                    deleted_at TEXT
                );
                INSERT INTO submissions_rebuilt (id, form_id, instance_id, submitter_id, device_id, user_agent, review_state,
                  draft, created_at, updated_at, deleted_at)
                SELECT id, form_id, instance_id, submitter_id, device_id, user_agent, review_state, draft, created_at,
                  updated_at, deleted_at
                FROM submissions;
                DROP TABLE submissions;
                ALTER TABLE submissions_rebuilt RENAME TO submissions;
                CREATE INDEX submissions_form ON submissions(form_id, id);
                CREATE TABLE entity_block_claims_rebuilt (
                    submission_def_id INTEGER NOT NULL REFERENCES submission_defs(id),
                    block_index INTEGER NOT NULL,
                    claimed_at TEXT NOT NULL,
                    PRIMARY KEY (submission_def_id, block_index)
                ) WITHOUT ROWID;
                INSERT INTO entity_block_claims_rebuilt SELECT submission_def_id, block_index, claimed_at FROM entity_block_claims;
                DROP TABLE entity_block_claims;
                ALTER TABLE entity_block_claims_rebuilt RENAME TO entity_block_claims;
                """)
    }

    /// Which files a submission may carry (the form's binary fields), each file's hash for the audit
    /// (`submission_attachments` is rebuilt so that `blob` stays its last column: SQLite writes a `zeroblob`
    /// for the incremental blob API without allocating it only when it ends the record), and
    /// a counter per dataset that every change to its entity list moves, so that a manifest can name the
    /// list's state without rendering it. Triggers keep the counter in every write transaction, whichever
    /// path writes: a version added or removed, an entity deleted or restored, a property added or published.
    private static func attachmentSlotsAndEntityListRevisions(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE form_defs ADD COLUMN binary_fields TEXT;
                CREATE TABLE submission_attachments_rebuilt (
                    submission_def_id INTEGER NOT NULL REFERENCES submission_defs(id),
                    name TEXT NOT NULL,
                    content_type TEXT,
                    blob_sha256 TEXT,
                    blob BLOB,
                    PRIMARY KEY (submission_def_id, name)
                );
                INSERT INTO submission_attachments_rebuilt (submission_def_id, name, content_type, blob)
                  SELECT submission_def_id, name, content_type, blob FROM submission_attachments;
                DROP TABLE submission_attachments;
                ALTER TABLE submission_attachments_rebuilt RENAME TO submission_attachments;
                ALTER TABLE datasets ADD COLUMN entity_list_revision INTEGER NOT NULL DEFAULT 0;
                CREATE TRIGGER entity_list_version_added AFTER INSERT ON entity_versions BEGIN
                    UPDATE datasets SET entity_list_revision = entity_list_revision + 1
                    WHERE id = (SELECT dataset_id FROM entities WHERE id = NEW.entity_id);
                END;
                CREATE TRIGGER entity_list_version_removed AFTER DELETE ON entity_versions BEGIN
                    UPDATE datasets SET entity_list_revision = entity_list_revision + 1
                    WHERE id = (SELECT dataset_id FROM entities WHERE id = OLD.entity_id);
                END;
                CREATE TRIGGER entity_list_entity_deleted AFTER UPDATE OF deleted_at ON entities BEGIN
                    UPDATE datasets SET entity_list_revision = entity_list_revision + 1 WHERE id = NEW.dataset_id;
                END;
                CREATE TRIGGER entity_list_property_added AFTER INSERT ON dataset_properties BEGIN
                    UPDATE datasets SET entity_list_revision = entity_list_revision + 1 WHERE id = NEW.dataset_id;
                END;
                CREATE TRIGGER entity_list_property_published AFTER UPDATE OF published_at ON dataset_properties BEGIN
                    UPDATE datasets SET entity_list_revision = entity_list_revision + 1 WHERE id = NEW.dataset_id;
                END;
                """)
        let defs = try Row.fetchAll(db, sql: "SELECT id, xml FROM form_defs")
        for def in defs {
            guard let definition = try? XFormParser.parse(def["xml"] as Data), !definition.binaryFields.isEmpty else { continue }
            let formDefId: Int64 = def["id"]
            try db.execute(
                sql: "UPDATE form_defs SET binary_fields = ? WHERE id = ?",
                arguments: [FormDefs.encodeBinaryFields(definition.binaryFields), formDefId])
            // Stored submissions get their empty slots too: a file that arrives after the upgrade must find one.
            let submissions = try Row.fetchCursor(
                db, sql: "SELECT id, xml FROM submission_defs WHERE form_def_id = ?", arguments: [formDefId])
            while let submission = try submissions.next() {
                guard
                    let parsed = try? SubmissionParser.parse(
                        submission["xml"] as Data, declarations: [], binaryFields: definition.binaryFields)
                else { continue }
                for name in parsed.attachmentNames where AttachmentRule.isAcceptableName(name) {
                    try db.execute(
                        sql: "INSERT OR IGNORE INTO submission_attachments (submission_def_id, name) VALUES (?, ?)",
                        arguments: [submission["id"] as Int64, name])
                }
            }
        }
    }

    /// Central names the target of an audit by an actee UUID (`acteeId`): projects, forms, datasets and
    /// actors each get one, random as Central's, so audits never show a row id.
    private static func acteeIds(_ db: Database) throws {
        let randomUUID = """
            lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-'
              || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))
            """
        for table in ["projects", "forms", "datasets", "actors"] {
            try db.execute(sql: "ALTER TABLE \(table) ADD COLUMN actee_id TEXT")
            try db.execute(sql: "UPDATE \(table) SET actee_id = \(randomUUID)")
            try db.execute(sql: "CREATE UNIQUE INDEX \(table)_actee ON \(table)(actee_id)")
        }
        try db.execute(sql: "CREATE INDEX entity_backlog_submission ON entity_backlog(submission_id)")
    }

    /// A version names the audit of the event that triggered it (Central shows that audit, with its actor
    /// and notes, as the version's `source.event`) and keeps what a bulk upload said of its source. Audits
    /// keep the request's `X-Action-Notes`. Older versions get the latest audit of their event for their
    /// submission logged before them.
    private static func versionSourcesAndNotes(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE entity_versions ADD COLUMN source_event_id INTEGER;
                ALTER TABLE entity_versions ADD COLUMN source_details TEXT;
                ALTER TABLE audits ADD COLUMN notes TEXT;
                UPDATE entity_versions SET source_event_id = (
                  SELECT a.id FROM audits a
                  WHERE a.submission_id = entity_versions.source_submission_id AND a.action = entity_versions.source_event
                    AND a.logged_at <= entity_versions.created_at
                  ORDER BY a.logged_at DESC, a.id DESC LIMIT 1)
                WHERE source_submission_id IS NOT NULL;
                """)
    }

    /// A dataset keeps the time of its latest audit (Central's `lastUpdate`) and a source form the repeat
    /// its entities sit in (`repeatPath`, read again from each stored form). `entities.csv` carries the
    /// list's state as its `ETag`, and resolving a conflict changes its `__updatedAt` without adding a
    /// version: the counter moves then too (only then, off the hot path).
    private static func datasetActivityAndRepeatPaths(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE datasets ADD COLUMN last_activity_at TEXT;
                UPDATE datasets SET last_activity_at = (
                  SELECT MAX(t) FROM (
                    SELECT MAX(logged_at) AS t FROM audits WHERE actee_type = 'dataset' AND actee_id = datasets.id
                    UNION ALL
                    SELECT MAX(a.logged_at) FROM audits a JOIN entities e ON e.id = a.entity_id WHERE e.dataset_id = datasets.id));
                ALTER TABLE dataset_form_defs ADD COLUMN repeat_path TEXT;
                CREATE TRIGGER entity_list_conflict_resolved AFTER UPDATE OF conflict ON entities
                WHEN OLD.conflict IS NOT NULL AND NEW.conflict IS NULL BEGIN
                    UPDATE datasets SET entity_list_revision = entity_list_revision + 1 WHERE id = NEW.dataset_id;
                END;
                """)
        let defs = try Row.fetchAll(
            db,
            sql: "SELECT DISTINCT d.id, d.xml FROM form_defs d JOIN dataset_form_defs dfd ON dfd.form_def_id = d.id AND dfd.kind = 'source'"
        )
        for def in defs {
            guard let definition = try? XFormParser.parse(def["xml"] as Data) else { continue }
            for declaration in definition.entityDeclarations where declaration.isInRepeat {
                try db.execute(
                    sql: """
                        UPDATE dataset_form_defs SET repeat_path = ?
                        WHERE form_def_id = ? AND kind = 'source' AND dataset_id IN (SELECT id FROM datasets WHERE name = ?)
                        """, arguments: [Datasets.repeatPath(declaration), def["id"] as Int64, declaration.dataset])
            }
        }
    }
}
