import Entities
import Foundation
import FuzzSupport

/// Random histories through the entity engine, as the gateway drives it: submission creates and offline
/// branch updates (and edits of earlier submissions), API updates with a base version or forced, the
/// backlog's forcing, resolves and deletes, in any order. After every step each entity must pass the
/// consistency rules, and the history it holds must be the one its logged inputs replay to. At the end,
/// forcing the whole backlog must empty it.
let dataset = DatasetRef(id: 1, name: "trees", approvalRequired: false)
let uuids = ["e7000000-0000-4000-8000-000000000001", "e7000000-0000-4000-8000-000000000002"]
let branches = ["b7a0c0de-0000-4000-8000-00000000000a", "b7a0c0de-0000-4000-8000-00000000000b", "b7a0c0de-0000-4000-8000-00000000000c"]
let names = ["height", "species", "circumference"]
let values = ["1", "2", "oak", ""]

struct History {
    var input: FuzzBytes
    let workspace = InMemoryEntityWorkspace(datasets: [dataset])
    var processor: EntityProcessor<InMemoryEntityWorkspace> { EntityProcessor(workspace: workspace) }
    var submissionDefs: Int64 = 0
    /// Each submission's id with the changes its first version carried, for edits.
    var submissions: [(id: Int64, changes: [EntityChange])] = []

    mutating func run() {
        var steps = 0
        while !input.isAtEnd && steps < 64 {
            step()
            check("step \(steps)")
            steps += 1
        }
        for held in workspace.backlog.sorted(by: BacklogRule.forcedFirst) { expected { try processor.force(held) } }
        check("after forcing the backlog")
        guard workspace.backlog.isEmpty else { fatalError("forcing the whole backlog left \(workspace.backlog.count) held") }
    }

    mutating func step() {
        switch input.pick(9) {
        case 0: submit([change(create: true, update: false)])
        case 1: submit([change(create: false, update: true)])
        case 2: submit([change(create: true, update: true)])
        case 3: submit([change(create: input.bool(), update: true), change(create: input.bool(), update: true)])
        case 4: edit()
        case 5: apiUpdate(force: input.bool())
        case 6:
            let held = workspace.backlog.sorted(by: BacklogRule.forcedFirst)
            if !held.isEmpty { expected { try processor.force(held[input.pick(held.count)]) } }
        case 7: let uuid = input.one(of: uuids); expected { try processor.resolve(uuid: uuid, datasetName: dataset.name, actorId: 1) }
        default:
            guard input.pick(4) == 0 else { return }
            let uuid = input.one(of: uuids)
            expected { try processor.delete(uuid: uuid, datasetName: dataset.name, actorId: 1) }
        }
    }

    mutating func change(create: Bool, update: Bool) -> EntityChange {
        let uuid = input.one(of: uuids)
        let branch: String? = update && input.bool() ? input.one(of: branches) : nil
        let baseVersion: Int? = update ? 1 + input.pick(6) : nil
        let trunkVersion: Int? = branch == nil ? nil : 1 + input.pick(4)
        var properties = EntityProperties()
        for _ in 0..<input.pick(3) { properties[input.one(of: names)] = input.one(of: values) }
        let label: String? = create || input.pick(3) == 0 ? input.one(of: ["Oak", "Ash", "Elm"]) : nil
        return EntityChange(
            uuid: uuid, datasetName: dataset.name, label: label, properties: properties, wantsCreate: create, wantsUpdate: update,
            baseVersion: baseVersion, trunkVersion: trunkVersion, branchId: branch, formAllowsCreate: create,
            formAllowsUpdate: update)
    }

    mutating func submit(_ changes: [EntityChange]) {
        let id = Int64(submissions.count + 1)
        submissions.append((id, changes))
        send(changes, submission: id, event: "submission.create")
    }

    mutating func edit() {
        guard !submissions.isEmpty else { return }
        let earlier = submissions[input.pick(submissions.count)]
        send(earlier.changes, submission: earlier.id, event: "submission.update.version")
    }

    mutating func send(_ changes: [EntityChange], submission: Int64, event: String) {
        submissionDefs += 1
        let def = submissionDefs
        let origins = changes.indices.map { index in
            ChangeOrigin(
                source: .submission(submissionId: submission, submissionDefId: def, instanceId: "uuid:s\(def)", blockIndex: index),
                actorId: 1, userAgent: "fuzz", receivedAt: "t\(def)", event: event)
        }
        expected { try processor.applySubmission(changes.map { .success($0) }, origins: origins, approved: true) }
    }

    /// An entity `PATCH`, in one transaction as the store runs it: the client's base must be current unless forced.
    mutating func apiUpdate(force: Bool) {
        var change = change(create: false, update: true)
        change.branchId = nil
        change.trunkVersion = nil
        guard let entity = try! workspace.entity(uuid: change.uuid, in: dataset) else { return }
        if force { change.baseVersion = entity.currentVersion }
        let origin = ChangeOrigin(source: .api, actorId: 1, userAgent: "fuzz", receivedAt: "api", event: "api")
        let processor = processor
        expected {
            _ = try processor.workspace.savepoint {
                try processor.requireCurrentBase(change)
                return try processor.submit(change, origin: origin)
            }
        }
    }

    /// Runs a step whose refusals are the rules' answers to the client; anything else is a defect.
    func expected(_ body: () throws -> Void) {
        do { try body() } catch is EntityProblem {} catch { fatalError("not an entity problem: \(error)") }
    }

    func check(_ moment: String) {
        for (uuid, entity) in workspace.entities {
            let rows = entity.versions.map { StoredVersionRow(stored: $0, createdAt: "") }
            let state = StoredEntityState(
                currentVersion: entity.ref.currentVersion, conflict: entity.ref.conflict, deleted: entity.ref.deleted, updatedAt: "",
                resolvedThrough: entity.resolvedThrough)
            let replay = Replay.run(workspace.inputs(of: uuid), uuid: uuid, dataset: dataset)
            let problems =
                ConsistencyCheck.internalProblems(entity: state, versions: rows)
                + ConsistencyCheck.replayProblems(entity: state, versions: entity.versions, replay: replay)
            guard problems.isEmpty, entity.origins.count == entity.versions.count else {
                fatalError("\(moment), entity \(uuid): \(problems.map(\.json))")
            }
        }
    }
}

func fuzzEntityEngine(_ data: Data) {
    var history = History(input: FuzzBytes([UInt8](data)))
    history.run()
}

@main enum FuzzMain {
    static func main() { FuzzTarget.main(fuzzEntityEngine) }
}
