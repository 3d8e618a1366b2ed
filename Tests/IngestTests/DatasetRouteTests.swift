import Entities
import Foundation
import Testing

@testable import Ingest

@Suite struct DatasetRouteTests {
    @Test func publishingAnEntityFormCreatesItsDatasetAndProperties() async throws {
        try await Harness.run { harness in
            let project = try await harness.createProject()
            try await harness.publishForm("trees_registration", project: project)
            let list = try await harness.send(.get, "/v1/projects/\(project)/datasets").json().arrayValue ?? []
            #expect(list.map { $0["name"]?.stringValue } == ["trees"])
            #expect(list.first?["approvalRequired"]?.boolValue == false)
            let dataset = try await harness.send(.get, "/v1/projects/\(project)/datasets/trees").json()
            #expect(dataset["properties"]?.arrayValue?.map { $0["name"]?.stringValue } == ["species", "height", "circumference"])
            #expect(dataset["sourceForms"]?.arrayValue?.first?["xmlFormId"]?.stringValue == "trees_registration")
        }
    }

    @Test func formReadingTheDatasetCSVIsLinkedAndGetsTheEntityList() async throws {
        try await Harness.run { harness in
            let project = try await harness.createProject()
            try await harness.publishForm("trees_registration", project: project)
            try await harness.publishForm("trees_update", project: project)
            let dataset = try await harness.send(.get, "/v1/projects/\(project)/datasets/trees").json()
            #expect(dataset["linkedForms"]?.arrayValue?.first?["xmlFormId"]?.stringValue == "trees_update")
            let manifest = try await harness.send(
                .get, "/v1/projects/\(project)/forms/trees_update/manifest", headers: [OpenRosa.versionHeader: "1.0"])
            #expect(manifest.text.contains(#"<mediaFile type="entityList">"#))
            let csv = try await harness.send(.get, "/v1/projects/\(project)/forms/trees_update/attachments/trees.csv")
            #expect(csv.text.hasPrefix("name,label,__version,species,height,circumference\n"))
        }
    }

    @Test func datasetsAndPropertiesAreCreatedOverTheAPI() async throws {
        try await Harness.run { harness in
            let project = try await harness.createProject()
            let created = try await harness.sendJSON(.post, "/v1/projects/\(project)/datasets", ["name": "wells"])
            #expect(try created.json()["name"]?.stringValue == "wells")
            let again = try await harness.sendJSON(.post, "/v1/projects/\(project)/datasets", ["name": "wells"])
            #expect(again.problemCode == 409.3)
            let invalid = try await harness.sendJSON(.post, "/v1/projects/\(project)/datasets", ["name": "__x"])
            #expect(invalid.problemCode == 400.8)
            let property = try await harness.sendJSON(.post, "/v1/projects/\(project)/datasets/wells/properties", ["name": "depth"])
            #expect(try property.json()["success"]?.boolValue == true)
            let reserved = try await harness.sendJSON(.post, "/v1/projects/\(project)/datasets/wells/properties", ["name": "label"])
            #expect(reserved.problemCode == 400.8)
            let dataset = try await harness.send(.get, "/v1/projects/\(project)/datasets/wells").json()
            #expect(dataset["properties"]?.arrayValue?.map { $0["name"]?.stringValue } == ["depth"])
            let missing = try await harness.send(.get, "/v1/projects/\(project)/datasets/nothing")
            #expect(missing.problemCode == 404.1)
        }
    }
}
