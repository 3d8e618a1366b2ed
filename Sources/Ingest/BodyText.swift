import Entities

extension JSONObject {
    /// A text field of a request body: nil when it is absent or null, 400.11 when it is there but not a string
    /// (a number where a name belongs is a type error, not a missing name).
    func text(_ field: String) throws -> String? {
        guard let value = self[field], value != .null else { return nil }
        guard let text = value.stringValue else { throw Problem.invalidDataType(field: field, expected: "string") }
        return text
    }
}
