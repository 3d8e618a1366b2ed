import Foundation
import XMLParse

/// One requested change to one entity, validated: from a submission's entity block or from the API.
public struct EntityChange: Sendable, Equatable {
    public var uuid: String
    public var datasetName: String
    /// The label sent; nil when none (or an empty one) was sent.
    public var label: String?
    /// The properties sent, in the order they were sent.
    public var properties: EntityProperties
    public var wantsCreate: Bool
    public var wantsUpdate: Bool
    public var baseVersion: Int?
    public var trunkVersion: Int?
    /// Lower-cased UUID of the device's offline branch.
    public var branchId: String?
    /// What the form that carried the change declares (the API may do both).
    public var formAllowsCreate: Bool
    public var formAllowsUpdate: Bool

    public init(
        uuid: String, datasetName: String, label: String?, properties: EntityProperties, wantsCreate: Bool,
        wantsUpdate: Bool, baseVersion: Int?, trunkVersion: Int?, branchId: String?, formAllowsCreate: Bool,
        formAllowsUpdate: Bool
    ) {
        self.uuid = uuid
        self.datasetName = datasetName
        self.label = label
        self.properties = properties
        self.wantsCreate = wantsCreate
        self.wantsUpdate = wantsUpdate
        self.baseVersion = baseVersion
        self.trunkVersion = trunkVersion
        self.branchId = branchId
        self.formAllowsCreate = formAllowsCreate
        self.formAllowsUpdate = formAllowsUpdate
    }

    /// What the author sent, as `dataReceived` shows it: the properties, then `label` when one was sent.
    public var dataReceived: EntityProperties {
        var received = properties
        if let label { received["label"] = label }
        return received
    }

    /// Reads and validates an entity block of a submission.
    public init(block: EntityBlock, declaration: EntityDeclaration) throws(EntityProblem) {
        guard let rawId = block.id?.trimmed, !rawId.isEmpty else { throw .missingParameter("uuid") }
        guard let uuid = UUIDText.normalizedV4(rawId) else { throw .invalidType("uuid", expected: "valid version 4 UUID") }
        let baseVersion = try Self.integer(block.baseVersion, field: "baseVersion")
        let trunkVersion = try Self.integer(block.trunkVersion, field: "trunkVersion")
        var branchId: String?
        if let rawBranch = block.branchId?.trimmed, !rawBranch.isEmpty {
            guard let normalized = UUIDText.normalizedV4(rawBranch) else {
                throw .invalidType("branchId", expected: "valid version 4 UUID")
            }
            branchId = normalized
        }
        if trunkVersion != nil && branchId == nil { throw .missingParameter("branchId") }
        let label = block.label.flatMap { $0.isEmpty ? nil : $0 }
        self.init(
            uuid: uuid, datasetName: block.dataset ?? declaration.dataset, label: label,
            properties: EntityProperties(block.properties.map { ($0.name, $0.value) }), wantsCreate: block.wantsCreate,
            wantsUpdate: block.wantsUpdate, baseVersion: baseVersion, trunkVersion: trunkVersion, branchId: branchId,
            formAllowsCreate: declaration.allowsCreate, formAllowsUpdate: declaration.allowsUpdate)
    }

    private static func integer(_ text: String?, field: String) throws(EntityProblem) -> Int? {
        guard let text = text?.trimmed, !text.isEmpty else { return nil }
        // Digits only, as Central's /^\d+$/: a sign ("-1", "+1") is not a version.
        guard text.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let value = Int(text) else {
            throw .invalidType(field, expected: "integer")
        }
        return value
    }
}

extension String {
    /// Without leading and trailing white space (Unicode's White_Space; Foundation's character-set
    /// trimming showed in the submission path's profile).
    var trimmed: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        if first == scalars.startIndex && scalars.index(after: last) == scalars.endIndex { return self }
        return String(scalars[first...last])
    }
}

/// UUID text as entities use it: bare (no `uuid:`), lower-case, version 4.
public enum UUIDText {
    public static func normalizedV4(_ text: String) -> String? {
        var value = Substring(text.lowercased())
        if value.hasPrefix("uuid:") { value = value.dropFirst(5) }
        guard value.utf8.count == 36 else { return nil }
        for (offset, byte) in value.utf8.enumerated() {
            switch offset {
            case 8, 13, 18, 23: guard byte == UInt8(ascii: "-") else { return nil }
            case 14: guard byte == UInt8(ascii: "4") else { return nil }
            case 19: guard "89ab".utf8.contains(byte) else { return nil }
            default:
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
                else { return nil }
            }
        }
        return String(value)
    }
}
