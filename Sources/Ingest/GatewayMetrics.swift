import Entities
import Foundation
import Metrics
import Prometheus
import Store

/// The gateway's metrics, kept in its own Prometheus registry through swift-metrics (no global bootstrap,
/// so every server and every test has its own).
public final class GatewayMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory

    public init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        let fine: [Duration] = [
            .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(20),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
        ]
        factory.durationHistogramBuckets = ["ingest_request_duration_seconds": fine, "ingest_transaction_duration_seconds": fine]
        factory.valueHistogramBuckets = ["ingest_transaction_writes": [1, 2, 4, 8, 16, 32, 64, 128, 256]]
        self.factory = factory
    }

    func count(_ label: String, _ dimensions: [(String, String)] = [], by amount: Int = 1) {
        Counter(label: label, dimensions: dimensions, factory: factory).increment(by: amount)
    }

    func gauge(_ label: String, _ value: Double) {
        Gauge(label: label, factory: factory).record(value)
    }

    func requestFinished(method: String, status: Int, seconds: Double) {
        Timer(
            label: "ingest_request_duration_seconds", dimensions: [("method", method), ("status", String(status / 100) + "xx")],
            factory: factory
        )
        .recordNanoseconds(Int64(seconds * 1e9))
    }

    /// What the store reports: entity work after it survived its savepoints, and each commit.
    public var storeObserver: StoreObserver {
        StoreObserver(
            entityEvents: { [self] events in self.entityEvents(events) },
            transaction: { [self] writes, seconds in
                Timer(label: "ingest_transaction_duration_seconds", factory: self.factory).recordNanoseconds(Int64(seconds * 1e9))
                Recorder(label: "ingest_transaction_writes", factory: self.factory).record(writes)
            })
    }

    func entityEvents(_ events: [EntityEvent]) {
        for event in events {
            switch event {
            case .created: count("ingest_entity_creates_total")
            case .updated(_, _, let conflict, _):
                count("ingest_entity_updates_total")
                if let conflict { count("ingest_entity_conflicts_total", [("type", conflict.rawValue)]) }
            case .held: count("ingest_entity_holds_total")
            case .reprocessed: count("ingest_entity_releases_total")
            case .forced: count("ingest_entity_forced_total")
            case .failed(_, let problem): count("ingest_entity_errors_total", [("code", String(problem.code))])
            case .resolved, .deleted: break
            }
        }
    }

    /// The Prometheus text exposition.
    func exposition() -> String { registry.emitToString() }
}
