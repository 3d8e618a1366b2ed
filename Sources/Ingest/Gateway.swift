import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Store

typealias GatewayRouter = Router<GatewayContext>

/// The HTTP application: routes over a store.
public struct Gateway: Sendable {
    let store: GatewayStore
    let configuration: GatewayConfiguration
    let access: Access
    let metrics: GatewayMetrics
    let uploads: Uploads
    let entityLists: EntityListCache
    let xlsform: XLSFormConverter?

    /// `metrics` should be the one whose `storeObserver` the store was opened with.
    public init(store: GatewayStore, configuration: GatewayConfiguration, metrics: GatewayMetrics = GatewayMetrics()) {
        self.store = store
        self.configuration = configuration
        self.access = Access(store: store)
        self.metrics = metrics
        self.uploads = Uploads(configuration: configuration)
        self.entityLists = EntityListCache(directory: configuration.scratchDirectory + "/entity-lists")
        self.xlsform = configuration.xlsformConverter.map {
            XLSFormConverter(command: $0, scratchDirectory: configuration.scratchDirectory)
        }
    }

    public func router() -> Router<GatewayContext> {
        let router = GatewayRouter(context: GatewayContext.self)
        router.add(middleware: RequestMetricsMiddleware(metrics: metrics))
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: InputGuardMiddleware())
        router.add(middleware: UnknownRouteMiddleware())
        router.get("/healthz") { _, _ in JSONResponse.make(["status": "ok"]) }
        addMetricsRoute(to: router)
        addOpenAPIRoute(to: router)
        addSessionRoutes(to: router)
        addUserRoutes(to: router)
        addDraftTestingRoutes(to: router)
        addSiteAssignmentRoutes(to: router)
        addAuditRoutes(to: router)
        addBacklogRoutes(to: router)
        addConsistencyRoutes(to: router)
        addDashboardRoutes(to: router)
        // Devices configured with an app user's key reach the same project routes under /v1/key/{token}.
        for prefix in ["/v1", "/v1/key/:token"] {
            addProjectRoutes(to: router, prefix: prefix)
            addAssignmentRoutes(to: router, prefix: prefix)
            addFormRoutes(to: router, prefix: prefix)
            addOpenRosaRoutes(to: router, prefix: prefix)
            addSubmissionRoutes(to: router, prefix: prefix)
            addCommentRoutes(to: router, prefix: prefix)
            addSubmissionHistoryRoutes(to: router, prefix: prefix)
            addExportRoutes(to: router, prefix: prefix)
            addSubmissionODataRoutes(to: router, prefix: prefix)
            addDatasetRoutes(to: router, prefix: prefix)
            addEntityRoutes(to: router, prefix: prefix)
        }
        return router
    }

    /// The server with its background services: the backlog sweep, and the consistency pass when asked for.
    public func application(logger: Logger = Logger(label: "ingest")) -> some ApplicationProtocol {
        var services: [any Service] = [
            PeriodicService.backlogSweep(store: store, configuration: configuration, logger: logger),
            PeriodicService.sessionPruning(store: store, logger: logger),
        ]
        if configuration.consistencySweepSeconds > 0 {
            services.append(PeriodicService.consistencySweep(store: store, configuration: configuration, logger: logger))
        }
        let headTimeout = TimeAmount.seconds(Int64(configuration.requestHeadTimeoutSeconds))
        return Application(
            router: router(),
            server: .http1(configuration: .init(additionalChannelHandlers: [RequestHeadTimeout(timeout: headTimeout)])),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "ingest"),
            services: services,
            logger: logger)
    }
}

/// Central answers an unknown route, or a record that went while the request ran, with its 404.1 problem in JSON.
struct UnknownRouteMiddleware: RouterMiddleware {
    typealias Context = GatewayContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            throw Problem.notFound
        } catch StoreError.notFound {
            throw Problem.notFound
        }
    }
}

/// Times every request for the latency histogram.
struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = GatewayContext
    let metrics: GatewayMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        func seconds() -> Double {
            let elapsed = ContinuousClock.now - started
            return elapsed.seconds
        }
        do {
            let response = try await next(request, context)
            metrics.requestFinished(method: request.method.rawValue, status: response.status.code, seconds: seconds())
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            metrics.requestFinished(method: request.method.rawValue, status: status, seconds: seconds())
            throw error
        }
    }
}
