/// Who may put a file into a submission's attachment slot, and which names are slots at all.
///
/// A submission's slots are the file names its form's binary fields hold; nothing else is stored. Central's
/// rule: an actor who may update submissions (a project manager, an administrator) may fill or replace any
/// slot; an actor who may only create them (a data collector, an app user) may only fill an empty slot of
/// its own submission while the submission has never been edited.
public enum AttachmentRule {
    public enum Slot: Equatable, Sendable {
        case notReferenced
        case empty
        case filled(sha256: String)
    }

    public enum Decision: Equatable, Sendable {
        case store
        /// The same bytes sent again (a phone retrying an upload): nothing to do.
        case unchanged
        case notReferenced
        case forbidden
    }

    /// `isResend` is an OpenRosa submission sent again with the same XML: identical bytes are then a retry,
    /// not an attempt to write.
    public static func decide(
        slot: Slot, incomingSHA256: String, mayReplace: Bool, isOwnUneditedSubmission: Bool, isResend: Bool
    ) -> Decision {
        switch slot {
        case .notReferenced: return .notReferenced
        case .filled(let stored):
            if isResend && stored == incomingSHA256 { return .unchanged }
            return mayReplace ? .store : .forbidden
        case .empty:
            return mayReplace || isOwnUneditedSubmission ? .store : .forbidden
        }
    }

    /// A name that can be a file name on any system the file is later saved to: not empty, at most 255 bytes,
    /// no path separators, no control characters, not `.` or `..`.
    public static func isAcceptableName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 255, name != ".", name != ".." else { return false }
        return !name.unicodeScalars.contains { $0 == "/" || $0 == "\\" || $0.value < 0x20 || $0.value == 0x7F }
    }
}
