import Entities
import EntityScenarios
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdBcrypt
import HummingbirdTesting
import Store

@testable import Ingest

/// A gateway on a fresh database, driven in-process, with an administrator logged in.
struct Harness: Sendable {
    let store: GatewayStore
    let client: any TestClientProtocol
    let adminToken: String

    static let adminEmail = "admin@example.com"
    static let adminPassword = "correct horse battery"

    static func run(
        configuration: GatewayConfiguration = GatewayConfiguration(), _ body: @escaping @Sendable (Harness) async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let metrics = GatewayMetrics()
        let store = try GatewayStore(path: directory.appendingPathComponent("gateway.sqlite").path, observer: metrics.storeObserver)
        _ = try await store.createUser(
            email: adminEmail, passwordHash: Bcrypt.hash(adminPassword, cost: 4), displayName: "Admin", isAdmin: true)
        let app = Application(router: Gateway(store: store, configuration: configuration, metrics: metrics).router())
        try await app.test(.router) { client in
            let login = try await client.execute(
                uri: "/v1/sessions", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"email":"\#(adminEmail)","password":"\#(adminPassword)"}"#))
            let token = try JSONValue.parse(Data(login.body.readableBytesView))["token"]!.stringValue!
            try await body(Harness(store: store, client: client, adminToken: token))
        }
    }

    /// A request as the administrator unless another token (or none) is given.
    @discardableResult
    func send(
        _ method: HTTPRequest.Method, _ uri: String, token: String?? = .none, headers: HTTPFields = [:], body: Data? = nil,
        contentType: String? = nil
    ) async throws -> TestResponse {
        var headers = headers
        let bearer: String? = token ?? adminToken
        if let bearer { headers[.authorization] = "Bearer \(bearer)" }
        if let contentType { headers[.contentType] = contentType }
        return try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(bytes: $0) })
    }

    @discardableResult
    func sendJSON(_ method: HTTPRequest.Method, _ uri: String, _ json: JSONValue, token: String?? = .none) async throws -> TestResponse {
        try await send(method, uri, token: token, body: json.data, contentType: "application/json")
    }

    func createProject(_ name: String = "Trees") async throws -> Int64 {
        let response = try await sendJSON(.post, "/v1/projects", ["name": .string(name)])
        return try response.json()["id"]!.intValue!
    }

    @discardableResult
    func publishForm(_ name: String, project: Int64) async throws -> TestResponse {
        try await send(.post, "/v1/projects/\(project)/forms?publish=true", body: SampleFiles.form(name), contentType: "application/xml")
    }

    /// An OpenRosa multipart submission with the XML and any media files.
    func submitOpenRosa(
        project: Int64, xml: Data, files: [(name: String, contentType: String, data: Data)] = [], prefix: String = "/v1",
        token: String?? = .none
    ) async throws -> TestResponse {
        let boundary = "----gateway-test-boundary"
        var body = Data()
        func part(_ name: String, _ filename: String, _ contentType: String, _ data: Data) {
            body.append(
                Data(
                    "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(filename)\"\r\nContent-Type: \(contentType)\r\n\r\n"
                        .utf8))
            body.append(data)
            body.append(Data("\r\n".utf8))
        }
        part("xml_submission_file", "submission.xml", "text/xml", xml)
        for file in files { part(file.name, file.name, file.contentType, file.data) }
        body.append(Data("--\(boundary)--\r\n".utf8))
        return try await send(
            .post, "\(prefix)/projects/\(project)/submission", token: token, headers: [OpenRosa.versionHeader: "1.0"], body: body,
            contentType: "multipart/form-data; boundary=\(boundary)")
    }

    func audits(_ action: String) async throws -> [JSONValue] {
        try await send(.get, "/v1/audits?action=\(action)").json().arrayValue ?? []
    }
}

extension TestResponse {
    func json() throws -> JSONValue { try JSONValue.parse(Data(body.readableBytesView)) }
    var text: String { String(decoding: body.readableBytesView, as: UTF8.self) }
    var data: Data { Data(body.readableBytesView) }
    /// Central's problem code from a JSON error body.
    var problemCode: Double? {
        guard case .double(let code)? = (try? json())?["code"] else { return nil }
        return code
    }
}

extension Harness {
    static func bcrypt(_ password: String) -> String { Bcrypt.hash(password, cost: 4) }
}

extension Harness {
    /// A project with trees_upsert published and `changes` sent to it as OpenRosa submissions, in order.
    func upsertProject(_ changes: [EntityChange]) async throws -> Int64 {
        let project = try await createProject()
        try await publishForm("trees_upsert", project: project)
        for (number, change) in changes.enumerated() {
            _ = try await submitOpenRosa(project: project, xml: EntityScenarioHTTPTests.xml(change, number: number))
        }
        return project
    }
}
