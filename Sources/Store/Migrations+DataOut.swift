import Foundation
import GRDB

extension Migrations {
    /// Comments on submissions; submissions listed and paged newest first by an index on their time
    /// (it replaces the one on id: both grow at their end, so a submission costs the same writes).
    static func dataOut(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE comments (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    submission_id INTEGER NOT NULL REFERENCES submissions(id),
                    actor_id INTEGER NOT NULL REFERENCES actors(id),
                    body TEXT NOT NULL,
                    created_at TEXT NOT NULL
                );
                CREATE INDEX comments_submission ON comments(submission_id, id);
                DROP INDEX submissions_form;
                CREATE INDEX submissions_form_created ON submissions(form_id, created_at, id);
                """)
    }
}
