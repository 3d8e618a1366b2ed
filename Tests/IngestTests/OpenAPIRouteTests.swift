import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Store
import Testing

@testable import Ingest

/// The OpenAPI document is served as built from its one source file, and it describes exactly the routes the
/// router has: a route added without documenting it, or a documented path that is not served, fails here.
@Suite struct OpenAPIRouteTests {
    static let source = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/Ingest/OpenAPI/openapi.yaml")

    /// `METHOD /path` for every operation under `paths:`. The document is written in block style with paths at
    /// two spaces and methods at four, which is all this reads (it is not a YAML parser).
    static func documentedOperations(_ text: String) -> Set<String> {
        let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options"]
        var operations: Set<String> = []
        var inPaths = false
        var path: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if !line.hasPrefix(" ") {
                inPaths = line == "paths:"
                continue
            }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), !line.hasPrefix("   "), line.hasSuffix(":") {
                path = String(line.dropFirst(2).dropLast())
            } else if line.hasPrefix("    "), !line.hasPrefix("     "), let path {
                let key = line.dropFirst(4).split(separator: ":").first.map(String.init) ?? ""
                if methods.contains(key) { operations.insert("\(key.uppercased()) \(path)") }
            }
        }
        return operations
    }

    static func registeredOperations() throws -> Set<String> {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-openapi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try GatewayStore(path: directory.appendingPathComponent("gateway.sqlite").path)
        let router = Gateway(store: store, configuration: GatewayConfiguration()).router()
        return Set(router.routes.map { "\($0.method.rawValue) \($0.path.description)" })
    }

    @Test func theServedDocumentIsTheSourceFileWithNoCredentials() async throws {
        let onDisk = try Data(contentsOf: Self.source)
        try await Harness.run { harness in
            let response = try await harness.send(.get, "/v1/openapi.yaml", token: .some(nil))
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/yaml")
            #expect(Data(response.body.readableBytesView) == onDisk)
            SecurityHeaderTests.expectLockedDown(response, "openapi.yaml")
        }
    }

    @Test func everyRegisteredRouteIsDocumented() throws {
        let documented = Self.documentedOperations(try String(contentsOf: Self.source, encoding: .utf8))
        var missing: [String] = []
        for route in try Self.registeredOperations() {
            // The document declares that every /v1/projects path is also served under the app-user key prefix.
            let unkeyed = route.replacingOccurrences(of: " /v1/key/{token}/projects", with: " /v1/projects")
            if documented.contains(route) || documented.contains(unkeyed) { continue }
            // An OData service's catch-all (`.svc/**`): covered by the documented paths under that service.
            if unkeyed.hasSuffix("/**"), documented.contains(where: { $0.hasPrefix(unkeyed.dropLast(2)) }) { continue }
            missing.append(route)
        }
        #expect(missing.sorted() == [], "routes the router serves that openapi.yaml does not describe")
    }

    @Test func everyDocumentedOperationIsServed() throws {
        let registered = try Self.registeredOperations()
        let documented = Self.documentedOperations(try String(contentsOf: Self.source, encoding: .utf8))
        #expect(documented.count > 100)
        let catchAlls = registered.filter { $0.hasSuffix("/**") }.map { String($0.dropLast(2)) }
        let unserved = documented.filter { operation in
            !registered.contains(operation) && !catchAlls.contains(where: { operation.hasPrefix($0) })
        }
        #expect(unserved.sorted() == [], "operations openapi.yaml describes that the router does not serve")
    }
}
