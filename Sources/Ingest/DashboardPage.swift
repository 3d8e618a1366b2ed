import Foundation
import HTTPTypes
import Hummingbird

/// What makes the dashboard a page of its own: its cookie, its security headers, its form handling.
///
/// The cookie is `HttpOnly` (no script reads it), `SameSite=Strict` (no other site's page sends it) and
/// `Path=/dashboard`, so the browser never sends it to the API: an administrator who opens a stored XML
/// file or attachment under `/v1` is not logged in there.
enum DashboardPage {
    static let cookieName = "ingest_dashboard"
    static let sessionLifetime: TimeInterval = 3600
    static let policy = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    static func cookie(_ token: String, secure: Bool, maxAge: Int = Int(sessionLifetime)) -> String {
        "\(cookieName)=\(token); Max-Age=\(maxAge); Path=/dashboard; HttpOnly; SameSite=Strict\(secure ? "; Secure" : "")"
    }

    static func sessionToken(_ request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if parts.count == 2, parts[0] == cookieName, !parts[1].isEmpty { return parts[1] }
            }
        }
        return nil
    }

    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.contentSecurityPolicy] = policy
        headers[.cacheControl] = "no-store"
        // With no-referrer, a browser would send `Origin: null` on the login form's post.
        headers[HeaderNames.referrerPolicy] = "same-origin"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func redirect(to path: String) -> Response {
        var headers = HTTPFields()
        headers[.location] = path
        headers[.contentSecurityPolicy] = policy
        headers[.cacheControl] = "no-store"
        headers[HeaderNames.referrerPolicy] = "same-origin"
        return Response(status: .seeOther, headers: headers)
    }

    /// A form post from one of our own pages: browsers send `Origin` with every POST, and another site's
    /// page would name itself there. A client that sends none (curl) is not a browser being misused.
    static func isSameOrigin(_ request: Request, publicURL: String?) -> Bool {
        guard let origin = request.headers[.origin] else { return true }
        if let publicURL, let url = URL(string: publicURL), let scheme = url.scheme, let host = url.host {
            let port = url.port.map { ":\($0)" } ?? ""
            if origin == "\(scheme)://\(host)\(port)" { return true }
        }
        guard let authority = request.head.authority else { return false }
        return origin == "http://\(authority)" || origin == "https://\(authority)"
    }

    /// An `application/x-www-form-urlencoded` body.
    static func formFields(_ body: Data) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
            // Empty pieces kept: a bare `=` is an empty name, not a pair with no parts.
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map { part in
                String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(part)
            }
            fields[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        return fields
    }
}
