import Entities
import EntityScenarios
import Foundation
import HTTPTypes
import Synchronization
import Testing

@testable import Ingest

/// The settings an operator turns to run the gateway exposed: the public URL, the metrics token, limits.
@Suite struct OperatorSettingsTests {
    @Test func openRosaURLsComeFromThePublicURLAndNeverFromAForgedHost() async throws {
        try await Harness.run(configuration: GatewayConfiguration(publicURL: "https://odk.example.org")) { harness in
            let project = try await harness.sitePhotoProject()
            let list = try await harness.send(
                .get, "/v1/projects/\(project)/formList", headers: [OpenRosa.versionHeader: "1.0", HeaderNames.forwardedProto: "http"])
            #expect(list.text.contains("<downloadUrl>https://odk.example.org/v1/projects/\(project)/forms/site_photo.xml</downloadUrl>"))
        }
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            let forged = try await harness.send(
                .get, "/v1/projects/\(project)/formList",
                headers: [OpenRosa.versionHeader: "1.0", HeaderNames.forwardedProto: "javascript"])
            #expect(!forged.text.contains("javascript"))
            #expect(forged.text.contains("<downloadUrl>http://localhost/v1/projects/"))
        }
        // The Host header itself is checked in the end-to-end test: the in-process client cannot send one.
        #expect(Gateway.isPlainAuthority("odk.example.org:8443") && Gateway.isPlainAuthority("[::1]:8383"))
        for forged in ["evil.example/<x>", "a b", "x\"y", "evil.example@good", ""] {
            #expect(!Gateway.isPlainAuthority(forged), "\(forged)")
        }
    }

    @Test func metricsNeedTheTokenWhenOneIsSet() async throws {
        try await Harness.run(configuration: GatewayConfiguration(metricsToken: "scrape-secret")) { harness in
            #expect(try await harness.send(.get, "/metrics", token: .some(nil)).status == .unauthorized)
            #expect(try await harness.send(.get, "/metrics", token: "wrong-secret!").status == .unauthorized)
            let scraped = try await harness.send(.get, "/metrics", token: "scrape-secret")
            #expect(scraped.status == .ok && scraped.text.contains("ingest_backlog_depth"))
        }
        try await Harness.run { harness in
            let open = try await harness.send(.get, "/metrics", token: .some(nil))
            #expect(open.status == .ok, "open when no token is set")
        }
    }

    @Test func bulkCreateOverTheLimitIsRefusedWhole() async throws {
        try await Harness.run(configuration: GatewayConfiguration(bulkEntityLimit: 2)) { harness in
            let project = try await harness.createProject()
            try await harness.publishForm("trees_registration", project: project)
            let items: [JSONValue] = (0..<3).map { .object(["label": .string("Tree \($0)")]) }
            let path = "/v1/projects/\(project)/datasets/trees/entities"
            let refused = try await harness.sendJSON(.post, path, ["source": ["name": "x"], "entities": .array(items)])
            #expect(refused.problemCode == 400.8)
            #expect(try await harness.send(.get, path).json().arrayValue?.isEmpty == true)
            #expect(
                try await harness.sendJSON(.post, path, ["source": ["name": "x"], "entities": .array(Array(items.prefix(2)))]).status == .ok
            )
        }
    }

    @Test func boundedWorkRunsNoMoreThanItsWidthAtOnce() async {
        let work = BoundedWork(width: 2)
        let running = Running()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<12 {
                group.addTask {
                    await work.run {
                        running.counts.withLock {
                            $0.now += 1; $0.most = max($0.most, $0.now)
                        }
                        usleep(5_000)
                        running.counts.withLock { $0.now -= 1 }
                    }
                }
            }
        }
        #expect(running.counts.withLock { $0.most } == 2)
    }
}

private final class Running: Sendable {
    let counts = Mutex((now: 0, most: 0))
}
