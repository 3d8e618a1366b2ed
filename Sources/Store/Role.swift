/// A role of Central's seed: its id, system name and the verbs it grants.
public struct Role: Sendable, Equatable {
    public var id: Int
    public var system: String
    public var name: String
    public var verbs: [String]

    /// A role by system name (`manager`) or by id (`5`), as Central's URLs accept both: a parameter
    /// with a lower-case letter in it is a system name.
    public static func find(_ parameter: String) -> Role? {
        if parameter.contains(where: { $0.isLowercase }) { return named(parameter) }
        return Int(parameter).flatMap { id in all.first { $0.id == id } }
    }

    public static func named(_ system: String) -> Role? { all.first { $0.system == system } }

    /// Central's seed after all its migrations (id 4 was deleted there).
    public static let all: [Role] = [
        Role(id: 1, system: "admin", name: "Administrator", verbs: admins),
        Role(id: 2, system: "app-user", name: "App User", verbs: ["open_form.read", "submission.create"]),
        Role(id: 3, system: "pwreset", name: "Password Reset Token", verbs: ["user.password.reset"]),
        Role(id: 5, system: "manager", name: "Project Manager", verbs: managers),
        Role(id: 6, system: "viewer", name: "Project Viewer", verbs: viewers),
        Role(id: 7, system: "formview", name: "Form Viewer (system internal)", verbs: ["open_form.read"]),
        Role(
            id: 8, system: "formfill", name: "Data Collector",
            verbs: ["project.read", "open_form.list", "open_form.read", "submission.create"]),
        Role(id: 9, system: "pub-link", name: "Public Link", verbs: ["open_form.read", "submission.create"]),
    ]

    /// The roles this gateway gives meaning to; the others (reset tokens, public links) are listed only.
    public var isAssignable: Bool { ["admin", "app-user", "manager", "viewer", "formfill"].contains(system) }

    private static let admins = [
        "config.read", "field_key.create", "field_key.delete", "field_key.list", "form.create", "form.delete", "form.list",
        "form.read", "form.update", "project.create", "project.delete", "project.read", "project.update", "session.end",
        "submission.create", "submission.read", "submission.list", "user.create", "user.list", "user.password.invalidate",
        "user.read", "user.update", "role.create", "role.update", "role.delete", "assignment.list", "assignment.create",
        "assignment.delete", "user.delete", "audit.read", "public_link.create", "public_link.list", "public_link.read",
        "public_link.update", "public_link.delete", "backup.run", "config.set", "analytics.read", "form.restore",
        "dataset.list", "entity.list", "dataset.read", "entity.read", "entity.create", "entity.update", "dataset.update",
        "entity.delete", "submission.update", "dataset.create", "submission.delete", "submission.restore",
        "entity.restore", "dataset.delete", "actor_property.list", "actor_property.update", "field_key.update",
    ]

    private static let managers = [
        "project.read", "project.update", "project.delete", "form.create", "form.delete", "form.list", "form.read",
        "form.update", "submission.create", "submission.read", "submission.list", "field_key.create", "field_key.delete",
        "field_key.list", "assignment.list", "assignment.create", "assignment.delete", "public_link.create",
        "public_link.list", "public_link.read", "public_link.update", "public_link.delete", "session.end", "form.restore",
        "dataset.list", "entity.list", "dataset.read", "entity.read", "entity.create", "entity.update", "dataset.update",
        "entity.delete", "submission.update", "dataset.create", "submission.delete", "submission.restore",
        "entity.restore", "dataset.delete", "actor_property.list", "actor_property.update", "field_key.update",
    ]

    private static let viewers = [
        "project.read", "form.list", "form.read", "submission.read", "submission.list", "dataset.list", "entity.list",
        "dataset.read", "entity.read", "actor_property.list",
    ]
}
