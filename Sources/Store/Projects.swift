import Foundation
import GRDB

public struct ProjectRecord: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var description: String?
    public var archived: Bool
    public var createdAt: String
    public var updatedAt: String?

    init(row: Row) {
        id = row["id"]
        name = row["name"]
        description = row["description"]
        archived = row["archived"]
        createdAt = row["created_at"]
        updatedAt = row["updated_at"]
    }
}

extension GatewayStore {
    public func createProject(name: String, description: String?, actorId: Int64) async throws -> ProjectRecord {
        try await write { db in
            try db.run(
                "INSERT INTO projects (name, description, created_at, actee_id) VALUES (?, ?, ?, ?)", name, description, Timestamp.now(),
                Actee.newId())
            let id = db.lastInsertedRowID
            try Audit.log(
                db, actorId: actorId, action: "project.create", acteeType: "project", acteeId: id,
                details: ["data": ["name": .string(name)]])
            return try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM projects WHERE id = ?"), arguments: [id]).map(
                ProjectRecord.init(row:))!
        }
    }

    public func project(id: Int64) async throws -> ProjectRecord? {
        try await read { db in
            try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM projects WHERE id = ? AND deleted_at IS NULL"), arguments: [id])
                .map(ProjectRecord.init(row:))
        }
    }

    /// Live projects, optionally only those the actor has a role in.
    public func projects(visibleTo actorId: Int64?) async throws -> [ProjectRecord] {
        try await read { db in
            if let actorId {
                return try Row.fetchAll(
                    try db.cachedStatement(
                        sql: """
                            SELECT * FROM projects WHERE deleted_at IS NULL
                            AND id IN (SELECT project_id FROM assignments WHERE actor_id = ?) ORDER BY name, id
                            """), arguments: [actorId]
                ).map(ProjectRecord.init(row:))
            }
            return try Row.fetchAll(try db.cachedStatement(sql: "SELECT * FROM projects WHERE deleted_at IS NULL ORDER BY name, id"))
                .map(ProjectRecord.init(row:))
        }
    }
}
