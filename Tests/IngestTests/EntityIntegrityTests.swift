import Entities
import Foundation
import HTTPTypes
import Testing

@testable import Ingest

/// Collect's offline-entity integrity check: the manifest points each entity list at `…/integrity`, which
/// says which of the entities a phone holds were deleted on the server, as Central.
@Suite struct EntityIntegrityTests {
    static let oak = "12345678-1234-4123-8123-123456789aaa"
    static let ash = "12345678-1234-4123-8123-123456789abc"
    static let openRosa: HTTPFields = [OpenRosa.versionHeader: "1.0"]

    /// trees_update reads the trees list; two trees, the ash deleted.
    static func project(_ harness: Harness) async throws -> Int64 {
        let project = try await harness.createProject()
        try await harness.publishForm("trees_registration", project: project)
        try await harness.publishForm("trees_update", project: project)
        let entities = "/v1/projects/\(project)/datasets/trees/entities"
        for (uuid, label) in [(oak, "Oak"), (ash, "Ash")] {
            let created = try await harness.sendJSON(.post, entities, ["uuid": .string(uuid), "label": .string(label)])
            #expect(created.status == .ok)
        }
        #expect(try await harness.send(.delete, "\(entities)/\(ash)").status == .ok)
        return project
    }

    static func states(_ xml: String) -> [String: String] {
        let pattern = #/<entity id="([^"]+)">\s*<deleted>(true|false)</deleted>/#
        return Dictionary(uniqueKeysWithValues: xml.matches(of: pattern).map { (String($0.1), String($0.2)) })
    }

    @Test func integrityNamesEveryEntityWithWhetherItWasDeleted() async throws {
        try await Harness.run { harness in
            let project = try await Self.project(harness)
            let answer = try await harness.send(.get, "/v1/projects/\(project)/datasets/trees/integrity", headers: Self.openRosa)
            #expect(answer.status == .ok)
            #expect(answer.headers[.contentType]?.hasPrefix("text/xml") == true)
            #expect(Self.states(answer.text) == [Self.oak: "false", Self.ash: "true"])

            let asked = try await harness.send(
                .get, "/v1/projects/\(project)/datasets/trees/integrity?id=\(Self.ash.uppercased())", headers: Self.openRosa)
            #expect(Self.states(asked.text) == [Self.ash: "true"], "only the ids asked for, whatever their case")
        }
    }

    @Test func anAppUserMayCheckAListThatAFormOfItsProjectReads() async throws {
        try await Harness.run { harness in
            let project = try await Self.project(harness)
            let key = try await harness.appUser(project: project, forms: ["trees_update"])
            let path = "/v1/key/\(key)/projects/\(project)/datasets/trees/integrity"
            let answer = try await harness.send(.get, path, token: .some(nil), headers: Self.openRosa)
            #expect(answer.status == .ok)
            #expect(Self.states(answer.text).count == 2)

            let unused = try await harness.sendJSON(.post, "/v1/projects/\(project)/datasets", ["name": "unused"])
            #expect(unused.status == .ok)
            let refused = try await harness.send(
                .get, "/v1/key/\(key)/projects/\(project)/datasets/unused/integrity", token: .some(nil), headers: Self.openRosa)
            #expect(refused.status == .forbidden, "no form of the app user reads that list")
            #expect(refused.text.contains("<OpenRosaResponse"), "an OpenRosa client gets an OpenRosa body")
        }
    }

    @Test func unknownListIsNotFoundAndAStrangerIsRefused() async throws {
        try await Harness.run { harness in
            let project = try await Self.project(harness)
            let missing = try await harness.send(.get, "/v1/projects/\(project)/datasets/nothing/integrity", headers: Self.openRosa)
            #expect(missing.status == .notFound)
            let stranger = try await harness.user("stranger@example.com", role: nil, project: project)
            let refused = try await harness.send(
                .get, "/v1/projects/\(project)/datasets/trees/integrity", token: .some(stranger.token), headers: Self.openRosa)
            #expect(refused.status == .forbidden)
        }
    }

    @Test func manifestGivesTheListsTypeAndIntegrityURL() async throws {
        try await Harness.run { harness in
            let project = try await Self.project(harness)
            func manifest() async throws -> String {
                try await harness.send(.get, "/v1/projects/\(project)/forms/trees_update/manifest", headers: Self.openRosa).text
            }
            let before = try await manifest()
            #expect(before.contains(#"<mediaFile type="entityList">"#))
            #expect(before.contains("/v1/projects/\(project)/datasets/trees/integrity</integrityUrl>"))
            let patched = try await harness.sendJSON(.patch, "/v1/projects/\(project)/datasets/trees", ["approvalRequired": true])
            #expect(patched.status == .ok)
            #expect(try await manifest().contains(#"<mediaFile type="approvalEntityList">"#))
        }
    }

    @Test func entitiesCSVCarriesTheManifestHashAsItsETagAndAnswers304WhileUnchanged() async throws {
        try await Harness.run { harness in
            let project = try await Self.project(harness)
            let csv = "/v1/projects/\(project)/datasets/trees/entities.csv"
            let first = try await harness.send(.get, csv)
            let tag = try #require(first.headers[.eTag])
            let manifest = try await harness.send(.get, "/v1/projects/\(project)/forms/trees_update/manifest", headers: Self.openRosa)
            #expect(ManifestAndUploadTests.entityListHash(manifest.text).map { "\"\($0)\"" } == tag)

            let unchanged = try await harness.send(.get, csv, headers: [.ifNoneMatch: tag])
            #expect(unchanged.status == .notModified)
            #expect(unchanged.text.isEmpty)
            let weak = try await harness.send(.get, csv, headers: [.ifNoneMatch: "W/\(tag)"])
            #expect(weak.status == .notModified, "a proxy may weaken the tag")

            let updated = try await harness.sendJSON(
                .patch, "/v1/projects/\(project)/datasets/trees/entities/\(Self.oak)?force=true", ["label": "Old oak"])
            #expect(updated.status == .ok)
            let changed = try await harness.send(.get, csv, headers: [.ifNoneMatch: tag])
            #expect(changed.status == .ok)
            #expect(changed.text.contains("Old oak"))
            #expect(changed.headers[.eTag] != tag)
        }
    }
}
