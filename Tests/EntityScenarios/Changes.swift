import Entities

/// Builders for the changes scenarios send, as a phone's registration and update forms would.
public enum Changes {
    public static let tree = "e7000000-0000-4000-8000-000000000001"
    public static let branchA = "b7a0c0de-0000-4000-8000-00000000000a"

    public static func create(_ properties: [(String, String)], uuid: String = tree, label: String? = "Oak", branch: String? = nil)
        -> EntityChange
    {
        EntityChange(
            uuid: uuid, datasetName: "trees", label: label, properties: EntityProperties(properties), wantsCreate: true,
            wantsUpdate: false, baseVersion: nil, trunkVersion: nil, branchId: branch, formAllowsCreate: true, formAllowsUpdate: false)
    }

    public static func update(
        _ uuid: String = tree, base: Int, trunk: Int? = nil, branch: String? = nil, label: String? = nil, _ properties: [(String, String)]
    ) -> EntityChange {
        EntityChange(
            uuid: uuid, datasetName: "trees", label: label, properties: EntityProperties(properties), wantsCreate: false,
            wantsUpdate: true, baseVersion: base, trunkVersion: trunk, branchId: branch, formAllowsCreate: false, formAllowsUpdate: true)
    }
}

/// The fields of a version a scenario pins.
public struct ExpectedVersion: Equatable, Sendable, CustomStringConvertible {
    public var version: Int
    public var base: Int?
    public var branch: String?
    public var trunk: Int?
    public var branchBase: Int?
    public var conflict: Conflict?
    public var data: [String: String]
    public var label: String

    public init(
        _ version: Int, base: Int?, branch: String? = nil, trunk: Int? = nil, branchBase: Int? = nil, conflict: Conflict? = nil,
        _ data: [String: String], label: String = "Oak"
    ) {
        self.version = version
        self.base = base
        self.branch = branch
        self.trunk = trunk
        self.branchBase = branchBase
        self.conflict = conflict
        self.data = data
        self.label = label
    }

    public init(_ stored: StoredVersion) {
        self.init(
            stored.version, base: stored.baseVersion, branch: stored.branchId, trunk: stored.trunkVersion,
            branchBase: stored.branchBaseVersion, conflict: stored.conflict,
            Dictionary(uniqueKeysWithValues: stored.data.pairs.map { ($0.name, $0.value) }), label: stored.label)
    }

    public var description: String {
        "v\(version) base \(base.map(String.init) ?? "-") branch \(branch?.suffix(1) ?? "-") trunk \(trunk.map(String.init) ?? "-") bbv \(branchBase.map(String.init) ?? "-") \(conflict?.rawValue ?? "ok") \(data.sorted { $0.key < $1.key }) \(label)"
    }
}
