import CLibXML2
import Foundation

/// A submission's XML as a plain tree: each element's local name (namespace prefix dropped), the text directly in it
/// (CDATA included, entities decoded) and its child elements. Exports and OData read values from it by the form's fields.
public struct InstanceElement: Sendable, Equatable {
    public var name: String
    public var text: String
    public var children: [InstanceElement]

    public init(name: String, text: String = "", children: [InstanceElement] = []) {
        self.name = name
        self.text = text
        self.children = children
    }
}

extension SubmissionParser {
    /// The whole instance, root included. Refuses what `parse` refuses (not well-formed, a DTD).
    public static func instance(_ data: Data) throws(XMLParseError) -> InstanceElement {
        LibXML.ensureReady()
        let result: Result<InstanceElement, XMLParseError> = data.withUnsafeBytes { raw in
            if DoctypeGuard.containsDoctype(raw) { return .failure(.doctypeForbidden) }
            xmlResetLastError()
            let base = raw.baseAddress?.assumingMemoryBound(to: CChar.self)
            guard let reader = xmlReaderForMemory(base, Int32(raw.count), nil, nil, LibXML.safeOptions) else {
                return .failure(.notWellFormed(LibXML.lastErrorMessage()))
            }
            defer { xmlFreeTextReader(reader) }
            var open: [InstanceElement] = []
            var root: InstanceElement?
            func close() {
                let element = open.removeLast()
                if open.isEmpty { root = element } else { open[open.count - 1].children.append(element) }
            }
            while true {
                let status = xmlTextReaderRead(reader)
                if status == 0 { break }
                if status < 0 { return .failure(.notWellFormed(LibXML.lastErrorMessage())) }
                switch xmlTextReaderNodeType(reader) {
                case Int32(XML_READER_TYPE_ELEMENT.rawValue):
                    guard root == nil else { return .failure(.notWellFormed("the document has a second root element")) }
                    open.append(InstanceElement(name: LibXML.localName(LibXML.string(xmlTextReaderConstName(reader)) ?? "")))
                    if xmlTextReaderIsEmptyElement(reader) == 1 { close() }
                case Int32(XML_READER_TYPE_END_ELEMENT.rawValue):
                    if !open.isEmpty { close() }
                case Int32(XML_READER_TYPE_TEXT.rawValue), Int32(XML_READER_TYPE_CDATA.rawValue),
                    Int32(XML_READER_TYPE_SIGNIFICANT_WHITESPACE.rawValue):
                    if !open.isEmpty, let value = LibXML.string(xmlTextReaderConstValue(reader)) { open[open.count - 1].text += value }
                case Int32(XML_READER_TYPE_DOCUMENT_TYPE.rawValue):
                    return .failure(.doctypeForbidden)
                default:
                    break
                }
            }
            guard let root else { return .failure(.notWellFormed("the document has no root element")) }
            return .success(root)
        }
        return try result.get()
    }
}
