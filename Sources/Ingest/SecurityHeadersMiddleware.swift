import Hummingbird

/// Every answer carries headers that stop a browser from running it as a page: stored XML or an uploaded
/// attachment may hold XHTML with scripts, and the origin is where an administrator's session lives.
/// Thrown problems are turned into responses here so that error answers carry the headers too.
/// A route that serves a real page (the dashboard) sets its own policy, which is kept.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = GatewayContext

    static let apiPolicy = "default-src 'none'; sandbox; frame-ancestors 'none'"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        } catch {
            // A failure no route anticipated: logged with its detail, answered as Central's 500 without it.
            context.logger.error("request failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            response = try Problem.internalError.response(from: request, context: context)
        }
        if response.headers[.contentSecurityPolicy] == nil {
            response.headers[.contentSecurityPolicy] = Self.apiPolicy
        }
        response.headers[.xContentTypeOptions] = "nosniff"
        if response.headers[HeaderNames.referrerPolicy] == nil {
            response.headers[HeaderNames.referrerPolicy] = "no-referrer"
        }
        return response
    }
}
