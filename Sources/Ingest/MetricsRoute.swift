import Foundation
import Hummingbird
import Store

extension Gateway {
    /// Prometheus text format. Gauges that describe stored state are read at scrape time.
    func addMetricsRoute(to router: GatewayRouter) {
        router.get("/metrics") { _, _ in
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
}
