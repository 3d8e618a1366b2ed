/// When a dataset requires approval: which review states release a submission's entity work, and which
/// leave it waiting.
public enum ApprovalRule {
    /// The one review state that lets waiting entity work run.
    public static let releasingState = "approved"

    /// Besides no review yet, the states of a submission still waiting (a rejected one never runs).
    public static let waitingStates = ["edited", "hasIssues"]

    public static func releases(reviewState: String) -> Bool { reviewState == releasingState }

    /// The event released entity work names as its trigger: the review update that approved the
    /// submission, as Central's audits show it, not the submission's arrival.
    public static let releaseEvent = "submission.update"
}

extension ApprovalRule {
    /// Approval gates creates only, as in Central: an update applies (or is held) on arrival, and an
    /// upsert waits only when it would create.
    public static func waits(wantsCreate: Bool, updatesExistingEntity: Bool) -> Bool {
        wantsCreate && !updatesExistingEntity
    }

    /// A forced update whose entity does not exist would create it; where approval is required, only an
    /// approval may create, so a change that arrived unapproved is dropped instead, as in Central.
    public static func dropsForcedCreate(approvalRequired: Bool, event: String, entityExists: Bool) -> Bool {
        approvalRequired && event != releaseEvent && !entityExists
    }
}
