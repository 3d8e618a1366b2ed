import Entities
import EntityScenarios
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import Ingest

/// An app user reaches only the forms it is assigned (Central's `app-user` role on a form).
@Suite struct FormAssignmentTests {
    static let openRosa: HTTPFields = [OpenRosa.versionHeader: "1.0"]

    static func project(_ harness: Harness) async throws -> Int64 {
        let project = try await harness.createProject()
        try await harness.publishForm("site_photo", project: project)
        try await harness.publishForm("trees_registration", project: project)
        return project
    }

    static func formIds(_ formList: TestResponse) -> [String] {
        formList.text.components(separatedBy: "<formID>").dropFirst().map { String($0.prefix { $0 != "<" }) }
    }

    @Test func anAppUserSeesDownloadsAndSubmitsToOnlyItsAssignedForms() async throws {
        try await Harness.run { harness in
            let project = try await Self.project(harness)
            let key = try await harness.appUser(project: project, forms: ["site_photo"])
            let keyed = "/v1/key/\(key)/projects/\(project)"
            let formList = try await harness.send(.get, "\(keyed)/formList", token: .some(nil), headers: Self.openRosa)
            #expect(Self.formIds(formList) == ["site_photo"])
            #expect(try await harness.send(.get, "\(keyed)/forms/site_photo.xml", token: .some(nil)).status == .ok)
            #expect(try await harness.send(.get, "\(keyed)/forms/trees_registration.xml", token: .some(nil)).problemCode == 403.1)
            let manifest = try await harness.send(
                .get, "\(keyed)/forms/trees_registration/manifest", token: .some(nil), headers: Self.openRosa)
            #expect(manifest.status == .forbidden && manifest.text.contains("<OpenRosaResponse"))

            let allowed = try await harness.submitOpenRosa(
                project: project, xml: SampleFiles.submission("site_photo", "site-1"), prefix: "/v1/key/\(key)", token: .some(nil))
            #expect(allowed.status == .created)
            let refused = try await harness.submitOpenRosa(
                project: project, xml: SampleFiles.submission("trees_registration", "reg-3-pine"), prefix: "/v1/key/\(key)",
                token: .some(nil))
            #expect(refused.status == .unauthorized && refused.text.contains("<OpenRosaResponse"))
            let stored = try await harness.send(.get, "/v1/projects/\(project)/forms/trees_registration/submissions").json()
            #expect(stored.arrayValue?.isEmpty == true, "nothing of the refused submission is stored")
        }
    }

    @Test func takingAnAssignmentAwayTakesEffectAtOnce() async throws {
        try await Harness.run { harness in
            let project = try await Self.project(harness)
            let created = try await harness.sendJSON(.post, "/v1/projects/\(project)/app-users", ["displayName": "Phone"]).json()
            let (id, key) = (created["id"]!.intValue!, created["token"]!.stringValue!)
            let assignment = "/v1/projects/\(project)/forms/site_photo/assignments/app-user/\(id)"
            let download = "/v1/key/\(key)/projects/\(project)/forms/site_photo.xml"
            #expect(try await harness.send(.get, download, token: .some(nil)).problemCode == 403.1, "nothing is assigned by default")
            #expect(try await harness.send(.post, assignment).status == .ok)
            #expect(try await harness.send(.get, download, token: .some(nil)).status == .ok)
            #expect(try await harness.send(.post, assignment).problemCode == 409.3, "given twice")
            #expect(try await harness.send(.delete, assignment).status == .ok)
            #expect(try await harness.send(.get, download, token: .some(nil)).problemCode == 403.1)
            #expect(try await harness.send(.delete, assignment).problemCode == 404.1, "nothing left to take away")
        }
    }

    @Test func assignmentsAreListedAsCentralListsThem() async throws {
        try await Harness.run { harness in
            let project = try await Self.project(harness)
            _ = try await harness.appUser(project: project, name: "Phone A", forms: ["site_photo", "trees_registration"])
            let listed = try await harness.send(.get, "/v1/projects/\(project)/forms/site_photo/assignments").json()
            #expect(listed.arrayValue?.count == 1)
            #expect(listed.arrayValue?.first?["roleId"]?.intValue == 2)
            let actorId = try #require(listed.arrayValue?.first?["actorId"]?.intValue)

            let byRole = try await harness.send(.get, "/v1/projects/\(project)/forms/site_photo/assignments/app-user").json()
            #expect(byRole.arrayValue?.map { $0["displayName"]?.stringValue } == ["Phone A"])
            #expect(try await harness.send(.get, "/v1/projects/\(project)/forms/site_photo/assignments/2").json() == byRole)

            let extended = try await harness.send(
                .get, "/v1/projects/\(project)/forms/site_photo/assignments", headers: [.init("X-Extended-Metadata")!: "true"]
            ).json()
            #expect(extended.arrayValue?.first?["actor"]?["id"]?.intValue == actorId)

            let summary = try await harness.send(.get, "/v1/projects/\(project)/assignments/forms/app-user").json()
            #expect(Set(summary.arrayValue?.compactMap { $0["xmlFormId"]?.stringValue } ?? []) == ["site_photo", "trees_registration"])
            #expect(summary.arrayValue?.allSatisfy { $0["actorId"]?.intValue == actorId && $0["roleId"]?.intValue == 2 } == true)
        }
    }

    @Test func onlyAManagerGivesFormsAndOnlyToItsOwnProjectsAppUsers() async throws {
        try await Harness.run { harness in
            let project = try await Self.project(harness)
            let other = try await harness.createProject("Other")
            let stranger = try await harness.sendJSON(.post, "/v1/projects/\(other)/app-users", ["displayName": "Far"]).json()
            let collector = try await harness.user("collector@example.com", role: "formfill", project: project)
            let created = try await harness.sendJSON(.post, "/v1/projects/\(project)/app-users", ["displayName": "Phone"]).json()
            let path = "/v1/projects/\(project)/forms/site_photo/assignments/app-user"
            #expect(try await harness.send(.post, "\(path)/\(created["id"]!.intValue!)", token: collector.token).problemCode == 403.1)
            #expect(try await harness.send(.post, "\(path)/\(stranger["id"]!.intValue!)").problemCode == 404.1)
            #expect(try await harness.send(.post, "/v1/projects/\(project)/forms/site_photo/assignments/nope/1").problemCode == 404.1)
        }
    }
}
