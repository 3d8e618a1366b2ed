import Entities
import EntityScenarios
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import Ingest
@testable import Store

/// The bad-input table (issue #17): every class of bad input a client can send, the exact answer it gets,
/// and proof that nothing of it was stored. `bad-input-table.md` lists the rows with Central's answers.
enum BadInput {
    static let openRosaHeaders: HTTPFields = [OpenRosa.versionHeader: "1.0"]

    /// Every table a bad request could leave a trace in.
    static let tables = [
        "submissions", "submission_defs", "submission_attachments", "entities", "entity_versions", "entity_inputs", "entity_backlog",
        "audits", "projects", "actors", "users", "assignments", "form_assignments", "forms", "form_defs", "form_attachments", "datasets",
        "dataset_properties", "sessions", "comments",
    ]

    /// The OpenRosa error envelope Collect reads, exactly as Central writes it.
    static func openRosaError(_ message: String) -> String {
        """

          <OpenRosaResponse xmlns="http://openrosa.org/http/response" items="0">
            <message nature="error">\(OpenRosa.escape(message))</message>
          </OpenRosaResponse>
        """
    }

    /// The site_photo submission `site-1` as text, to be broken in different ways.
    static func sitePhoto() throws -> String {
        String(decoding: try SampleFiles.submission("site_photo", "site-1"), as: UTF8.self)
    }

    /// A site_photo submission whose `<description>` holds `body` as it is (markup and all).
    static func sitePhoto(description body: String) throws -> String {
        try sitePhoto().replacingOccurrences(
            of: "<description>Oak stand by the north gate</description>", with: "<description>\(body)</description>")
    }
}

extension Harness {
    /// How many rows each table holds.
    func storedCounts() async throws -> [String: Int] {
        try await store.read { db in
            var counts: [String: Int] = [:]
            for table in BadInput.tables {
                counts[table] = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") ?? 0
            }
            return counts
        }
    }

    /// A raw OpenRosa POST to the project's `/submission` (no multipart framing added).
    func postOpenRosa(project: Int64, body: Data, contentType: String?, prefix: String = "/v1", token: String?? = .none) async throws
        -> TestResponse
    {
        try await send(
            .post, "\(prefix)/projects/\(project)/submission", token: token, headers: BadInput.openRosaHeaders, body: body,
            contentType: contentType)
    }

    /// A REST submission of `xml` to `form`.
    func postREST(project: Int64, form: String, xml: Data, contentType: String = "application/xml") async throws -> TestResponse {
        try await send(.post, "/v1/projects/\(project)/forms/\(form)/submissions", body: xml, contentType: contentType)
    }
}

/// The answer is Central's problem `code` with its HTTP status.
func expectProblem(
    _ response: TestResponse, _ code: Double, _ comment: String = "", sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(
        Int(response.status.code) == Int(code) && response.problemCode == code,
        "\(comment): got \(response.status.code) \(response.text.prefix(400))", sourceLocation: sourceLocation)
}

/// The answer is an OpenRosa error envelope with exactly `message`, and the HTTP status.
func expectOpenRosa(
    _ response: TestResponse, _ status: Int, _ message: String, _ comment: String = "", sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(
        Int(response.status.code) == status && response.text == BadInput.openRosaError(message),
        "\(comment): got \(response.status.code) \(response.text.prefix(400))", sourceLocation: sourceLocation)
    #expect(response.headers[.contentType]?.hasPrefix("text/xml") == true, "\(comment)", sourceLocation: sourceLocation)
}
