import CLibXML2
import Foundation

/// Reads a submission in one streaming pass with libxml2's text reader.
///
/// The root element names the form, whose entity declarations say what to collect:
/// `header` reads only as far as the root's start tag, so the caller can look the form up first.
public enum SubmissionParser {
    public static func header(_ data: Data) throws -> SubmissionHeader {
        var found: SubmissionHeader?
        do {
            _ = try parse(data) { header in
                found = header
                throw StopAfterRoot()
            }
        } catch is StopAfterRoot {}
        guard let found else { throw XMLParseError.notWellFormed("the document has no root element") }
        return found
    }

    /// `binaryFields` are the form's binary field paths (`XFormDefinition.binaryFields`): their values are
    /// the attachment names the submission references.
    public static func parse(_ data: Data, declarations: [EntityDeclaration], binaryFields: [[String]] = []) throws -> ParsedSubmission {
        try parse(data, binaryFields: Set(binaryFields)) { _ in declarations }
    }

    private struct StopAfterRoot: Error {}

    private static func parse(
        _ data: Data, binaryFields: Set<[String]> = [], schema: (SubmissionHeader) throws -> [EntityDeclaration]
    ) throws -> ParsedSubmission {
        LibXML.ensureReady()
        return try data.withUnsafeBytes { raw in
            if DoctypeGuard.containsDoctype(raw) { throw XMLParseError.doctypeForbidden }
            xmlResetLastError()
            let base = raw.baseAddress?.assumingMemoryBound(to: CChar.self)
            guard let reader = xmlReaderForMemory(base, Int32(raw.count), nil, nil, LibXML.safeOptions) else {
                throw XMLParseError.notWellFormed(LibXML.lastErrorMessage())
            }
            defer { xmlFreeTextReader(reader) }
            return try withoutActuallyEscaping(schema) { schema in
                var walk = SubmissionWalk(reader: reader, schema: schema, binaryFields: binaryFields)
                return try walk.run()
            }
        }
    }
}

private struct SubmissionWalk {
    let reader: xmlTextReaderPtr
    let schema: (SubmissionHeader) throws -> [EntityDeclaration]
    let binaryFields: Set<[String]>

    var attachmentNames: [String] = []
    var path: [String] = []
    var text = ""
    var header: SubmissionHeader?
    var declarations: [EntityDeclaration] = []
    var propertyByPath: [[String]: (declaration: Int, property: String)] = [:]
    var open: [OpenBlock] = []
    var blocks: [EntityBlock] = []
    var instanceId: String?
    var deprecatedId: String?
    var instanceName: String?
    var rootInstanceId: String?

    /// An entity container being read; its saveto fields may come before or after `meta/entity`.
    struct OpenBlock {
        var depth: Int
        var block: EntityBlock
        var hasEntityElement = false
    }

    init(
        reader: xmlTextReaderPtr, schema: @escaping (SubmissionHeader) throws -> [EntityDeclaration], binaryFields: Set<[String]>
    ) {
        self.reader = reader
        self.schema = schema
        self.binaryFields = binaryFields
    }

    mutating func run() throws -> ParsedSubmission {
        while true {
            let status = xmlTextReaderRead(reader)
            if status == 0 { break }
            if status < 0 { throw XMLParseError.notWellFormed(LibXML.lastErrorMessage()) }
            switch xmlTextReaderNodeType(reader) {
            case Int32(XML_READER_TYPE_ELEMENT.rawValue):
                try startElement()
                if xmlTextReaderIsEmptyElement(reader) == 1 { endElement() }
            case Int32(XML_READER_TYPE_END_ELEMENT.rawValue):
                endElement()
            case Int32(XML_READER_TYPE_TEXT.rawValue), Int32(XML_READER_TYPE_CDATA.rawValue),
                Int32(XML_READER_TYPE_SIGNIFICANT_WHITESPACE.rawValue):
                if let value = LibXML.string(xmlTextReaderConstValue(reader)) { text += value }
            case Int32(XML_READER_TYPE_DOCUMENT_TYPE.rawValue):
                throw XMLParseError.doctypeForbidden
            default:
                break
            }
        }
        guard let header else { throw XMLParseError.notWellFormed("the document has no root element") }
        guard let id = (instanceId ?? rootInstanceId).flatMap(nonEmpty) else {
            throw XMLParseError.missingInstanceID
        }
        return ParsedSubmission(
            header: header, instanceId: id, deprecatedId: deprecatedId.flatMap(nonEmpty),
            instanceName: instanceName.flatMap(nonEmpty), entityBlocks: blocks, attachmentNames: attachmentNames)
    }

