import Foundation

/// The repository's SampleForms folder, found from this file's location, for every test target.
public enum SampleFiles {
    public static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("SampleForms")

    public static func form(_ name: String) throws -> Data {
        try Data(contentsOf: root.appendingPathComponent("xforms/\(name).xml"))
    }

    public static func submission(_ form: String, _ name: String) throws -> Data {
        try Data(contentsOf: root.appendingPathComponent("submissions/\(form)/\(name).xml"))
    }

    public static func file(_ path: String) throws -> Data {
        try Data(contentsOf: root.appendingPathComponent(path))
    }
}
