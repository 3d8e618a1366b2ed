import EntityScenarios
import Testing

@testable import Entities

@Suite struct ReplayTests {
    static let uuids = (1...6).map { String(format: "e7000000-0000-4000-8000-%012d", $0) }
    static let branches = (1...4).map { String(format: "b7a0c0de-0000-4000-8000-%012d", $0) }

    /// A random field campaign: entities, offline branches delivered in any order, online edits, deletes,
    /// resolutions and forced sweeps, all through the live processor.
    static func campaign(seed: UInt64) throws -> EngineHarness {
        var random = SeededGenerator(seed: seed)
        let harness = EngineHarness()
        var pending: [EntityChange] = []
        for uuid in uuids {
            try harness.submit(Changes.create([("height", "1")], uuid: uuid, label: "T"))
            for branch in branches.shuffled(using: &random).prefix(Int.random(in: 0...2, using: &random)) {
                let trunk = 1
                for step in 0..<Int.random(in: 1...4, using: &random) {
                    pending.append(
                        Changes.update(
                            uuid, base: trunk + step, trunk: trunk, branch: branch,
                            [
                                (
                                    ["height", "circumference", "species"].randomElement(using: &random)!,
                                    String(Int.random(in: 0...9, using: &random))
                                )
                            ]))
                }
            }
        }
        pending.shuffle(using: &random)
        for change in pending {
            switch Int.random(in: 0..<10, using: &random) {
            case 0:
                try harness.forceAll()
            case 1:
                let uuid = uuids.randomElement(using: &random)!
                let current = harness.workspace.entities[uuid]?.ref.currentVersion ?? 1
                try harness.submit(Changes.update(uuid, base: current, [("height", "online")]))
            case 2:
                let uuid = uuids.randomElement(using: &random)!
                if harness.workspace.entities[uuid] != nil { try harness.resolve(uuid) }
            default:
                break
            }
            try harness.submit(change)
        }
        if Bool.random(using: &random) { try harness.forceAll() }
        return harness
    }

    @Test func replayOfEveryEntityEqualsWhatLiveProcessingStored() throws {
        for seed in UInt64(1)...300 {
            let harness = try Self.campaign(seed: seed)
            for uuid in Self.uuids {
                let live = try #require(harness.workspace.entities[uuid])
                let replay = Replay.run(harness.workspace.inputs(of: uuid), uuid: uuid, dataset: EngineHarness.trees)
                #expect(replay.versions == live.versions, "seed \(seed) entity \(uuid)")
                #expect(replay.entity?.conflict == live.ref.conflict, "seed \(seed)")
                #expect(replay.resolvedThrough == live.resolvedThrough, "seed \(seed)")
                let rows = live.versions.map { StoredVersionRow(stored: $0, createdAt: "t") }
                let state = StoredEntityState(
                    currentVersion: live.ref.currentVersion, conflict: live.ref.conflict, deleted: false,
                    updatedAt: live.versions.count > 1 ? "t" : nil, resolvedThrough: live.resolvedThrough)
                #expect(ConsistencyCheck.internalProblems(entity: state, versions: rows) == [], "seed \(seed)")
                if replay.versions != live.versions { return }
            }
        }
    }

    func history() throws -> (StoredEntityState, [StoredVersionRow]) {
        let harness = EngineHarness()
        try harness.submit(Changes.create([("height", "10")]))
        try harness.submit(Changes.update(base: 1, [("height", "12")]))
        try harness.submit(Changes.update(base: 1, trunk: 1, branch: A, [("height", "11")]))
        let rows = harness.versions.map { StoredVersionRow(stored: $0, createdAt: "t\($0.version)") }
        return (StoredEntityState(currentVersion: 3, conflict: .hard, deleted: false, updatedAt: "t3", resolvedThrough: nil), rows)
    }

    @Test func cleanHistoryHasNoProblems() throws {
        let (state, rows) = try history()
        #expect(ConsistencyCheck.internalProblems(entity: state, versions: rows) == [])
    }

    @Test func changedDataIsFoundWithItsFieldAndVersion() throws {
        let (state, original) = try history()
        var rows = original
        rows[1].stored.data["height"] = "99"
        let problems = ConsistencyCheck.internalProblems(entity: state, versions: rows)
        #expect(problems.contains(Inconsistency(kind: "data", field: "data.height", version: 2, expected: "12", actual: "99")))
    }

    @Test func missingMiddleVersionIsFound() throws {
        let (state, original) = try history()
        var rows = original
        rows.remove(at: 1)
        let kinds = Set(ConsistencyCheck.internalProblems(entity: state, versions: rows).map(\.kind))
        #expect(kinds.isSuperset(of: ["versionNumbers", "currentVersion"]))
    }

    @Test func flippedConflictIsFound() throws {
        var (state, rows) = try history()
        state.conflict = nil
        #expect(ConsistencyCheck.internalProblems(entity: state, versions: rows).map(\.field) == ["conflict"])
        rows[2].stored.conflict = .soft
        #expect(ConsistencyCheck.internalProblems(entity: state, versions: rows).map(\.kind).contains("conflictingProperties"))
    }
}
