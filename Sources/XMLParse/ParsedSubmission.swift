/// The root element of a submission: which form and form version it claims to be.
public struct SubmissionHeader: Sendable, Equatable {
    public var xmlFormId: String
    public var version: String
}

/// A submission read once: its identity and every entity block it carries.
public struct ParsedSubmission: Sendable, Equatable {
    public var header: SubmissionHeader
    public var instanceId: String
    public var deprecatedId: String?
    public var instanceName: String?
    public var entityBlocks: [EntityBlock]
    /// File names held by the form's binary fields, once each, in document order.
    public var attachmentNames: [String] = []
}

/// One `meta/entity` element of a submission with the saveto values of its scope.
public struct EntityBlock: Sendable, Equatable {
    /// Index into the form's `entityDeclarations`.
    public var declarationIndex: Int
    public var dataset: String?
    /// The entity element's attributes as sent (`id`, `create`, `update`, `baseVersion`, `trunkVersion`, `branchId`).
    public var attributes: [String: String]
    /// The `label` child, when the block has one.
    public var label: String?
    /// Property values in the order the submission sent them.
    public var properties: [PropertyValue]

    public init(
        declarationIndex: Int, dataset: String?, attributes: [String: String], label: String?,
        properties: [PropertyValue]
    ) {
        self.declarationIndex = declarationIndex
        self.dataset = dataset
        self.attributes = attributes
        self.label = label
        self.properties = properties
    }

    public var id: String? { attributes["id"] }
    public var baseVersion: String? { attributes["baseVersion"] }
    public var trunkVersion: String? { attributes["trunkVersion"] }
    public var branchId: String? { attributes["branchId"] }
    /// `create="1"` or `create="true"`, as Collect writes them.
    public var wantsCreate: Bool { Self.isTrue(attributes["create"]) }
    public var wantsUpdate: Bool { Self.isTrue(attributes["update"]) }

    static func isTrue(_ value: String?) -> Bool { value == "1" || value == "true" }
}

public struct PropertyValue: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
