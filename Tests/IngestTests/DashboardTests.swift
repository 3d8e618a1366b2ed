import Entities
import EntityScenarios
import Foundation
import HTTPTypes
import Testing

@testable import Ingest

@Suite struct DashboardTests {
    @Test func browserWithoutCredentialsIsAskedToLogIn() async throws {
        try await Harness.run { harness in
            let response = try await harness.send(.get, "/dashboard", token: .some(nil))
            #expect(response.status == .unauthorized)
            #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Basic") == true)
        }
    }

    @Test func pageShowsBacklogConflictsAndErrors() async throws {
        try await Harness.run { harness in
            let changes = [
                Changes.create([("height", "10")]),
                Changes.update(base: 1, [("height", "12")]),
                Changes.update(base: 1, trunk: 1, branch: Changes.branchA, [("height", "11")]),
                Changes.update(base: 5, trunk: 1, branch: Changes.branchA, [("height", "13")]),
                Changes.update("e7000000-0000-4000-8000-000000000077", base: 1, [("height", "1")]),
            ]
            _ = try await harness.upsertProject(changes)
            let page = try await harness.send(.get, "/dashboard")
            #expect(page.status == .ok)
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            let html = page.text
            #expect(html.contains(#"<meta http-equiv="refresh""#))
            #expect(html.contains("<b>1</b>held"))
            #expect(html.contains("<td>\(Changes.tree)</td>") && html.contains("<td>hard</td>"))
            #expect(html.contains("<td>404.8</td>"))
            #expect(html.contains(#"class="status degraded""#), "an entity error in the last hour degrades health")
        }
    }
}
