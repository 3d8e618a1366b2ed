import CLibXML2

/// A read-only view of an element in a libxml2 tree; valid while its document lives.
struct XMLNode {
    let pointer: xmlNodePtr

    init?(doc: xmlDocPtr) {
        guard let root = xmlDocGetRootElement(doc) else { return nil }
        pointer = root
    }

    private init(_ pointer: xmlNodePtr) { self.pointer = pointer }

    var localName: String { LibXML.localName(LibXML.string(pointer.pointee.name) ?? "") }

    var elementChildren: [XMLNode] {
        var result: [XMLNode] = []
        var child = pointer.pointee.children
        while let node = child {
            if node.pointee.type == XML_ELEMENT_NODE { result.append(XMLNode(node)) }
            child = node.pointee.next
        }
        return result
    }

    func children(_ name: String) -> [XMLNode] { elementChildren.filter { $0.localName == name } }

    func child(_ name: String) -> XMLNode? { elementChildren.first { $0.localName == name } }

    func descendants(_ name: String) -> [XMLNode] {
        elementChildren.flatMap { ($0.localName == name ? [$0] : []) + $0.descendants(name) }
    }

    /// An attribute by local name, whatever its namespace.
    func attribute(_ name: String) -> String? {
        var property = pointer.pointee.properties
        while let attr = property {
            if LibXML.localName(LibXML.string(attr.pointee.name) ?? "") == name {
                guard let value = xmlNodeGetContent(UnsafeMutableRawPointer(attr).assumingMemoryBound(to: xmlNode.self)) else { return "" }
                defer { xml_free(value) }
                return String(cString: value)
            }
            property = attr.pointee.next
        }
        return nil
    }

    var text: String? {
        guard let content = xmlNodeGetContent(pointer) else { return nil }
        defer { xml_free(content) }
        return String(cString: content)
    }
}
