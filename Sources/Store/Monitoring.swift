import Entities
import Foundation
import GRDB

/// What the backlog holds and what happened to held work recently.
public struct BacklogSummary: Sendable {
    public var held = 0
    public var oldestHeldAt: String?
    public var byDataset: [(name: String, held: Int)] = []
    public var byBranch: [(branchId: String?, held: Int)] = []
    /// Counts of `released`, `forced` and `failed` over the last hour and the last day.
    public var lastHour: [String: Int] = [:]
    public var lastDay: [String: Int] = [:]

    /// How long the oldest held change has waited, in seconds; nil with an empty backlog.
    public func oldestAge(now: Date = Date()) -> TimeInterval? {
        oldestHeldAt.flatMap(Timestamp.date).map { now.timeIntervalSince($0) }
    }
}

/// The inputs of the health check, each one indexed query.
public struct HealthFacts: Sendable {
    public var lastPass: (finishedAt: String, checked: Int, invalid: Int)?
    public var oldestHeldAt: String?
    public var entityErrorsLastHour = 0
    public var inconsistenciesLastDay = 0
}

extension GatewayStore {
    public func backlogSummary(now: Date = Date()) async throws -> BacklogSummary {
        try await read { db in
            var summary = BacklogSummary()
            summary.held = try Int.fetchOne(try db.cachedStatement(sql: "SELECT COUNT(*) FROM entity_backlog")) ?? 0
            summary.oldestHeldAt = try String.fetchOne(try db.cachedStatement(sql: "SELECT MIN(held_at) FROM entity_backlog"))
            summary.byDataset = try Row.fetchAll(
                try db.cachedStatement(
                    sql:
                        "SELECT d.name, COUNT(*) AS held FROM entity_backlog b JOIN datasets d ON d.id = b.dataset_id GROUP BY d.name ORDER BY d.name"
                )
            ).map { ($0["name"], $0["held"]) }
            summary.byBranch = try Row.fetchAll(
                try db.cachedStatement(
                    sql: "SELECT branch_id, COUNT(*) AS held FROM entity_backlog GROUP BY branch_id ORDER BY held DESC, branch_id LIMIT 100"
                )
            ).map { ($0["branch_id"], $0["held"]) }
            let actions = ["released": "submission.backlog.reprocess", "forced": "submission.backlog.force", "failed": "entity.error"]
            for (name, action) in actions {
                summary.lastHour[name] = try Audits.count(db, action: action, since: now.addingTimeInterval(-3600))
                summary.lastDay[name] = try Audits.count(db, action: action, since: now.addingTimeInterval(-86_400))
            }
            return summary
        }
    }

    public func healthFacts(projectId: Int64?, now: Date = Date()) async throws -> HealthFacts {
        try await read { db in
            var facts = HealthFacts()
            if let row = try Row.fetchOne(
                try db.cachedStatement(
                    sql: """
                        SELECT finished_at, checked, invalid FROM consistency_passes WHERE finished_at IS NOT NULL
                        AND (project_id IS NULL OR project_id = ?) ORDER BY id DESC LIMIT 1
                        """), arguments: [projectId])
            {
                facts.lastPass = (row["finished_at"], row["checked"], row["invalid"])
            }
            facts.oldestHeldAt = try String.fetchOne(try db.cachedStatement(sql: "SELECT MIN(held_at) FROM entity_backlog"))
            facts.entityErrorsLastHour = try Audits.count(db, action: "entity.error", since: now.addingTimeInterval(-3600))
            facts.inconsistenciesLastDay = try Audits.count(db, action: "entity.inconsistency", since: now.addingTimeInterval(-86_400))
            return facts
        }
    }

    /// Entities in conflict, newest change first, for the reviewers' list.
    public func conflicts(limit: Int) async throws -> [(project: Int64, dataset: String, uuid: String, label: String, conflict: String)] {
        try await read { db in
            try Row.fetchAll(
                try db.cachedStatement(
                    sql: """
                        SELECT d.project_id, d.name, e.uuid, v.label, e.conflict FROM entities e
                        JOIN datasets d ON d.id = e.dataset_id JOIN entity_versions v ON v.entity_id = e.id AND v.version = e.current_version
                        WHERE e.conflict IS NOT NULL AND e.deleted_at IS NULL ORDER BY e.updated_at DESC LIMIT ?
                        """), arguments: [limit]
            ).map { ($0["project_id"], $0["name"], $0["uuid"], $0["label"], $0["conflict"]) }
        }
    }
}

enum Audits {
    static func count(_ db: Database, action: String, since: Date) throws -> Int {
        try Int.fetchOne(
            try db.cachedStatement(sql: "SELECT COUNT(*) FROM audits WHERE action = ? AND logged_at >= ?"),
            arguments: [action, Timestamp.string(since)]) ?? 0
    }
}
