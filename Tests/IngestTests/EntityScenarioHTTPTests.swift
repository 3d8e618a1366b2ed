import Entities
import EntityScenarios
import Foundation
import Testing

@testable import Ingest

/// The engine's scenario table again, this time as OpenRosa submissions to a running gateway.
@Suite struct EntityScenarioHTTPTests {
    /// A trees_upsert submission carrying `change`; fields it does not set are left out, as Collect leaves out non-relevant ones.
    static func xml(_ change: EntityChange, number: Int) -> Data {
        let fields = ["species", "height", "circumference"].compactMap { name in
            change.properties[name].map { "<\(name)>\($0)</\(name)>" }
        }.joined()
        let attributes = [
            "dataset=\"trees\"", "create=\"\(change.wantsCreate)\"", "update=\"\(change.wantsUpdate)\"",
            "baseVersion=\"\(change.baseVersion.map(String.init) ?? "")\"",
            "trunkVersion=\"\(change.trunkVersion.map(String.init) ?? "")\"", "branchId=\"\(change.branchId ?? "")\"",
            "id=\"\(change.uuid)\"",
        ].joined(separator: " ")
        let instance = String(format: "uuid:00000000-0000-4000-8000-%012d", number)
        return Data(
            """
            <?xml version='1.0' ?><data id="trees_upsert" version="1"><mode/>\(fields)<meta><entity \(attributes)><label>\(change.label ?? "")</label></entity><instanceID>\(instance)</instanceID></meta></data>
            """.utf8)
    }

    @Test(arguments: scenarios)
    func historyMatchesOverHTTP(_ scenario: Scenario) async throws {
        try await Harness.run { harness in
            let project = try await harness.createProject()
            try await harness.publishForm("trees_upsert", project: project)
            for (number, step) in scenario.steps.enumerated() {
                switch step {
                case .submit(let change):
                    let response = try await harness.submitOpenRosa(project: project, xml: Self.xml(change, number: number))
                    #expect(response.status == .created)
                case .forceAll:
                    #expect(try await harness.send(.post, "/v1/backlog/process?force=true").status == .ok)
                case .resolve:
                    let url = "/v1/projects/\(project)/datasets/trees/entities/\(Changes.tree)?resolve=true"
                    #expect(try await harness.send(.patch, url).status == .ok)
                }
            }
            #expect(try await harness.audits("entity.error") == [])
            #expect(try await harness.send(.get, "/v1/backlog").json() == [])
            let base = "/v1/projects/\(project)/datasets/trees/entities/\(Changes.tree)"
            let versions = try await harness.send(.get, "\(base)/versions").json().arrayValue ?? []
            let actual = versions.map { version in
                ExpectedVersion(
                    Int(version["version"]?.intValue ?? 0), base: version["baseVersion"]?.intValue.map(Int.init),
                    branch: version["branchId"]?.stringValue, trunk: version["trunkVersion"]?.intValue.map(Int.init),
                    branchBase: version["branchBaseVersion"]?.intValue.map(Int.init),
                    conflict: version["conflict"]?.stringValue.flatMap(Conflict.init(rawValue:)),
                    Dictionary(
                        uniqueKeysWithValues: (version["data"]?.objectValue?.pairs ?? []).map { ($0.key, $0.value.stringValue ?? "") }),
                    label: version["label"]?.stringValue ?? "")
            }
            #expect(actual == scenario.expected)
            let entity = try await harness.send(.get, base).json()
            #expect(entity["conflict"]?.stringValue == scenario.entityConflict?.rawValue)
            for (number, names) in scenario.conflicting {
                let listed = versions.first { $0["version"]?.intValue == Int64(number) }?["conflictingProperties"]
                #expect(listed == .array(names.map(JSONValue.string)))
            }
        }
    }
}
