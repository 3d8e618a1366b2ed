/// A version as reviewers see it: its conflict in the history, whether it was resolved, what its author
/// saw and changed, and what changed against the server.
public struct ReviewedVersion: Sendable, Equatable {
    public var stored: StoredVersion
    public var conflict: Conflict?
    public var resolved: Bool
    /// What the version received compared with what its author actually saw.
    public var baseDiff: PropertyDiff
    /// What the version received compared with the server version just before it.
    public var serverDiff: PropertyDiff
    public var lastGoodVersion: Bool
    public var relevantToConflict: Bool
}

/// Reads an entity's whole history the way reviewers need it.
public enum VersionHistory {
    /// Annotates versions (ordered by number, 1 first). Versions up to `resolvedThrough` were resolved.
    public static func review(_ versions: [StoredVersion], resolvedThrough: Int?) -> [ReviewedVersion] {
        var walks: [String: BranchWalk] = [:]
        var result: [ReviewedVersion] = []
        var lastGood = 0
        var relevantBases = Set<Int>()
        let byNumber = Dictionary(versions.map { ($0.version, $0) }, uniquingKeysWith: { first, _ in first })

        for version in versions {
            if let branch = version.branchId {
                if walks[branch] == nil { walks[branch] = BranchWalk(first: version) } else { walks[branch]!.add(version) }
            }
            var reviewed = ReviewedVersion(
                stored: version, conflict: nil, resolved: false, baseDiff: .empty, serverDiff: .empty, lastGoodVersion: false,
                relevantToConflict: false)
            if version.version > 1, let base = version.baseVersion {
                let outsideBranch = version.branchId.map { walks[$0]!.lastContiguousWithTrunk < base } ?? false
                let isConflict = version.version != base + 1 || outsideBranch || version.appliedAs == .createAsUpdate
                reviewed.baseDiff = PropertyDiff(
                    received: version.dataReceived, against: authorView(of: version, in: versions, byNumber: byNumber))
                if let previous = byNumber[version.version - 1] {
                    reviewed.serverDiff = PropertyDiff(received: version.dataReceived, against: previous.dataWithLabel)
                }
                if isConflict {
                    reviewed.conflict = (version.conflictingProperties ?? []).isEmpty ? .soft : .hard
                    reviewed.resolved = resolvedThrough.map { version.version <= $0 } ?? false
                    if !reviewed.resolved && lastGood == 0 {
                        lastGood = version.version - 1
                        if let index = result.firstIndex(where: { $0.stored.version == lastGood }) { result[index].lastGoodVersion = true }
                    }
                }
                if lastGood > 0 { relevantBases.insert(base) }
            }
            result.append(reviewed)
        }
        for index in result.indices {
            let number = result[index].stored.version
            result[index].relevantToConflict = lastGood > 0 && (number >= lastGood || relevantBases.contains(number))
        }
        if lastGood == 0, !result.isEmpty { result[result.count - 1].lastGoodVersion = true }
        return result
    }

    /// What the author of `version` had on the phone: the trunk version (or the offline create's own data)
    /// with the earlier changes of the same branch applied in branch order. Without a branch, the base version.
    static func authorView(of version: StoredVersion, in versions: [StoredVersion], byNumber: [Int: StoredVersion]) -> EntityProperties {
        guard let branch = version.branchId else {
            return version.baseVersion.flatMap { byNumber[$0] }?.dataWithLabel ?? EntityProperties()
        }
        var view: EntityProperties
        if version.appliedAs == .createAsUpdate {
            return EntityProperties()  // a create: its author started from nothing
        } else if let trunk = version.trunkVersion, let trunkVersion = byNumber[trunk] {
            view = trunkVersion.dataWithLabel
        } else if let create = versions.first(where: {
            $0.branchId == branch && ($0.appliedAs == .create || $0.appliedAs == .createAsUpdate)
        }) {
            view = create.dataReceived
        } else {
            view = EntityProperties()
        }
        guard let position = version.branchBaseVersion else { return view }
        let earlier =
            versions
            .filter { $0.branchId == branch && ($0.appliedAs == .update || $0.appliedAs == .updateAsCreate) }
            .filter { ($0.branchBaseVersion ?? 0) < position }
            .sorted { ($0.branchBaseVersion ?? 0) < ($1.branchBaseVersion ?? 0) }
        for change in earlier { view = view.merging(change.dataReceived) }
        return view
    }
}

/// Follows one offline branch through the server's history: the last of its versions that no update
/// from outside the branch separates from the trunk.
struct BranchWalk {
    var lastContiguousWithTrunk: Int

    init(first: StoredVersion) {
        if let trunk = first.trunkVersion {
            lastContiguousWithTrunk = first.version == trunk + 1 ? first.version : 0
        } else {
            // Began with an offline create: version 2 normally, 1 when the create itself came late.
            lastContiguousWithTrunk = first.version == 2 ? 2 : 1
        }
    }

    mutating func add(_ version: StoredVersion) {
        if version.baseVersion == lastContiguousWithTrunk && version.version == lastContiguousWithTrunk + 1 {
            lastContiguousWithTrunk = version.version
        }
    }
}
