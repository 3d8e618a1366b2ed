import Entities
import Foundation
import GRDB

/// Where a role is held, as Central's actees: the whole site (only `admin`), one project, or one form.
public enum AssignmentScope: Sendable, Equatable {
    case site
    case project(Int64)
    case form(Int64)
}

/// One role held by one actor in a scope. `xmlFormId` is set when listing a project's form assignments.
public struct Assignment: Sendable, Equatable {
    public var actorId: Int64
    public var role: String
    public var xmlFormId: String?
}

extension GatewayStore {
    /// Gives `role` in `scope`; false when the actor already holds it there. Audited as Central does:
    /// `{type}.assignment.create` on the actor, with the role's id and the scope's actee id.
    @discardableResult
    public func grant(role: String, actorId: Int64, in scope: AssignmentScope, by: Int64) async throws -> Bool {
        try await write { db in
            switch scope {
            case .site: try db.run("UPDATE users SET is_admin = 1 WHERE actor_id = ? AND is_admin = 0", actorId)
            case .project(let id):
                try db.run("INSERT OR IGNORE INTO assignments (actor_id, project_id, role) VALUES (?, ?, ?)", actorId, id, role)
            case .form(let id):
                try db.run("INSERT OR IGNORE INTO form_assignments (actor_id, form_id, role) VALUES (?, ?, ?)", actorId, id, role)
            }
            guard db.changesCount > 0 else { return false }
            try Self.logAssignment(db, "create", role: role, actorId: actorId, scope: scope, by: by)
            return true
        }
    }

    /// Takes `role` in `scope` away; false when the actor did not hold it there.
    @discardableResult
    public func revoke(role: String, actorId: Int64, in scope: AssignmentScope, by: Int64) async throws -> Bool {
        try await write { db in
            switch scope {
            case .site: try db.run("UPDATE users SET is_admin = 0 WHERE actor_id = ? AND is_admin = 1", actorId)
            case .project(let id):
                try db.run("DELETE FROM assignments WHERE actor_id = ? AND project_id = ? AND role = ?", actorId, id, role)
            case .form(let id):
                try db.run("DELETE FROM form_assignments WHERE actor_id = ? AND form_id = ? AND role = ?", actorId, id, role)
            }
            guard db.changesCount > 0 else { return false }
            try Self.logAssignment(db, "delete", role: role, actorId: actorId, scope: scope, by: by)
            return true
        }
    }

    /// The live actors' roles in `scope`, in the order they were given; only `role` when given.
    public func assignments(in scope: AssignmentScope, role: String? = nil) async throws -> [Assignment] {
        try await read { db in
            let rows: [Row]
            switch scope {
            case .site:
                rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT u.actor_id, 'admin' AS role FROM users u JOIN actors a ON a.id = u.actor_id
                        WHERE u.is_admin = 1 AND a.deleted_at IS NULL AND (? IS NULL OR ? = 'admin') ORDER BY u.actor_id
                        """, arguments: [role, role])
            case .project(let id):
                rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT x.actor_id, x.role FROM assignments x JOIN actors a ON a.id = x.actor_id
                        WHERE x.project_id = ? AND (? IS NULL OR x.role = ?) AND a.deleted_at IS NULL ORDER BY x.rowid
                        """, arguments: [id, role, role])
            case .form(let id):
                rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT x.actor_id, x.role FROM form_assignments x JOIN actors a ON a.id = x.actor_id
                        WHERE x.form_id = ? AND (? IS NULL OR x.role = ?) AND a.deleted_at IS NULL ORDER BY x.rowid
                        """, arguments: [id, role, role])
            }
            return rows.map { Assignment(actorId: $0["actor_id"], role: $0["role"]) }
        }
    }

    /// Every form role in a project's live forms, with the form's xmlFormId (`…/assignments/forms`).
    public func formAssignments(projectId: Int64, role: String? = nil) async throws -> [Assignment] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT x.actor_id, x.role, f.xml_form_id FROM form_assignments x
                    JOIN forms f ON f.id = x.form_id AND f.deleted_at IS NULL JOIN actors a ON a.id = x.actor_id
                    WHERE f.project_id = ? AND (? IS NULL OR x.role = ?) AND a.deleted_at IS NULL ORDER BY x.rowid
                    """, arguments: [projectId, role, role]
            ).map { Assignment(actorId: $0["actor_id"], role: $0["role"], xmlFormId: $0["xml_form_id"]) }
        }
    }

    /// The roles an actor holds in a project and, when `formId` is given, on that form: one read, as every
    /// submission from a phone asks it.
    public func roles(actorId: Int64, projectId: Int64, formId: Int64?) async throws -> Set<String> {
        try await read { db in
            Set(
                try String.fetchAll(
                    try db.cachedStatement(
                        sql: """
                            SELECT role FROM assignments WHERE actor_id = ? AND project_id = ?
                            UNION SELECT role FROM form_assignments WHERE actor_id = ? AND form_id = ?
                            """), arguments: [actorId, projectId, actorId, formId]))
        }
    }

    private static func logAssignment(
        _ db: Database, _ verb: String, role: String, actorId: Int64, scope: AssignmentScope, by: Int64
    ) throws {
        let type = try String.fetchOne(db, sql: "SELECT type FROM actors WHERE id = ?", arguments: [actorId]) ?? "user"
        let actee: String?
        switch scope {
        case .site: actee = "*"
        case .project(let id): actee = try String.fetchOne(db, sql: "SELECT actee_id FROM projects WHERE id = ?", arguments: [id])
        case .form(let id): actee = try String.fetchOne(db, sql: "SELECT actee_id FROM forms WHERE id = ?", arguments: [id])
        }
        let roleId = Role.named(role).map { JSONValue.int(Int64($0.id)) } ?? .string(role)
        try Audit.log(
            db, actorId: by, action: "\(type).assignment.\(verb)", acteeType: "actor", acteeId: actorId,
            details: ["roleId": roleId, verb == "create" ? "grantedActeeId" : "revokedActeeId": JSONValue(actee)])
    }
}
