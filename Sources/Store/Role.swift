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

    public static let all: [Role] = [
        Role(id: 1, system: "admin", name: "Administrator", verbs: []),
        Role(id: 2, system: "app-user", name: "App User", verbs: []),
        Role(id: 5, system: "manager", name: "Project Manager", verbs: []),
        Role(id: 6, system: "viewer", name: "Project Viewer", verbs: []),
        Role(id: 8, system: "formfill", name: "Data Collector", verbs: []),
    ]
}
