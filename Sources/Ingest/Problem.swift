import Entities
import Foundation
import Hummingbird

/// A Central "Problem": the numeric code (HTTP status plus a sub-code), message and details.
struct Problem: Error, HTTPResponseError {
    var code: Double
    var message: String
    /// An object, except for 400.39 whose details are a plain string, as Central's.
    var details: JSONValue?
    /// OpenRosa routes answer with an `<OpenRosaResponse>` instead of JSON.
    var openRosa = false
    /// Seconds for a `Retry-After` header (a busy server's 503).
    var retryAfter: Int?

    var status: HTTPResponse.Status { .init(code: Int(code)) }

    func asOpenRosa() -> Problem {
        var copy = self
        copy.openRosa = true
        return copy
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response: Response
        if openRosa {
            response = OpenRosa.response(status: status, message: message, nature: "error")
        } else {
            var body: JSONObject = ["message": .string(message), "code": .double(code)]
            if let details { body["details"] = details }
            response = JSONResponse.make(.object(body), status: status)
        }
        if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
        return response
    }
}

extension Problem {
    static let notFound = Problem(code: 404.1, message: "Could not find the resource you were looking for.")
    static let authenticationFailed = Problem(code: 401.2, message: "Could not authenticate with the provided credentials.")
    static let insufficientRights = Problem(
        code: 403.1, message: "The authentication you provided does not have rights to perform that action.")
    static let requestTooLarge = Problem(code: 400.36, message: "Request body too large.")
    static let internalError = Problem(code: 500.1, message: "Internal Server Error")
    static let uploadNotWritten = Problem(code: 500.1, message: "The upload could not be written to disk.")

    static func missingParameter(_ field: String) -> Problem {
        Problem(code: 400.2, message: "Required parameter \(field) missing.", details: ["field": .string(field)])
    }

    static func missingParameters(expected: [String], got: JSONObject) -> Problem {
        let printed = got.pairs.map { "\($0.key): \($0.value.stringValue ?? $0.value.serialized())" }.joined(separator: ", ")
        return Problem(
            code: 400.3, message: "Required parameters missing. Expected (\(expected.joined(separator: ", "))), got (\(printed)).",
            details: ["expected": .array(expected.map(JSONValue.string)), "got": .object(got)])
    }

    static func unexpectedValue(field: String, value: String, reason: String) -> Problem {
        Problem(
            code: 400.8, message: "Unexpected \(field) value \(value); \(reason)",
            details: ["field": .string(field), "value": .string(value), "reason": .string(reason)])
    }

    static func unparseable(format: String, rawLength: Int) -> Problem {
        Problem(
            code: 400.1, message: "Could not parse the given data (\(rawLength) chars) as \(format).",
            details: ["format": .string(format), "rawLength": .int(Int64(rawLength))])
    }

    static func invalidDataType(field: String, expected: String) -> Problem {
        Problem(
            code: 400.11, message: "Invalid input data type: expected (\(field)) to be (\(expected))",
            details: ["field": .string(field), "expected": .string(expected)])
    }

    static func invalidEntityForm(_ reason: String) -> Problem {
        Problem(code: 400.25, message: "The entity definition within the form is invalid. \(reason)", details: ["reason": .string(reason)])
    }

    static func uniquenessViolation(fields: [String], values: [String], table: String?) -> Problem {
        var details: JSONObject = [
            "fields": .array(fields.map(JSONValue.string)), "values": .array(values.map(JSONValue.string)),
        ]
        if let table { details["table"] = .string(table) }
        return Problem(
            code: 409.3,
            message: "A resource already exists with \(fields.joined(separator: ",")) value(s) of \(values.joined(separator: ",")).",
            details: .object(details))
    }

    static let xmlConflict = Problem(
        code: 409.1,
        message:
            "A submission already exists with this ID, but with different XML. Resubmissions to attach additional multimedia must resubmit an identical xml_submission_file."
    )
    static let notAcceptingSubmissions = Problem(
        code: 409.2,
        message: "This form is not currently accepting submissions. Please talk to your program staff if this is unexpected.")

    static func formVersionNotFound(_ version: String) -> Problem {
        Problem(
            code: 404.6, message: "The form version specified in this submission '\(version)' does not exist.",
            details: ["formVersion": .string(version)])
    }

    static func versionUniquenessViolation(xmlFormId: String, version: String) -> Problem {
        Problem(
            code: 409.6,
            message:
                "You tried to publish the form '\(xmlFormId)' with version '\(version)', but a published form has already existed in this project with those identifiers.",
            details: ["xmlFormId": .string(xmlFormId), "version": .string(version)])
    }

    static func deprecatingOldSubmission(_ deprecatedId: String) -> Problem {
        Problem(
            code: 409.9,
            message:
                "You tried to update a submission, but the copy you were editing (\(deprecatedId)) is now out of date. Please get the new version that has been submitted, and make your edits again.",
            details: ["deprecatedId": .string(deprecatedId)])
    }

    static func deprecatedIdNotFound(_ deprecatedId: String) -> Problem {
        Problem(
            code: 404.5,
            message: "You tried to update an existing submission, but we can't find that submission to update (\(deprecatedId))",
            details: ["deprecatedId": .string(deprecatedId)])
    }

    static let expectedDeprecation = Problem(
        code: 400.19,
        message:
            "This PUT endpoint expects a deprecatedID metadata tag pointing at the current version instanceID. I cannot find that tag in your request."
    )

    static func missingMultipartField(_ field: String) -> Problem {
        Problem(code: 400.7, message: "Required multipart POST field \(field) missing.", details: ["field": .string(field)])
    }

    static func invalidHeader(_ field: String, value: String?) -> Problem {
        Problem(
            code: 400.6,
            message: "An expected header field (\(field)) did not match the expected format (got: \(value ?? "[nothing]")).",
            details: ["field": .string(field), "value": JSONValue(value)])
    }

    static func multipartParsingFailed(_ detail: String) -> Problem {
        Problem(code: 400.39, message: "Multipart form content failed to parse.", details: .string(detail))
    }
}

extension Problem {
    /// A U+0000 in text a client sent: refused rather than cut short by the database or the password hash.
    static func nullCharacter(field: String) -> Problem {
        Problem.unexpectedValue(field: field, value: "(text containing U+0000)", reason: "a null character is not accepted.")
    }
}

extension Problem {
    /// A file name that could not be saved as it is on every system: a path, control characters, too long.
    static func unacceptableFileName(_ name: String) -> Problem {
        let shown = String(name.unicodeScalars.prefix(80).map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
        return Problem.unexpectedValue(
            field: "file name", value: shown,
            reason: "a file name may not contain / or \\ or control characters, and may be at most 255 bytes.")
    }
}

extension Problem {
    /// Every large-upload slot is taken: the client should send again a little later.
    static func busyWithUploads(retryAfter seconds: Int) -> Problem {
        var problem = Problem(
            code: 503.1, message: "The server is receiving as many large uploads as it takes at once. Please try again shortly.")
        problem.retryAfter = seconds
        return problem
    }
}

extension Problem {
    /// Ours: Central has no limit on password guesses.
    static func tooManyLoginFailures(retryAfter seconds: Int) -> Problem {
        var problem = Problem(
            code: 429.1, message: "Too many failed login attempts. Please wait \(seconds) seconds and try again.",
            details: ["retryAfter": .int(Int64(seconds))])
        problem.retryAfter = seconds
        return problem
    }
}
