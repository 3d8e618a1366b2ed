import Foundation

/// One node of a form's primary instance, as Central's `…/fields` lists it: depth first, without the root.
public struct FormField: Sendable, Equatable {
    public var name: String
    /// `/`-joined below the root, namespaces stripped (`/meta/instanceID`).
    public var path: String
    /// The bind's type as written (`string`, `int`, `binary`, …), or `repeat`, `structure` or `unknown`.
    public var type: String
    public var binary: Bool
    public var selectMultiple: Bool

    public init(name: String, path: String, type: String, binary: Bool, selectMultiple: Bool) {
        self.name = name
        self.path = path
        self.type = type
        self.binary = binary
        self.selectMultiple = selectMultiple
    }
}

extension XFormParser {
    /// The form's fields, read as Central's `getFormFields` reads them.
    public static func fields(_ data: Data) throws(XMLParseError) -> [FormField] {
        try withDocument(data) { root throws(XMLParseError) in
            guard let model = root?.child("head")?.child("model"),
                let primary = model.children("instance").first(where: { $0.attribute("id") == nil })?.elementChildren.first
            else { throw .missingPrimaryInstance }
            func path(_ nodeset: String) -> [String] { nodeset.split(separator: "/").map { LibXML.localName(String($0)) } }
            var types: [[String]: String] = [:]
            for bind in model.children("bind") {
                guard let type = bind.attribute("type"), let nodeset = bind.attribute("nodeset") else { continue }
                if types[path(nodeset)] == nil { types[path(nodeset)] = type }
            }
            let body = root?.child("body")
            let repeats = Set((body?.descendants("repeat") ?? []).compactMap { $0.attribute("nodeset").map(path) })
            let selectMultiples = Set(
                (body?.descendants("select") ?? []).compactMap { ($0.attribute("nodeset") ?? $0.attribute("ref")).map(path) })

            var fields: [FormField] = []
            func visit(_ node: XMLNode, at parent: [String]) {
                var seenRepeats = Set<[String]>()
                for child in node.elementChildren {
                    let full = parent + [child.localName]
                    let type: String
                    if repeats.contains(full) {
                        guard seenRepeats.insert(full).inserted else { continue }
                        type = "repeat"
                    } else if let bound = types[full] {
                        type = bound
                    } else if !child.elementChildren.isEmpty || (child.localName == "entity" && full.contains("meta")) {
                        type = "structure"
                    } else {
                        type = "unknown"
                    }
                    let relative = "/" + full.dropFirst().joined(separator: "/")
                    fields.append(
                        FormField(
                            name: child.localName, path: relative, type: type, binary: type == "binary" || relative == "/meta/audit",
                            selectMultiple: selectMultiples.contains(full)))
                    if type == "repeat" || type == "structure" { visit(child, at: full) }
                }
            }
            visit(primary, at: [primary.localName])
            return fields
        }
    }
}
