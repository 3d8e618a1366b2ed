import Entities
import EntityScenarios
import Foundation
import GRDB
import Testing

@testable import Ingest
@testable import Store

/// Damage a database on purpose; validation must find it, replay must repair it.
@Suite struct ConsistencyTests {
    static let tree = Changes.tree

    /// An entity with four versions: create, an online update, and an offline branch (one held, then released).
    func history(_ harness: Harness) async throws -> String {
        let project = try await harness.upsertProject([
            Changes.create([("height", "10"), ("circumference", "20")]),
            Changes.update(base: 1, [("height", "12")]),
            Changes.update(base: 2, trunk: 1, branch: Changes.branchA, [("circumference", "31")]),
            Changes.update(base: 1, trunk: 1, branch: Changes.branchA, [("circumference", "30")]),
        ])
        return "/v1/projects/\(project)/datasets/trees/entities/\(Self.tree)"
    }

    func corrupt(_ harness: Harness, _ sql: String) async throws {
        try await harness.store.pool.write { db in try db.execute(sql: sql) }
    }

    @Test(arguments: [
        (
            "changed data", "UPDATE entity_versions SET data = '{\"height\":\"99\",\"circumference\":\"20\"}' WHERE version = 2",
            ["data", "replay"]
        ),
        ("deleted middle version", "DELETE FROM entity_versions WHERE version = 2", ["versionNumbers", "currentVersion", "replay"]),
        ("entity behind its history", "UPDATE entities SET current_version = 3", ["currentVersion", "replay"]),
        ("flipped conflict", "UPDATE entities SET conflict = 'hard'", ["conflict", "replay"]),
    ])
    func damageIsFoundNamedAndRepairedByReplay(_ name: String, _ sql: String, _ kinds: [String]) async throws {
        try await Harness.run { harness in
            let base = try await history(harness)
            let clean = try await harness.send(.get, "\(base)/consistency").json()
            #expect(clean["valid"]?.boolValue == true, "\(name): \(clean.serialized())")
            #expect(clean["versions"]?.intValue == 4)

            try await corrupt(harness, sql)
            let damaged = try await harness.send(.get, "\(base)/consistency").json()
            #expect(damaged["valid"]?.boolValue == false, "\(name)")
            let found = Set(damaged["inconsistencies"]?.arrayValue?.compactMap { $0["kind"]?.stringValue } ?? [])
            #expect(found.isSuperset(of: Set(kinds)), "\(name): \(found)")
            #expect(damaged["inconsistencies"]?.arrayValue?.allSatisfy { $0["field"]?.stringValue != nil } == true)

            let dryRun = try await harness.send(.post, "\(base)/replay").json()
            #expect(dryRun["applied"]?.boolValue == false)
            #expect(dryRun["replayed"]?.arrayValue?.count == 4)
            let repaired = try await harness.send(.post, "\(base)/replay?apply=true").json()
            #expect(repaired["applied"]?.boolValue == true, "\(name)")
            let again = try await harness.send(.get, "\(base)/consistency").json()
            #expect(again["valid"]?.boolValue == true, "\(name): \(again.serialized())")
            let audit = try #require(try await harness.audits("entity.repair").first)
            #expect(audit["details"]?["before"] != nil && audit["details"]?["after"] != nil)
            let versions = try await harness.send(.get, "\(base)/versions").json().arrayValue ?? []
            #expect(
                versions.last?["source"]?["submission"]?["instanceId"]?.stringValue == "uuid:00000000-0000-4000-8000-000000000002",
                "repair keeps where each version came from")
        }
    }

    @Test func reportAndHealthReflectTheLastFullPass() async throws {
        try await Harness.run { harness in
            let base = try await history(harness)
            let healthy = try await harness.send(.get, "/v1/consistency/health").json()
            #expect(healthy["status"]?.stringValue == "healthy")
            #expect(healthy["lastFullPass"] == .null)
            try await corrupt(harness, "UPDATE entities SET conflict = 'hard'")
            let report = try await harness.send(.get, "/v1/consistency/report").json()
            #expect(report["checked"]?.intValue == 1)
            #expect(report["invalid"]?.intValue == 1)
            #expect(report["byKind"]?["conflict"]?.intValue == 1)
            #expect(report["invalidEntities"]?.arrayValue?.first?["uuid"]?.stringValue == Self.tree)
            let unhealthy = try await harness.send(.get, "/v1/consistency/health").json()
            #expect(unhealthy["status"]?.stringValue == "unhealthy")
            _ = try await harness.send(.post, "\(base)/replay?apply=true")
            _ = try await harness.send(.get, "/v1/consistency/report")
            #expect(try await harness.send(.get, "/v1/consistency/health").json()["status"]?.stringValue == "healthy")
        }
    }

    @Test func reportPagesThroughEntitiesOfSeveralDatasets() async throws {
        try await Harness.run { harness in
            _ = try await history(harness)
            let project = try await harness.createProject("Wells")
            _ = try await harness.sendJSON(.post, "/v1/projects/\(project)/datasets", ["name": "wells"])
            _ = try await harness.sendJSON(.post, "/v1/projects/\(project)/datasets/wells/properties", ["name": "depth"])
            let wells: [JSONValue] = (0..<5).map { .object(["label": .string("Well \($0)"), "data": ["depth": .string("\($0)")]]) }
            _ = try await harness.sendJSON(
                .post, "/v1/projects/\(project)/datasets/wells/entities", ["entities": .array(wells), "source": ["name": "t"]])
            try await corrupt(harness, "UPDATE entity_versions SET label = 'Broken' WHERE id = (SELECT MAX(id) FROM entity_versions)")
            try await corrupt(harness, "UPDATE entity_versions SET label = 'Broken' WHERE id = (SELECT MIN(id) FROM entity_versions)")
            // Ranges of two ids, two at a time: several windows, each range on its own reader.
            let report = try await harness.store.consistencyReport(projectId: nil, idsPerRange: 2, workers: 2)
            #expect(report.checked == 6)
            #expect(report.invalid == 2)
            #expect(report.invalidEntities.allSatisfy { $0.inconsistencies.contains { $0.field == "label" } })
            let ids = report.invalidEntities.map(\.entityId)
            #expect(ids == ids.sorted(), "listed in id order whatever the timing")
            let firstOnly = try await harness.store.consistencyReport(projectId: nil, invalidLimit: 1, idsPerRange: 1, workers: 3)
            #expect(firstOnly.invalidEntities.map(\.entityId) == [try #require(ids.first)])
            #expect(firstOnly.truncated)
            let wellsOnly = try await harness.store.consistencyReport(projectId: project, idsPerRange: 4)
            #expect(wellsOnly.checked == 5)
        }
    }

    @Test func scheduledPassRecordsItselfForTheHealthCheck() async throws {
        try await Harness.run { harness in
            _ = try await history(harness)
            let pass = PeriodicService.consistencySweep(
                store: harness.store, configuration: GatewayConfiguration(consistencySweepSeconds: 1), logger: .init(label: "test"))
            let task = Task { try await pass.run() }
            for _ in 0..<50 where try await harness.store.healthFacts(projectId: nil).lastPass == nil {
                try await Task.sleep(for: .milliseconds(100))
            }
            task.cancel()
            let last = try await harness.store.healthFacts(projectId: nil).lastPass
            #expect(last?.checked == 1)
            #expect(last?.invalid == 0)
        }
    }

    @Test func bulkCheckTakesAtMostAHundred() async throws {
        try await Harness.run { harness in
            let base = try await history(harness)
            let dataset = base.components(separatedBy: "/entities/")[0]
            let results = try await harness.sendJSON(
                .post, "\(dataset)/consistency", ["uuids": [.string(Self.tree), "e7000000-0000-4000-8000-0000000000ff"]])
            #expect(try results.json().arrayValue?.map { $0["valid"]?.boolValue } == [true, nil])
            let tooMany = try await harness.sendJSON(
                .post, "\(dataset)/consistency", ["uuids": .array((0...100).map { _ in .string(Self.tree) })])
            #expect(tooMany.problemCode == 400.8)
        }
    }

    @Test func propagationCheckAuditsDamageFoundWhileApplying() async throws {
        try await Harness.run { harness in
            let base = try await history(harness)
            // A faulty writer: whatever version 5 is meant to hold, the stored row loses its data.
            try await corrupt(
                harness,
                """
                CREATE TRIGGER damage AFTER INSERT ON entity_versions WHEN NEW.version = 5
                BEGIN UPDATE entity_versions SET data = '{}' WHERE id = NEW.id; END
                """)
            let project = base.components(separatedBy: "/")[3]
            let update = Changes.update(base: 4, [("height", "13")])
            let response = try await harness.submitOpenRosa(project: Int64(project)!, xml: EntityScenarioHTTPTests.xml(update, number: 9))
            #expect(response.status == .created, "the submission is never failed by the check")
            let audits = try await harness.audits("entity.inconsistency")
            #expect(audits.count == 1)
            #expect(audits.first?["details"]?["version"]?.intValue == 5)
            let fields = audits.first?["details"]?["inconsistencies"]?.arrayValue?.compactMap { $0["field"]?.stringValue }
            #expect(fields == ["data.circumference", "data.height"])
        }
    }

    @Test func backlogSummaryCountsHeldReleasedAndForced() async throws {
        try await Harness.run { harness in
            _ = try await history(harness)
            let summary = try await harness.send(.get, "/v1/backlog/summary").json()
            #expect(summary["held"]?.intValue == 0)
            #expect(summary["lastHour"]?["released"]?.intValue == 1)
            #expect(summary["lastDay"]?["forced"]?.intValue == 0)
        }
    }
}
