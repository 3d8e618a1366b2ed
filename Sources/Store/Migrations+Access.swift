import Foundation
import GRDB

extension Migrations {
    /// Sessions keep only their token's SHA-256; app users get per-form roles.
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
                """)
    }
}
