import Entities
import EntityScenarios
import Foundation
import HTTPTypes
import Testing

@testable import Ingest

/// A dataset's OData feed as pyodk's `entities.get_table` and Power BI read it.
@Suite struct EntityODataTests {
    /// Five trees, A (oldest) … E (newest).
    func trees(_ harness: Harness) async throws -> String {
        let base = try await EntityAPITests().prepared(harness)
        for label in ["A oak", "B fir", "C oak", "D elm", "E oak"] {
            let response = try await harness.sendJSON(
                .post, "\(base)/entities", ["label": .string(label), "data": ["species": .string(label)]])
            #expect(response.status == .ok)
        }
        return base
    }

    @Test func serviceDocumentAndMetadataDescribeTheDataset() async throws {
        try await Harness.run { harness in
            let base = try await trees(harness)
            let service = try await harness.send(.get, "\(base).svc").json()
            #expect(service["value"] == [["name": "Entities", "kind": "EntitySet", "url": "Entities"]])
            #expect(service["@odata.context"]?.stringValue?.hasSuffix("/datasets/trees.svc/$metadata") == true)
            let metadata = try await harness.send(.get, "\(base).svc/$metadata").text
            #expect(metadata.contains("<Property Name=\"species\" Type=\"Edm.String\"/>"))
            #expect(metadata.contains("<EntityContainer Name=\"trees\">"))
        }
    }

    @Test func pagesFollowTheSkiptokenAndCountTheFilteredRows() async throws {
        try await Harness.run { harness in
            let base = try await trees(harness)
            var url: String? = "\(base).svc/Entities?$top=2&$count=true"
            var labels: [String] = []
            while let next = url {
                let body = try await harness.send(.get, next).json()
                #expect(body["@odata.count"]?.intValue == 5)
                labels += body["value"]?.arrayValue?.compactMap { $0["label"]?.stringValue } ?? []
                url = body["@odata.nextLink"]?.stringValue.map { String($0[$0.range(of: "/v1/")!.lowerBound...]) }
            }
            #expect(labels == ["E oak", "D elm", "C oak", "B fir", "A oak"])
        }
    }

    @Test func filterSearchAndOrderAsPyodkSendsThem() async throws {
        try await Harness.run { harness in
            let base = try await trees(harness)
            let all = try await harness.send(.get, "\(base).svc/Entities?$filter=__system/conflict+eq+null&$select=__id,+label").json()
            #expect(all["value"]?.arrayValue?.count == 5)
            #expect(all["value"]?.arrayValue?.first?.objectValue?.keys == ["__id", "label"])
            let oaks = try await harness.send(.get, "\(base).svc/Entities?$search=OAK&$count=true").json()
            #expect(oaks["value"]?.arrayValue?.compactMap { $0["label"]?.stringValue } == ["E oak", "C oak", "A oak"])
            #expect(oaks["@odata.count"]?.intValue == 3)
            let oldest = try await harness.send(.get, "\(base).svc/Entities?$orderby=__system/createdAt+asc&$top=1").json()
            #expect(oldest["value"]?.arrayValue?.first?["label"]?.stringValue == "A oak")
            let later = try await harness.send(.get, "\(base).svc/Entities?$filter=__system/createdAt+gt+2000-01-01").json()
            #expect(later["value"]?.arrayValue?.count == 5)
            let first = try #require(all["value"]?.arrayValue?.last?["__id"]?.stringValue)
            try await harness.send(.delete, "\(base)/entities/\(first)")
            let live = try await harness.send(.get, "\(base).svc/Entities").json()
            #expect(live["value"]?.arrayValue?.count == 4)
            let deleted = try await harness.send(.get, "\(base).svc/Entities?$filter=__system/deletedAt+ne+null").json()
            #expect(deleted["value"]?.arrayValue?.map { $0["__id"]?.stringValue } == [first])
            #expect(deleted["value"]?.arrayValue?.first?["__system"]?["deletedAt"]?.stringValue != nil)
        }
    }

    @Test func badQueriesGetCentralsProblems() async throws {
        try await Harness.run { harness in
            let base = try await trees(harness)
            for (query, code) in [
                ("$filter=species+eq+'oak'", 501.5), ("$filter=__id+eq", 400.18), ("$orderby=label", 501.5),
                ("$skiptoken=01e30=", 400.35), ("$select=height2", 400.23), ("$orderby=__id&$skiptoken=01e30=", 501.1),
            ] {
                let response = try await harness.send(.get, "\(base).svc/Entities?\(query)")
                #expect(response.problemCode == code, "\(query)")
            }
        }
    }
}
