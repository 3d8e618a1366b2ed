import Hummingbird

/// Refuses a U+0000 anywhere in the path or query before any route reads it: SQLite and bcrypt would
/// silently cut a string at the first NUL, so what was checked would not be what was stored or compared.
struct InputGuardMiddleware: RouterMiddleware {
    typealias Context = GatewayContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let target = request.uri.string
        if Self.hasEncodedNull(target.utf8) {
            let problem = Problem.nullCharacter(field: "URL")
            // OpenRosa clients read an OpenRosa body; everyone else Central's JSON.
            throw request.headers[OpenRosa.versionHeader] != nil ? problem.asOpenRosa() : problem
        }
        return try await next(request, context)
    }

    /// A raw NUL byte or its `%00` escape.
    static func hasEncodedNull(_ bytes: String.UTF8View) -> Bool {
        var previous: (UInt8, UInt8) = (0xFF, 0xFF)
        for byte in bytes {
            if byte == 0 { return true }
            if previous.0 == UInt8(ascii: "%"), previous.1 == UInt8(ascii: "0"), byte == UInt8(ascii: "0") { return true }
            previous = (previous.1, byte)
        }
        return false
    }
}

extension String {
    var containsNull: Bool { utf8.contains(0) }
}
