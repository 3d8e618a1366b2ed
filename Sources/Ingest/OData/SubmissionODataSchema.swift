import Entities
import Foundation
import XMLParse

/// A form's fields as Central's OData sees them: a tree below the root, each node with its OData name, and the tables
/// (`Submissions` and one `Submissions.{path}` per repeat).
struct SubmissionODataSchema: Sendable {
    /// Built once by the schema's initializer and only read afterwards.
    final class Node: @unchecked Sendable {
        enum Kind { case primitive, group, repeating }
        let field: FormField
        let kind: Kind
        let odataName: String
        /// Sanitized path segments from the root (`["children", "child"]`).
        let odataPath: [String]
        var children: [Node] = []
        /// The nearest repeat above this node, nil at the submission level.
        weak var enclosingRepeat: Node?

        init(field: FormField, kind: Kind, odataPath: [String], enclosingRepeat: Node?) {
            self.field = field
            self.kind = kind
            odataName = Representation.odataName(field.name)
            self.odataPath = odataPath
            self.enclosingRepeat = enclosingRepeat
        }

        func child(named name: String) -> Node? { children.first { $0.field.name == name } }

        /// A repeat table's name, `Submissions.children.child`.
        var tableName: String { (["Submissions"] + odataPath).joined(separator: ".") }

        /// The column naming a repeat row's parent: `__Submissions-id`, `__Submissions-children-child-id`.
        var parentKeyName: String { "__" + (["Submissions"] + (enclosingRepeat?.odataPath ?? [])).joined(separator: "-") + "-id" }
    }

    let xmlFormId: String
    /// The nodes directly below the root.
    let roots: [Node]
    /// Every repeat, in form order.
    let repeats: [Node]
    private(set) var nodes: [Node] = []

    init(fields: [FormField], xmlFormId: String) {
        self.xmlFormId = xmlFormId
        var roots: [Node] = []
        var repeats: [Node] = []
        var byPath: [String: Node] = [:]
        var all: [Node] = []
        for field in fields {
            let parentPath = String(field.path[..<(field.path.lastIndex(of: "/") ?? field.path.startIndex)])
            let parent = byPath[parentPath]
            let kind: Node.Kind = field.type == "repeat" ? .repeating : field.type == "structure" ? .group : .primitive
            let enclosing = parent.flatMap { $0.kind == .repeating ? $0 : $0.enclosingRepeat }
            let node = Node(
                field: field, kind: kind, odataPath: (parent?.odataPath ?? []) + [Representation.odataName(field.name)],
                enclosingRepeat: enclosing)
            if let parent { parent.children.append(node) } else if parentPath.isEmpty { roots.append(node) } else { continue }
            byPath[field.path] = node
            all.append(node)
            if kind == .repeating { repeats.append(node) }
        }
        self.roots = roots
        self.repeats = repeats
        nodes = all
    }

    /// The repeat behind a table name, nil for `Submissions`; throws 404 for a name that is not a table.
    func table(_ name: String) throws -> Node? {
        if name == "Submissions" { return nil }
        guard let node = repeats.first(where: { $0.tableName == name }) else { throw Problem.notFound }
        return node
    }

    func serviceDocument(context: String) -> JSONValue {
        let tables = ["Submissions"] + repeats.map(\.tableName)
        return .object([
            "@odata.context": .string(context),
            "value": .array(tables.map { .object(["name": .string($0), "kind": "EntitySet", "url": .string($0)]) }),
        ])
    }
}
