import Foundation

/// The repository's SampleForms folder, found from this file's location.
enum SampleFiles {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("SampleForms")

    static func form(_ name: String) throws -> Data {
        try Data(contentsOf: root.appendingPathComponent("xforms/\(name).xml"))
    }

    static func submission(_ form: String, _ name: String) throws -> Data {
        try Data(contentsOf: root.appendingPathComponent("submissions/\(form)/\(name).xml"))
    }
}
