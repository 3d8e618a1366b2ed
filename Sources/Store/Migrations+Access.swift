import Foundation
import GRDB

extension Migrations {
    /// Sessions keep only their token's SHA-256; app users get per-form roles (each existing one is given
    /// every live form of its project, which it could reach before); users get their last login,
    /// may have no password yet (made over the API without one), and a deleted user's email is free again.
    static func access(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE sessions RENAME COLUMN token TO token_sha256")
        let tokens = try String.fetchAll(db, sql: "SELECT token_sha256 FROM sessions")
        for token in tokens {
            try db.execute(
                sql: "UPDATE sessions SET token_sha256 = ? WHERE token_sha256 = ?", arguments: [SessionToken.digest(token), token])
        }
        try db.execute(
            sql: """
                CREATE TABLE form_assignments (
                    actor_id INTEGER NOT NULL REFERENCES actors(id),
                    form_id INTEGER NOT NULL REFERENCES forms(id),
                    role TEXT NOT NULL,
                    PRIMARY KEY (actor_id, form_id, role)
                );
                CREATE INDEX form_assignments_form ON form_assignments(form_id, role);
                -- Until now an app user reached every form of its project: keep the phones in the field working.
                INSERT INTO form_assignments (actor_id, form_id, role)
                SELECT au.actor_id, f.id, 'app-user' FROM app_users au
                JOIN actors a ON a.id = au.actor_id AND a.deleted_at IS NULL
                JOIN forms f ON f.project_id = au.project_id AND f.deleted_at IS NULL;
                CREATE TABLE users_rebuilt (
                    actor_id INTEGER PRIMARY KEY REFERENCES actors(id),
                    email TEXT NOT NULL COLLATE NOCASE,
                    password_hash TEXT,
                    is_admin INTEGER NOT NULL DEFAULT 0,
                    last_login_at TEXT,
                    deleted INTEGER NOT NULL DEFAULT 0
                );
                INSERT INTO users_rebuilt (actor_id, email, password_hash, is_admin, deleted)
                SELECT u.actor_id, u.email, u.password_hash, u.is_admin, a.deleted_at IS NOT NULL
                FROM users u JOIN actors a ON a.id = u.actor_id;
                DROP TABLE users;
                ALTER TABLE users_rebuilt RENAME TO users;
                CREATE UNIQUE INDEX users_live_email ON users(email) WHERE deleted = 0;
                """)
    }
}
