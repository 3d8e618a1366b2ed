/// One way an entity's stored state disagrees with what its history says it should be.
public struct Inconsistency: Sendable, Equatable {
    /// `versionNumbers`, `currentVersion`, `data`, `label`, `conflict`, `conflictingProperties`, `updatedAt` or `replay`.
    public var kind: String
    public var field: String
    public var version: Int?
    public var expected: JSONValue
    public var actual: JSONValue

    public init(kind: String, field: String, version: Int?, expected: JSONValue, actual: JSONValue) {
        self.kind = kind
        self.field = field
        self.version = version
        self.expected = expected
        self.actual = actual
    }

    public var json: JSONObject {
        ["kind": .string(kind), "field": .string(field), "version": JSONValue(version), "expected": expected, "actual": actual]
    }
}

/// The entity row as stored, beside its versions.
public struct StoredEntityState: Sendable, Equatable {
    public var currentVersion: Int
    public var conflict: Conflict?
    public var deleted: Bool
    public var updatedAt: String?
    public var resolvedThrough: Int?

    public init(currentVersion: Int, conflict: Conflict?, deleted: Bool, updatedAt: String?, resolvedThrough: Int?) {
        self.currentVersion = currentVersion
        self.conflict = conflict
        self.deleted = deleted
        self.updatedAt = updatedAt
        self.resolvedThrough = resolvedThrough
    }
}

/// A stored version with what only storage has.
public struct StoredVersionRow: Sendable, Equatable {
    public var stored: StoredVersion
    public var createdAt: String

    public init(stored: StoredVersion, createdAt: String) {
        self.stored = stored
        self.createdAt = createdAt
    }
}

/// Checks that an entity's current state is what its history produces.
public enum ConsistencyCheck {
    /// (a) The stored history against itself: numbering, each version's data and label
    /// following from the one before and what it received, and the entity row following from its versions.
    public static func internalProblems(entity: StoredEntityState, versions: [StoredVersionRow]) -> [Inconsistency] {
        var problems: [Inconsistency] = []
        for (index, row) in versions.enumerated() where row.stored.version != index + 1 {
            problems.append(
                Inconsistency(
                    kind: "versionNumbers", field: "version", version: row.stored.version, expected: .int(Int64(index + 1)),
                    actual: .int(Int64(row.stored.version))))
        }
        if entity.currentVersion != versions.count {
            problems.append(
                Inconsistency(
                    kind: "currentVersion", field: "currentVersion", version: nil, expected: .int(Int64(versions.count)),
                    actual: .int(Int64(entity.currentVersion))))
        }
        var previous: StoredVersion?
        for row in versions {
            problems += step(previous: previous, next: row.stored)
            previous = row.stored
        }
        // A resolve moves updatedAt on without writing a version (as Central's), so an entity resolved at its
        // current version may have been updated after that version was written.
        if versions.count > 1, let last = versions.last, entity.updatedAt != last.createdAt,
            !(entity.resolvedThrough == last.stored.version && (entity.updatedAt ?? "") > last.createdAt)
        {
            problems.append(
                Inconsistency(
                    kind: "updatedAt", field: "updatedAt", version: nil, expected: .string(last.createdAt),
                    actual: JSONValue(entity.updatedAt)))
        }
        let unresolved = versions.filter { $0.stored.version > (entity.resolvedThrough ?? 0) }.compactMap(\.stored.conflict).max()
        if entity.conflict != unresolved {
            problems.append(
                Inconsistency(
                    kind: "conflict", field: "conflict", version: nil, expected: JSONValue(unresolved?.rawValue),
                    actual: JSONValue(entity.conflict?.rawValue)))
        }
        return problems
    }

