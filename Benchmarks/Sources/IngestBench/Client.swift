import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A keep-alive HTTP client speaking to the gateway as an administrator and as phones.
struct GatewayClient: Sendable {
    let http: HTTPClient
    let base: String
    var token = ""

    init(base: String, connections: Int) {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(120), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(120))
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.base = base
    }

    struct Answer {
        var status: Int
        var body: Data
        var json: Any? { try? JSONSerialization.jsonObject(with: body) }
    }

    func send(_ method: HTTPMethod, _ path: String, body: Data? = nil, contentType: String? = nil, headers extra: [(String, String)] = [])
        async throws -> Answer
    {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if !token.isEmpty { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        for (name, value) in extra { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await http.execute(request, timeout: .seconds(120))
        // Exports of a million submissions are a few hundred megabytes.
        let buffer = try await response.body.collect(upTo: 2 << 30)
        return Answer(status: Int(response.status.code), body: Data(buffer.readableBytesView))
    }

    func json(_ method: HTTPMethod, _ path: String, _ object: [String: Any]) async throws -> Answer {
        try await send(method, path, body: try JSONSerialization.data(withJSONObject: object), contentType: "application/json")
    }

    static let boundary = "----ingest-bench-boundary"

    /// An OpenRosa submission as Collect sends it.
    func submit(project: Int, xml: Data) async throws -> Answer {
        var body = Data()
        body.append(
            Data(
                "--\(Self.boundary)\r\nContent-Disposition: form-data; name=\"xml_submission_file\"; filename=\"submission.xml\"\r\nContent-Type: text/xml\r\n\r\n"
                    .utf8))
        body.append(xml)
        body.append(Data("\r\n--\(Self.boundary)--\r\n".utf8))
        return try await send(
            .POST, "/v1/projects/\(project)/submission", body: body, contentType: "multipart/form-data; boundary=\(Self.boundary)",
            headers: [("X-OpenRosa-Version", "1.0")])
    }

    mutating func logIn() async throws {
        let answer = try await json(.POST, "/v1/sessions", ["email": ServerProcess.email, "password": ServerProcess.password])
        guard let token = (answer.json as? [String: Any])?["token"] as? String else {
            throw BenchError.setup("login failed: \(answer.status)")
        }
        self.token = token
    }

    func shutdown() async { try? await http.shutdown() }
}

enum BenchError: Error, CustomStringConvertible {
    case setup(String)
    case failed(String)

    var description: String {
        switch self {
        case .setup(let text), .failed(let text): return text
        }
    }
}
