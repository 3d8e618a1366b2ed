import Entities
import EntityScenarios
import Foundation
import Testing

@testable import Ingest

@Suite struct MetricsTests {
    /// The value of one sample line (`name{labels} value`) in Prometheus text.
    func sample(_ text: String, _ series: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last!) }
    }

    @Test func metricsCountSubmissionsEntityWorkAndTheBacklog() async throws {
        try await Harness.run { harness in
            let changes = [
                Changes.create([("height", "10")]),
                Changes.update(base: 1, [("height", "12")]),
                Changes.update(base: 1, trunk: 1, branch: Changes.branchA, [("height", "11")]),
                Changes.update(base: 3, trunk: 1, branch: Changes.branchA, [("height", "13")]),
            ]
            let project = try await harness.upsertProject(changes)
            _ = try await harness.submitOpenRosa(project: project, xml: EntityScenarioHTTPTests.xml(changes[0], number: 0))
            _ = try await harness.submitOpenRosa(project: project, xml: Data("<broken".utf8))
            let response = try await harness.send(.get, "/metrics", token: .some(nil))
            #expect(response.status == .ok)
            let text = response.text
            #expect(sample(text, #"ingest_submissions_received_total{channel="openrosa"}"#) == 6)
            #expect(sample(text, #"ingest_submissions_stored_total{channel="openrosa"}"#) == 4)
            #expect(sample(text, #"ingest_submissions_duplicates_total{channel="openrosa"}"#) == 1)
            #expect(sample(text, #"ingest_submissions_rejected_total{code="400.1"}"#) == 1)
            #expect(sample(text, "ingest_entity_creates_total") == 1)
            #expect(sample(text, "ingest_entity_updates_total") == 2)
            #expect(sample(text, "ingest_entity_holds_total") == 1)
            #expect(sample(text, #"ingest_entity_conflicts_total{type="hard"}"#) == 1)
            #expect(sample(text, "ingest_backlog_depth") == 1)
            #expect(text.contains("ingest_request_duration_seconds_bucket"))
            #expect(text.contains("ingest_transaction_duration_seconds_count"))
        }
    }
}
