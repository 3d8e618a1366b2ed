import Testing

@testable import Entities
import EntityScenarios

typealias H = Changes
let A = Changes.branchA

extension Scenario: CustomTestStringConvertible {
    public var testDescription: String { name }
}

@Suite struct EngineScenarioTests {
    @Test(arguments: scenarios)
    func historyMatches(_ scenario: Scenario) throws {
        let harness = EngineHarness()
        for step in scenario.steps {
            switch step {
            case .submit(let change): try harness.submit(change)
            case .forceAll: try harness.forceAll()
            case .resolve: try harness.resolve()
            }
        }
        #expect(harness.errors == [])
        #expect(harness.versions.map(ExpectedVersion.init) == scenario.expected)
        #expect(harness.entity?.currentVersion == scenario.expected.count)
        #expect(harness.entity?.conflict == scenario.entityConflict)
        #expect(harness.workspace.backlog.isEmpty)
        for (version, names) in scenario.conflicting {
            #expect(harness.versions.first { $0.version == version }?.conflictingProperties == names)
        }
    }
}
