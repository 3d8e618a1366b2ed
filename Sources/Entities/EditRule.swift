/// What an edited submission (a new version carrying `deprecatedID`) does to entities.
public enum EditRule {
    /// The submission event of an edit.
    public static let event = "submission.update.version"

    /// An edit changes an entity again only when its block asks for an update; a block that an earlier
    /// version of the same submission already turned into an entity version is otherwise left alone.
    public static func shouldProcess(_ change: EntityChange, entityTouchedByEarlierVersion: Bool) -> Bool {
        !entityTouchedByEarlierVersion || change.wantsUpdate
    }
}
