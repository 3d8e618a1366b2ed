import Foundation
import Hummingbird
import Store

extension Gateway {
    /// Prometheus text format. Gauges that describe stored state are read at scrape time.
    func addMetricsRoute(to router: GatewayRouter) {
        router.get("/metrics") { request, _ in
            if let token = configuration.metricsToken {
                let presented = request.headers[.authorization].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
                guard let presented, Self.constantTimeEquals(presented, token) else { throw Problem.authenticationFailed }
            }
            let summary = try await store.backlogSummary()
            metrics.gauge("ingest_backlog_depth", Double(summary.held))
            let age = summary.oldestAge() ?? 0
            metrics.gauge("ingest_backlog_oldest_age_seconds", age)
            let facts = try await store.healthFacts(projectId: nil)
            metrics.gauge("ingest_consistency_last_pass_checked", Double(facts.lastPass?.checked ?? 0))
            metrics.gauge("ingest_consistency_last_pass_invalid", Double(facts.lastPass?.invalid ?? 0))
            metrics.gauge("ingest_entity_inconsistencies_last_day", Double(facts.inconsistenciesLastDay))
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: metrics.exposition())))
        }
    }

    /// Compares without stopping at the first difference, so the time taken says nothing about the token.
    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8), right = Array(b.utf8)
        guard left.count == right.count else { return false }
        return zip(left, right).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
