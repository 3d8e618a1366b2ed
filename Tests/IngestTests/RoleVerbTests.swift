import Entities
import EntityScenarios
import Foundation
import HTTPTypes
import Testing

@testable import Ingest

/// Roles do what Central's verbs let them, no more.
@Suite struct RoleVerbTests {
    @Test func dataCollectorListsFormsButNotDatasets() async throws {
        try await Harness.run { harness in
            let project = try await harness.createProject()
            try await harness.publishForm("trees_registration", project: project)
            let collector = try await harness.user("collector@example.com", role: "formfill", project: project)
            #expect(try await harness.send(.get, "/v1/projects/\(project)/forms", token: collector.token).status == .ok)
            #expect(try await harness.send(.get, "/v1/projects/\(project)/datasets", token: collector.token).problemCode == 403.1)
            #expect(try await harness.send(.get, "/v1/projects/\(project)/datasets/trees", token: collector.token).problemCode == 403.1)
            let viewer = try await harness.user("viewer@example.com", role: "viewer", project: project)
            #expect(try await harness.send(.get, "/v1/projects/\(project)/datasets", token: viewer.token).status == .ok)
        }
    }

    @Test func appUserHasNoRESTFormListButItsPhoneStillGetsForms() async throws {
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            let key = try await harness.appUser(project: project, forms: ["site_photo"])
            let rest = try await harness.send(.get, "/v1/key/\(key)/projects/\(project)/forms", token: .some(nil))
            #expect(rest.problemCode == 403.1)
            let formList = try await harness.send(
                .get, "/v1/key/\(key)/projects/\(project)/formList", token: .some(nil), headers: [OpenRosa.versionHeader: "1.0"])
            #expect(formList.status == .ok && formList.text.contains("<formID>site_photo</formID>"))
            #expect(
                try await harness.send(.get, "/v1/key/\(key)/projects/\(project)/forms/site_photo.xml", token: .some(nil)).status == .ok)
            #expect(try await harness.send(.get, "/v1/key/\(key)/projects/\(project)/datasets", token: .some(nil)).problemCode == 403.1)
        }
    }
}