    /// Without XML white space around it (space, tab, CR, LF), or nil when nothing is left.
    private func nonEmpty(_ value: String) -> String? {
        let isSpace = { (byte: UInt8) in byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        let utf8 = value.utf8
        guard let first = utf8.firstIndex(where: { !isSpace($0) }), let last = utf8.lastIndex(where: { !isSpace($0) }) else {
            return nil
        }
        return String(value[first...last])
    }

    private mutating func startElement() throws {
        let name = LibXML.localName(LibXML.string(xmlTextReaderConstName(reader)) ?? "")
        path.append(name)
        text = ""
        if path.count == 1 {
            try readRoot()
            return
        }
        openBlockIfContainer()
        if let top = open.last, path == declarations[top.block.declarationIndex].entityPath {
            let attributes = readAttributes()
            open[open.count - 1].block.attributes = attributes
            open[open.count - 1].block.dataset = attributes["dataset"]
            open[open.count - 1].hasEntityElement = true
        }
    }

    private mutating func openBlockIfContainer() {
        guard let index = declarations.firstIndex(where: { $0.containerPath == path }) else { return }
        let block = EntityBlock(declarationIndex: index, dataset: nil, attributes: [:], label: nil, properties: [])
        open.append(OpenBlock(depth: path.count, block: block))
    }

    private mutating func readRoot() throws {
        let attributes = readAttributes()
        guard let formId = attributes["id"], !formId.isEmpty else { throw XMLParseError.missingSubmissionFormId }
        let found = SubmissionHeader(xmlFormId: formId, version: attributes["version"] ?? "")
        header = found
        rootInstanceId = attributes["instanceID"]
        declarations = try schema(found)
        openBlockIfContainer()
        for (index, declaration) in declarations.enumerated() {
            for binding in declaration.properties {
                propertyByPath[binding.path] = (index, binding.property)
            }
        }
    }

    private mutating func endElement() {
        defer {
            path.removeLast()
            text = ""
        }
        if path.count == 3, path[1] == "meta" {
            switch path[2] {
            case "instanceID": instanceId = text
            case "deprecatedID": deprecatedId = text
            case "instanceName": instanceName = text
            default: break
            }
        }
        if !binaryFields.isEmpty, binaryFields.contains(path), let name = nonEmpty(text), !attachmentNames.contains(name) {
            attachmentNames.append(name)
        }
        guard let top = open.last else { return }
        let index = top.block.declarationIndex
        if path == declarations[index].entityPath + ["label"] {
            open[open.count - 1].block.label = text
        } else if let target = propertyByPath[path], target.declaration == index {
            open[open.count - 1].block.properties.append(PropertyValue(name: target.property, value: text))
        }
        if path.count == top.depth {
            let finished = open.removeLast()
            if finished.hasEntityElement { blocks.append(finished.block) }
        }
    }

    private func readAttributes() -> [String: String] {
        var attributes: [String: String] = [:]
        while xmlTextReaderMoveToNextAttribute(reader) == 1 {
            let name = LibXML.localName(LibXML.string(xmlTextReaderConstName(reader)) ?? "")
            if let value = LibXML.string(xmlTextReaderConstValue(reader)) { attributes[name] = value }
        }
        xmlTextReaderMoveToElement(reader)
        return attributes
    }
}
