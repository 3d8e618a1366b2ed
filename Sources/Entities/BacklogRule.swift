/// What the backlog sweep does with changes that waited too long for their predecessor.
public enum BacklogRule {
    /// Forced changes go branch by branch, each branch from its earliest update, so a branch's later
    /// updates still build on its earlier ones. Changes that tie keep the order they were held in.
    public static func forcedFirst(_ a: HeldChange, _ b: HeldChange) -> Bool {
        (a.branchId ?? "", a.branchBaseVersion) < (b.branchId ?? "", b.branchBaseVersion)
    }

    public enum Disposition: Equatable, Sendable {
        case force
        /// Taken off the backlog without being applied, for this reason.
        case drop(reason: String)
    }

    /// A change whose submission or form was deleted (or is gone) while it waited is dropped, not applied.
    public static func disposition(submissionDeleted: Bool, formDeleted: Bool) -> Disposition {
        if submissionDeleted { return .drop(reason: "submission deleted") }
        if formDeleted { return .drop(reason: "form deleted") }
        return .force
    }
}
