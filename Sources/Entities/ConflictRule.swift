/// When an applied version is a conflict, and which properties make it hard.
public enum ConflictRule {
    /// The properties the author sent that the server also changed since the author's base, to another value:
    /// in the order they were sent, `label` last. Any of them makes the conflict hard.
    public static func conflictingProperties(received: EntityProperties, base: StoredVersion, current: StoredVersion) -> [String] {
        let before = base.dataWithLabel
        let now = current.dataWithLabel
        return receivedNamesLabelLast(received).filter { name in
            now[name] != before[name] && received[name] != now[name]
        }
    }

    /// A version built on an older base than the newest: hard when properties collide, else soft.
    public static func conflict(forStaleBase conflicting: [String]) -> Conflict {
        conflicting.isEmpty ? .soft : .hard
    }

    /// The entity's conflict after a version: never lowered, only raised.
    public static func entityConflict(_ existing: Conflict?, _ new: Conflict?) -> Conflict? {
        switch (existing, new) {
        case (nil, let value), (let value, nil): return value
        case (let a?, let b?): return max(a, b)
        }
    }

    /// An offline branch is interrupted when a version after its trunk (after version 1 for a branch
    /// that began with an offline create) came from another branch or from no branch; `laterBranchIds`
    /// are the branches of exactly those versions.
    public static func branchIsInterrupted(branchId: String, laterBranchIds: [String?]) -> Bool {
        laterBranchIds.contains { $0 != branchId }
    }

    static func receivedNamesLabelLast(_ received: EntityProperties) -> [String] {
        received.names.filter { $0 != "label" } + (received["label"] != nil ? ["label"] : [])
    }
}
