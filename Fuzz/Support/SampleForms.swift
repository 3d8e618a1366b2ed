import Foundation

/// The repository's sample forms, read where this file sits (fuzzing runs from a checkout).
public enum SampleForms {
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("SampleForms")

    /// Every XForm in `SampleForms/xforms`.
    public static func xforms() -> [Data] {
        let directory = root.appendingPathComponent("xforms")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.sorted().compactMap { FileManager.default.contents(atPath: directory.appendingPathComponent($0).path) }
    }
}
