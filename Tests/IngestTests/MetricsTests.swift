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

    @Test func metricsCountReleasesForcedApplicationsAndEntityErrors() async throws {
        try await Harness.run { harness in
            let branchB = "b7b0c0de-0000-4000-8000-00000000000b"
            let missing = "e7000000-0000-4000-8000-0000000000ff"
            let changes = [
                Changes.create([("height", "10")]),
                Changes.update(base: 2, trunk: 1, branch: Changes.branchA, [("height", "12")]),  // held for base 1
                Changes.update(base: 1, trunk: 1, branch: Changes.branchA, [("height", "11")]),  // applies, releases it
                Changes.update(base: 2, trunk: 1, branch: branchB, [("height", "20")]),  // held, later forced
                Changes.update(missing, base: 1, [("height", "1")]),  // no such entity: 404.8
            ]
            let project = try await harness.upsertProject(changes)
            let forced = try await harness.send(.post, "/v1/backlog/process?force=true").json()
            #expect(forced["processed"]?.intValue == 1)
            let text = try await harness.send(.get, "/metrics", token: .some(nil)).text
            #expect(sample(text, "ingest_entity_holds_total") == 2)
            #expect(sample(text, "ingest_entity_releases_total") == 1)
            #expect(sample(text, "ingest_entity_forced_total") == 1)
            #expect(sample(text, #"ingest_entity_errors_total{code="404.8"}"#) == 1)
            #expect(sample(text, "ingest_backlog_depth") == 0)
            let versions = try await harness.send(
                .get, "/v1/projects/\(project)/datasets/trees/entities/\(Changes.tree)/versions"
            ).json().arrayValue
            #expect(versions?.count == 4, "create, both branch A updates and the forced branch B one")
        }
    }
}
