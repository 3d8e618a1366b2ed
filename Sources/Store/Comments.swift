import Foundation
import GRDB

/// A reviewer's note on a submission, as Central keeps them (no audit: clients merge comments with audits).
public struct CommentRecord: Sendable, Equatable {
    public var body: String
    public var actorId: Int64
    public var createdAt: String
}

extension GatewayStore {
    public func addComment(submissionId: Int64, actorId: Int64, body: String) async throws -> CommentRecord {
        try await write { db in
            let comment = CommentRecord(body: body, actorId: actorId, createdAt: Timestamp.now())
            try db.run(
                "INSERT INTO comments (submission_id, actor_id, body, created_at) VALUES (?, ?, ?, ?)", submissionId, actorId, body,
                comment.createdAt)
            return comment
        }
    }

    /// Newest first.
    public func comments(submissionId: Int64) async throws -> [CommentRecord] {
        try await read { db in
            try db.allRows(
                "SELECT body, actor_id, created_at FROM comments WHERE submission_id = ? ORDER BY id DESC", submissionId
            ) { CommentRecord(body: $0[0], actorId: $0[1], createdAt: $0[2]) }
        }
    }
}
