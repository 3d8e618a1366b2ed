/// What the gateway needs to know about an uploaded XForm.
public struct XFormDefinition: Sendable, Equatable {
    /// The primary instance root's `id`.
    public var xmlFormId: String
    /// The primary instance root's `version`; empty when the form has none, as Central stores it.
    public var version: String
    public var title: String?
    /// `entities:entities-version` on the model, when the form declares entities.
    public var entitiesVersion: String?
    public var entityDeclarations: [EntityDeclaration]
    /// Files the form expects beside it (secondary instances and media), in document order.
    public var attachments: [FormAttachmentReference]
    /// The primary instance has `meta/instanceID` (Central accepts forms without it).
    public var hasInstanceID: Bool
    /// Element paths (root first) of the fields bound as `binary`: photos, audio, files. A submission's
    /// attachments are the file names these fields hold, and nothing else.
    public var binaryFields: [[String]]
    /// Element paths (root first) of the primary instance's repeats.
    public var repeatPaths: Set<[String]>

    public init(
        xmlFormId: String, version: String, title: String?, entitiesVersion: String?,
        entityDeclarations: [EntityDeclaration], attachments: [FormAttachmentReference], hasInstanceID: Bool,
        binaryFields: [[String]] = [], repeatPaths: Set<[String]> = []
    ) {
        self.binaryFields = binaryFields
        self.repeatPaths = repeatPaths
        self.xmlFormId = xmlFormId
        self.version = version
        self.title = title
        self.entitiesVersion = entitiesVersion
        self.entityDeclarations = entityDeclarations
        self.attachments = attachments
        self.hasInstanceID = hasInstanceID
    }

}

/// One `meta/entity` element of the primary instance.
public struct EntityDeclaration: Sendable, Equatable, Codable {
    public var dataset: String
    /// The entity element carries a `create` attribute: submissions may create.
    public var allowsCreate: Bool
    /// The entity element carries an `update` attribute: submissions may update.
    public var allowsUpdate: Bool
    /// Element names from the instance root to the element that holds `meta` (the root, or a repeat).
    public var containerPath: [String]
    public var isInRepeat: Bool
    /// `entities:saveto` binds that belong to this entity, in bind order.
    public var properties: [SavetoBinding]

    public init(
        dataset: String, allowsCreate: Bool, allowsUpdate: Bool, containerPath: [String], isInRepeat: Bool,
        properties: [SavetoBinding]
    ) {
        self.dataset = dataset
        self.allowsCreate = allowsCreate
        self.allowsUpdate = allowsUpdate
        self.containerPath = containerPath
        self.isInRepeat = isInRepeat
        self.properties = properties
    }

    public var entityPath: [String] { containerPath + ["meta", "entity"] }
}

/// A form field whose value is saved to an entity property.
public struct SavetoBinding: Sendable, Equatable, Codable {
    public var path: [String]
    public var property: String

    public init(path: [String], property: String) {
        self.path = path
        self.property = property
    }
}

public struct FormAttachmentReference: Sendable, Equatable {
    public enum Kind: String, Sendable { case csv, file, image, audio, video }
    public var name: String
    public var kind: Kind

    public init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }

    /// Central's attachment `type`: `file` for data files, otherwise the media kind.
    public var centralType: String { kind == .csv ? "file" : kind.rawValue }
}

public enum XMLParseError: Error, Equatable, Sendable {
    /// Not well-formed; the message says where.
    case notWellFormed(String)
    /// A document type declaration: refused so that no entity is ever expanded.
    case doctypeForbidden
    case missingPrimaryInstance
    case missingFormId
    /// A submission whose root has no `id` attribute.
    case missingSubmissionFormId
    case missingInstanceID
}
