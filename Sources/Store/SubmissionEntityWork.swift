import Entities
import Foundation
import GRDB
import XMLParse

/// A submission's entity block, validated before the write so the single writer does not spend its time on it.
struct PreparedEntityBlock: Sendable {
    var index: Int
    var change: Result<EntityChange, EntityProblem>
}

/// Runs a stored submission version's entity blocks through the entity rules, in the caller's transaction.
enum SubmissionEntityWork {
    /// Each entity block the form declares, validated (no database needed).
    static func prepare(_ parsed: ParsedSubmission, declarations: [EntityDeclaration]) -> [PreparedEntityBlock] {
        parsed.entityBlocks.enumerated().compactMap { index, block in
            guard declarations.indices.contains(block.declarationIndex) else { return nil }
            return PreparedEntityBlock(
                index: index,
                change: Result { () throws(EntityProblem) in
                    try EntityChange(block: block, declaration: declarations[block.declarationIndex])
                })
        }
    }

    static func process(
        _ db: Database, projectId: Int64, submissionId: Int64, submissionDefId: Int64, instanceId: String,
        blocks: [PreparedEntityBlock], actorId: Int64?, userAgent: String?, receivedAt: String, event: TriggeringEvent,
        approved: Bool, observer: StoreObserver?
    ) throws {
        guard !blocks.isEmpty else { return }
        let origins = blocks.map { block in
            ChangeOrigin(
                source: .submission(
                    submissionId: submissionId, submissionDefId: submissionDefId, instanceId: instanceId, blockIndex: block.index),
                actorId: actorId, userAgent: userAgent, receivedAt: receivedAt, event: event.action, eventId: event.auditId)
        }
        let processor = EntityProcessor(workspace: SQLiteEntityWorkspace(db: db, projectId: projectId, observer: observer))
        try processor.applySubmission(blocks.map(\.change), origins: origins, approved: approved)
    }
}

/// The audited event that sets entity work going: its action and the audit row that logged it.
struct TriggeringEvent {
    var action: String
    var auditId: Int64
}
