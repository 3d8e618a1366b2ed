/// Which server version an update builds on.
public enum BaseVersionRule {
    public enum Lookup: Equatable, Sendable {
        /// A server version number.
        case version(Int)
        /// The version an offline branch made from its own update `branchBaseVersion`. It is later than
        /// `after`, the branch's trunk: a branch update applies only once its trunk exists.
        case branch(id: String, branchBaseVersion: Int, after: Int)
    }

    /// Without a branch, `baseVersion` names a server version. With one, it is the device's own counter:
    /// equal to the trunk (or 1), it is that server version; otherwise it is the version the same branch
    /// made from its previous update.
    public static func lookup(baseVersion: Int, trunkVersion: Int?, branchId: String?) -> Lookup {
        guard let branchId else { return .version(baseVersion) }
        if baseVersion == 1 || baseVersion == trunkVersion { return .version(baseVersion) }
        return .branch(id: branchId, branchBaseVersion: baseVersion - 1, after: trunkVersion ?? 0)
    }
}
