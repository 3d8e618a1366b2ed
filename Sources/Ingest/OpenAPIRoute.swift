import HTTPTypes
import Hummingbird
import NIOCore

extension Gateway {
    /// `GET /v1/openapi.yaml`: the OpenAPI document of this server, built into the binary from
    /// `Sources/Ingest/OpenAPI/openapi.yaml`. It needs no credentials: it describes the API, not its data.
    func addOpenAPIRoute(to router: GatewayRouter) {
        router.get("/v1/openapi.yaml") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "application/yaml"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.bytes)))
        }
    }
}

/// The OpenAPI document's bytes, as SwiftPM embedded them (`.embedInCode` in Package.swift).
enum OpenAPIDocument {
    static let bytes: [UInt8] = PackageResources.openapi_yaml
}
