import Entities
import Foundation
import HTTPTypes
import Testing

@testable import Ingest

@Suite struct EntityAPITests {
    func prepared(_ harness: Harness) async throws -> String {
        let project = try await harness.createProject()
        try await harness.publishForm("trees_registration", project: project)
        return "/v1/projects/\(project)/datasets/trees"
    }

    @Test func createUpdateAndDeleteOverTheAPI() async throws {
        try await Harness.run { harness in
            let base = try await prepared(harness)
            let uuid = "12345678-1234-4123-8234-123456789abc"
            let created = try await harness.sendJSON(
                .post, "\(base)/entities", ["uuid": .string(uuid), "label": "Birch", "data": ["height": "3"]])
            #expect(created.status == .ok)
            #expect(try created.json()["currentVersion"]?["data"] == ["height": "3"])
            let stale = try await harness.sendJSON(.patch, "\(base)/entities/\(uuid)?baseVersion=3", ["data": ["height": "4"]])
            #expect(stale.problemCode == 409.15)
            let missing = try await harness.sendJSON(.patch, "\(base)/entities/\(uuid)", ["data": ["height": "4"]])
            #expect(missing.problemCode == 409.15)
            let updated = try await harness.sendJSON(.patch, "\(base)/entities/\(uuid)?baseVersion=1", ["data": ["height": "4"]])
            #expect(try updated.json()["currentVersion"]?["version"]?.intValue == 2)
            let forced = try await harness.sendJSON(.patch, "\(base)/entities/\(uuid)?force=True", ["label": "Silver birch"])
            #expect(try forced.json()["currentVersion"]?["label"]?.stringValue == "Silver birch")
            #expect(try forced.json()["currentVersion"]?["data"]?["height"]?.stringValue == "4")
            let again = try await harness.sendJSON(.post, "\(base)/entities", ["uuid": .string(uuid), "label": "Birch"])
            #expect(again.problemCode == 409.3)
            #expect(try await harness.send(.delete, "\(base)/entities/\(uuid)").status == .ok)
            #expect(try await harness.send(.get, "\(base)/entities/\(uuid)").problemCode == 404.1)
            let deletions = try await harness.audits("entity.delete")
            #expect(deletions.map { $0["details"]?["entity"]?["uuid"]?.stringValue } == [uuid])
            let reused = try await harness.sendJSON(.post, "\(base)/entities", ["uuid": .string(uuid), "label": "Birch"])
            #expect(reused.problemCode == 409.19)
        }
    }

    @Test func badEntityBodiesAreRefusedAndWriteNothing() async throws {
        try await Harness.run { harness in
            let base = try await prepared(harness)
            let cases: [(JSONValue, Double)] = [
                (["label": "x", "colour": "red"], 400.31),
                (["label": "x", "data": ["colour": "red"]], 400.28),
                (["label": "  "], 400.8),
                (["data": ["height": "1"]], 400.2),
                (["label": "x", "data": ["height": 1]], 400.11),
                (["label": "x", "uuid": "nope"], 400.11),
            ]
            for (body, code) in cases {
                #expect(try await harness.sendJSON(.post, "\(base)/entities", body).problemCode == code, "\(body.serialized())")
            }
            #expect(try await harness.send(.get, "\(base)/entities").json() == [])
        }
    }

    @Test func bulkCreateThenCSVAndODataAsPyodkReadsThem() async throws {
        try await Harness.run { harness in
            let base = try await prepared(harness)
            let bulk = try await harness.sendJSON(
                .post, "\(base)/entities",
                [
                    "entities": [["label": "A", "data": ["height": "1"]], ["label": "B", "data": ["species": "Fir"]]],
                    "source": ["name": "pyodk"],
                ])
            #expect(try bulk.json()["success"]?.boolValue == true)
            let csv = try await harness.send(.get, "\(base)/entities.csv").text.split(separator: "\n")
            #expect(
                csv.first == "__id,label,species,height,circumference,__createdAt,__creatorId,__creatorName,__updates,__updatedAt,__version"
            )
            #expect(csv.count == 3)
            let odata = try await harness.send(.get, "\(base).svc/Entities?%24top=1&%24count=True")
            #expect(odata.headers[.init("OData-Version")!] == "4.0")
            let body = try odata.json()
            #expect(body["value"]?.arrayValue?.count == 1)
            #expect(body["@odata.count"]?.intValue == 2)
            #expect(body["value"]?.arrayValue?.first?["__system"]?["version"]?.intValue == 1)
            let conflicts = try await harness.send(.get, "\(base).svc/Entities?$filter=__system/conflict%20ne%20null")
            #expect(try conflicts.json()["value"] == [])
            let noConflict = try await harness.send(.get, "\(base).svc/Entities?$filter=__system/conflict+eq+null")
            #expect(try noConflict.json()["value"]?.arrayValue?.count == 2)
            let onProperty = try await harness.send(.get, "\(base).svc/Entities?$filter=species+eq+'oak'")
            #expect(onProperty.problemCode == 501.5)
            let selected = try await harness.send(.get, "\(base).svc/Entities?$select=__id,label").json()
            #expect(selected["value"]?.arrayValue?.first?.objectValue?.keys == ["__id", "label"])
            #expect(try await harness.send(.get, "\(base).svc/Entities?$expand=x").problemCode == 501.6)
            #expect(try await harness.send(.get, "\(base).svc/Entities?$apply=x").problemCode == 501.1)
        }
    }
}

extension EntityAPITests {
    /// Each PATCH reads, decides and writes under the entity's serialization, so concurrent forced updates
    /// make a gap-free chain with no spurious conflict, and each answer is the version its request wrote.
    @Test func concurrentForcedPatchesMakeAGapFreeChainAndEachAnswerIsItsOwnVersion() async throws {
        try await Harness.run { harness in
            let base = try await prepared(harness)
            let uuid = "12345678-1234-4123-8234-123456789abd"
            let created = try await harness.sendJSON(.post, "\(base)/entities", ["uuid": .string(uuid), "label": "Elm"])
            #expect(created.status == .ok)
            let answers = try await withThrowingTaskGroup(of: (String, JSONValue).self) { group in
                for writer in 1...8 {
                    group.addTask {
                        let label = "Elm \(writer)"
                        let answer = try await harness.sendJSON(.patch, "\(base)/entities/\(uuid)?force=true", ["label": .string(label)])
                        return (label, try answer.json())
                    }
                }
                return try await group.reduce(into: [(String, JSONValue)]()) { $0.append($1) }
            }
            var labelOfVersion: [Int: String] = [:]
            for (label, answer) in answers {
                #expect(answer["currentVersion"]?["label"]?.stringValue == label, "the answer is the version this request wrote")
                #expect(answer["conflict"] == .null)
                if let version = answer["currentVersion"]?["version"]?.intValue { labelOfVersion[Int(version)] = label }
            }
            #expect(labelOfVersion.keys.sorted() == Array(2...9))
            let versions = try await harness.send(.get, "\(base)/entities/\(uuid)/versions").json().arrayValue ?? []
            #expect(versions.map { $0["version"]?.intValue } == (1...9).map { Int64($0) })
            #expect(versions.dropFirst().map { $0["baseVersion"]?.intValue } == (1...8).map { Int64($0) })
            #expect(versions.allSatisfy { $0["conflict"] == .null })
            for version in versions.dropFirst() {
                #expect(version["label"]?.stringValue == labelOfVersion[Int(version["version"]?.intValue ?? 0)])
            }
        }
    }
}
