import CLibXML2
import Foundation

/// Reads an XForm's definition with libxml2's tree API (forms are small and read once, at upload).
public enum XFormParser {
    public static func parse(_ data: Data) throws(XMLParseError) -> XFormDefinition {
        try withDocument(data) { root throws(XMLParseError) in try read(root) }
    }

    /// Parses `data` (no DTDs) and hands its root element to `body` while the tree lives.
    static func withDocument<T>(_ data: Data, _ body: (XMLNode?) throws(XMLParseError) -> T) throws(XMLParseError) -> T {
        LibXML.ensureReady()
        let parsed: Result<T, XMLParseError> = data.withUnsafeBytes { raw in
            if DoctypeGuard.containsDoctype(raw) { return .failure(.doctypeForbidden) }
            xmlResetLastError()
            let base = raw.baseAddress?.assumingMemoryBound(to: CChar.self)
            guard let doc = xmlReadMemory(base, Int32(raw.count), nil, nil, LibXML.safeOptions) else {
                return .failure(.notWellFormed(LibXML.lastErrorMessage()))
            }
            defer { xmlFreeDoc(doc) }
            if doc.pointee.intSubset != nil { return .failure(.doctypeForbidden) }
            return Result { () throws(XMLParseError) in try body(XMLNode(doc: doc)) }
        }
        return try parsed.get()
    }

    private static func read(_ root: XMLNode?) throws(XMLParseError) -> XFormDefinition {
        let head = root?.child("head")
        guard let model = head?.child("model"),
            let instance = model.children("instance").first(where: { $0.attribute("id") == nil }),
            let primary = instance.elementChildren.first
        else { throw .missingPrimaryInstance }
        guard let formId = primary.attribute("id"), !formId.isEmpty else { throw .missingFormId }

        let binds = model.children("bind")
        let repeats = repeatPaths(primary: primary, body: root?.child("body"))
        let declarations = entityDeclarations(in: primary, binds: binds, repeats: repeats)
        return XFormDefinition(
            xmlFormId: formId,
            version: primary.attribute("version") ?? "",
            title: head?.child("title")?.text,
            entitiesVersion: model.attribute("entities-version"),
            entityDeclarations: declarations,
            attachments: attachments(model: model),
            hasInstanceID: primary.child("meta")?.child("instanceID") != nil,
            binaryFields: binaryFields(binds), repeatPaths: repeats)
    }

    private static func binaryFields(_ binds: [XMLNode]) -> [[String]] {
        var paths: [[String]] = []
        for bind in binds where bind.attribute("type").map({ LibXML.localName($0) }) == "binary" {
            guard let nodeset = bind.attribute("nodeset") ?? bind.attribute("ref") else { continue }
            let path = nodeset.split(separator: "/").map { LibXML.localName(String($0)) }
            if !path.isEmpty, !paths.contains(path) { paths.append(path) }
        }
        return paths
    }

    /// A repeat is marked by a `jr:template` in the instance, or only by the body's `<repeat nodeset>`.
    private static func repeatPaths(primary: XMLNode, body: XMLNode?) -> Set<[String]> {
        var paths = Set(
            (body?.descendants("repeat") ?? []).compactMap { repeatNode in
                repeatNode.attribute("nodeset").map { $0.split(separator: "/").map { LibXML.localName(String($0)) } }
            })
        func visit(_ node: XMLNode, path: [String]) {
            if node.attribute("template") != nil { paths.insert(path) }
            for child in node.elementChildren { visit(child, path: path + [child.localName]) }
        }
        visit(primary, path: [primary.localName])
        return paths
    }

    private static func entityDeclarations(in primary: XMLNode, binds: [XMLNode], repeats: Set<[String]>) -> [EntityDeclaration] {
        var found: [EntityDeclaration] = []
        func visit(_ node: XMLNode, path: [String], inRepeat: Bool) {
            let repeating = inRepeat || repeats.contains(path)
            if let entity = node.child("meta")?.child("entity"),
                !found.contains(where: { $0.containerPath == path })
            {
                found.append(
                    EntityDeclaration(
                        dataset: entity.attribute("dataset") ?? "",
                        allowsCreate: entity.attribute("create") != nil,
                        allowsUpdate: entity.attribute("update") != nil,
                        containerPath: path, isInRepeat: repeating, properties: []))
            }
            for child in node.elementChildren where child.localName != "meta" {
                visit(child, path: path + [child.localName], inRepeat: repeating)
            }
        }
        visit(primary, path: [primary.localName], inRepeat: false)

        for bind in binds {
            guard let property = bind.attribute("saveto"),
                let nodeset = bind.attribute("nodeset") ?? bind.attribute("ref")
            else { continue }
            let path = nodeset.split(separator: "/").map { LibXML.localName(String($0)) }
            // The deepest entity container holding the field owns the property.
            let owner = found.indices
                .filter { path.starts(with: found[$0].containerPath) }
                .max { found[$0].containerPath.count < found[$1].containerPath.count }
            if let owner { found[owner].properties.append(SavetoBinding(path: path, property: property)) }
        }
        return found
    }

    private static func attachments(model: XMLNode) -> [FormAttachmentReference] {
        var references: [FormAttachmentReference] = []
        func add(_ uri: String) {
            guard let reference = attachmentReference(uri),
                !references.contains(where: { $0.name == reference.name })
            else { return }
            references.append(reference)
        }
        for instance in model.children("instance") {
            if let src = instance.attribute("src") { add(src) }
        }
        for value in model.child("itext")?.descendants("value") ?? [] {
            if let text = value.text { add(text.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        return references
    }

    private static func attachmentReference(_ uri: String) -> FormAttachmentReference? {
        let kinds: [(String, FormAttachmentReference.Kind)] = [
            ("jr://file-csv/", .csv), ("jr://file/", .file), ("jr://images/", .image),
            ("jr://audio/", .audio), ("jr://video/", .video),
        ]
        for (prefix, kind) in kinds where uri.hasPrefix(prefix) {
            let name = String(uri.dropFirst(prefix.count))
            return name.isEmpty ? nil : FormAttachmentReference(name: name, kind: kind)
        }
        return nil
    }
}
