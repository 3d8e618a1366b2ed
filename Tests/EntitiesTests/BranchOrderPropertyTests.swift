import Testing

@testable import Entities
import EntityScenarios

@Suite struct BranchOrderPropertyTests {
    static let properties = ["height", "circumference", "species", "health"]

    /// One offline branch: a create (online or offline) and its updates as the phone made them.
    static func branch(seed: UInt64) -> (create: EntityChange, updates: [EntityChange]) {
        var random = SeededGenerator(seed: seed)
        let offlineCreate = Bool.random(using: &random)
        let branch = EngineHarness.branchA
        let initial = properties.shuffled(using: &random).prefix(Int.random(in: 1...4, using: &random)).map {
            ($0, String(Int.random(in: 0...99, using: &random)))
        }
        let create = Changes.create(Array(initial), branch: offlineCreate ? branch : nil)
        let count = Int.random(in: 1...8, using: &random)
        let updates = (1...count).map { counter -> EntityChange in
            let changed = properties.shuffled(using: &random).prefix(Int.random(in: 1...3, using: &random)).map {
                ($0, String(Int.random(in: 0...99, using: &random)))
            }
            let label = Int.random(in: 0..<4, using: &random) == 0 ? "Label \(counter)" : nil
            return Changes.update(base: counter, trunk: offlineCreate ? nil : 1, branch: branch, label: label, Array(changed))
        }
        return (create, updates)
    }

    @Test func anyArrivalOrderOfOneBranchEndsAsInOrderApplication() throws {
        for seed in UInt64(1)...3000 {
            let (create, updates) = Self.branch(seed: seed)
            let inOrder = EngineHarness()
            try inOrder.submit(create)
            for update in updates { try inOrder.submit(update) }

            var random = SeededGenerator(seed: seed &* 7919)
            let shuffled = EngineHarness()
            try shuffled.submit(create)
            for update in updates.shuffled(using: &random) { try shuffled.submit(update) }

            let expected = inOrder.versions
            let actual = shuffled.versions
            #expect(actual.map(\.version) == Array(1...(updates.count + 1)), "seed \(seed)")
            #expect(actual.last?.data == expected.last?.data, "seed \(seed)")
            #expect(actual.last?.label == expected.last?.label, "seed \(seed)")
            #expect(actual.allSatisfy { $0.conflict == nil }, "seed \(seed)")
            #expect(shuffled.entity?.conflict == nil, "seed \(seed)")
            #expect(shuffled.workspace.backlog.isEmpty, "seed \(seed)")
            #expect(shuffled.errors.isEmpty, "seed \(seed)")
            if actual.map(\.data) != expected.map(\.data) { Issue.record("histories differ for seed \(seed)"); return }
        }
    }
}
