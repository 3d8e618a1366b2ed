import Entities

/// Central's password rules: a string of at least 10 characters and at most 72 bytes (bcrypt reads no
/// further). Central also asks zxcvbn for a strength score; there is no port of it here.
enum PasswordRule {
    static func check(_ value: JSONValue?) throws -> String {
        guard let password = value?.stringValue else {
            throw Problem(
                code: 400.11, message: "Invalid input data type: expected \"\(value?.serialized() ?? "undefined")\" to be (string)",
                details: ["expected": "string"])
        }
        guard password.utf16.count >= 10 else {
            throw Problem(code: 400.21, message: "The password or passphrase provided does not meet the required length.")
        }
        guard password.utf8.count <= 72 else {
            throw Problem(code: 400.38, message: "The password or passphrase provided exceeds the maximum length.")
        }
        guard !password.containsNull else { throw Problem.nullCharacter(field: "password") }
        return password
    }
}