    /// The cheap check run after each applied version: its data and label follow from the previous
    /// version and what it received, and its conflict agrees with its conflicting properties.
    public static func step(previous: StoredVersion?, next: StoredVersion) -> [Inconsistency] {
        var problems: [Inconsistency] = []
        var received = next.dataReceived
        let receivedLabel = received["label"]
        received["label"] = nil
        let expectedData = (previous?.data ?? EntityProperties()).merging(received)
        for name in Set(expectedData.names + next.data.names).sorted() where expectedData[name] != next.data[name] {
            problems.append(
                Inconsistency(
                    kind: "data", field: "data.\(name)", version: next.version, expected: JSONValue(expectedData[name]),
                    actual: JSONValue(next.data[name])))
        }
        let expectedLabel = receivedLabel ?? previous?.label
        if let expectedLabel, expectedLabel != next.label {
            problems.append(
                Inconsistency(
                    kind: "label", field: "label", version: next.version, expected: .string(expectedLabel), actual: .string(next.label)))
        }
        if let previous, next.version != previous.version + 1 {
            problems.append(
                Inconsistency(
                    kind: "versionNumbers", field: "version", version: next.version, expected: .int(Int64(previous.version + 1)),
                    actual: .int(Int64(next.version))))
        }
        let hard = !(next.conflictingProperties ?? []).isEmpty
        if (next.conflict == .hard) != hard {
            problems.append(
                Inconsistency(
                    kind: "conflictingProperties", field: "conflict", version: next.version,
                    expected: hard ? "hard" : (next.conflict == .hard ? "soft" : JSONValue(next.conflict?.rawValue)),
                    actual: JSONValue(next.conflict?.rawValue)))
        }
        return problems
    }

    /// (b) The stored history against the one its inputs produce when replayed.
    public static func replayProblems(entity: StoredEntityState, versions: [StoredVersion], replay: Replay.Result) -> [Inconsistency] {
        var problems: [Inconsistency] = []
        func differ(_ field: String, _ version: Int?, _ expected: JSONValue, _ actual: JSONValue) {
            if expected != actual {
                problems.append(Inconsistency(kind: "replay", field: field, version: version, expected: expected, actual: actual))
            }
        }
        differ("versions", nil, .int(Int64(replay.versions.count)), .int(Int64(versions.count)))
        differ("currentVersion", nil, JSONValue(replay.entity?.currentVersion), .int(Int64(entity.currentVersion)))
        differ("conflict", nil, JSONValue(replay.entity?.conflict?.rawValue), JSONValue(entity.conflict?.rawValue))
        differ("deleted", nil, .bool(replay.entity?.deleted ?? false), .bool(entity.deleted))
        let stored = Dictionary(versions.map { ($0.version, $0) }, uniquingKeysWith: { first, _ in first })
        for expected in replay.versions {
            guard let actual = stored[expected.version] else { continue }
            let number = expected.version
            differ("baseVersion", number, JSONValue(expected.baseVersion), JSONValue(actual.baseVersion))
            differ("branchId", number, JSONValue(expected.branchId), JSONValue(actual.branchId))
            differ("trunkVersion", number, JSONValue(expected.trunkVersion), JSONValue(actual.trunkVersion))
            differ("branchBaseVersion", number, JSONValue(expected.branchBaseVersion), JSONValue(actual.branchBaseVersion))
            differ("label", number, .string(expected.label), .string(actual.label))
            differ("data", number, .object(expected.data.json), .object(actual.data.json))
            differ("dataReceived", number, .object(expected.dataReceived.json), .object(actual.dataReceived.json))
            differ("conflict", number, JSONValue(expected.conflict?.rawValue), JSONValue(actual.conflict?.rawValue))
            differ(
                "conflictingProperties", number, JSONValue(expected.conflictingProperties.map { $0.joined(separator: ",") }),
                JSONValue(actual.conflictingProperties.map { $0.joined(separator: ",") }))
            differ("appliedAs", number, .string(expected.appliedAs.rawValue), .string(actual.appliedAs.rawValue))
            differ("forced", number, .bool(expected.forced), .bool(actual.forced))
        }
        return problems
    }
}
