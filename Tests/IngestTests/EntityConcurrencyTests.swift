import Entities
import EntityScenarios
import Foundation
import HTTPTypes
import Store
import Testing

@testable import Ingest

/// Eight and more writers on one entity through every path at once: API `PATCH` with `?baseVersion=`
/// and with `?force=true`, offline branches from several phones, resolve, delete, and approval or
/// `convert` releasing entity work. Each test runs a few rounds, each round on a fresh entity with its
/// writers started in a shuffled order, and ends with the same checks: a gap-free history in which
/// every version belongs to exactly one acknowledged request, each answer's version as it answered,
/// every acknowledged submission applied once, held or refused with an audited problem, no 500, and a
/// clean consistency check.
@Suite struct EntityConcurrencyTests {
    static let rounds = 3

    @Test func mixedBaseVersionForcedAndOfflineBranchWritersMakeOneGapFreeHistory() async throws {
        try await Harness.run { harness in
            let project = try await Self.treesProject(harness)
            for round in 0..<Self.rounds {
                var random = SeededGenerator()
                let target = try await Target.created(harness, project: project, round: round)
                var writers: [@Sendable () async throws -> [Answer]] = []
                for writer in 0..<4 { writers.append { [try await target.patchWithBase(label: "careful \(writer)")] } }
                for writer in 0..<3 { writers.append { [try await target.forced(label: "forced \(writer)")] } }
                for phone in 0..<3 {
                    // Collect sends a phone's queue in order; the last phone's arrive all at once, out of order.
                    writers.append {
                        try await target.phone(phone, trunk: 1, bases: [1, 2, 3], inOrder: phone < 2)
                    }
                }
                writers.shuffle(using: &random)
                let answers = try await Self.race(writers)
                try await target.verify(answers, seed: random.seed)
                let held = try await harness.send(.get, "/v1/backlog").json()
                #expect(held == [], "every branch's predecessors arrived, so nothing stays held (seed \(random.seed))")
            }
            try await Self.expectCleanReport(harness)
        }
    }

    @Test func resolveRacingUpdatesClearsOnlyTheVersionItNamed() async throws {
        try await Harness.run { harness in
            let project = try await Self.treesProject(harness)
            for round in 0..<Self.rounds {
                var random = SeededGenerator()
                let target = try await Target.created(harness, project: project, round: round)
                let online = try await target.forced(label: "online")
                let stale = try await target.submit(
                    Changes.update(target.uuid, base: 1, label: "stale", [("height", "stale")]), number: target.number(90))
                #expect(stale.status == 201)
                let conflicted = try await harness.send(.get, target.entity).json()
                #expect(conflicted["conflict"]?.stringValue == "hard", "the stale update made the conflict the reviewers resolve")
                var writers: [@Sendable () async throws -> [Answer]] = []
                for _ in 0..<3 { writers.append { [try await target.resolve(label: nil)] } }
                for reviewer in 3..<5 { writers.append { [try await target.resolve(label: "settled \(reviewer)")] } }
                for writer in 0..<2 { writers.append { [try await target.forced(label: "forced \(writer)")] } }
                for writer in 0..<2 {
                    // Another stale online edit: a new hard conflict, racing the resolves.
                    writers.append {
                        [
                            try await target.submit(
                                Changes.update(target.uuid, base: 1, label: "stale \(writer)", [("height", "stale \(writer)")]),
                                number: target.number(80 + writer))
                        ]
                    }
                }
                writers.append { [try await target.patchWithBase(label: "careful")] }
                writers.append { try await target.phone(0, trunk: 1, bases: [1, 2], inOrder: true) }
                writers.shuffle(using: &random)
                let answers = try await Self.race(writers)
                try await target.verify([online, stale] + answers, seed: random.seed)
                let resolved = answers.filter { $0.path == .resolve && $0.status == 200 }.count
                let audits = try await harness.audits("entity.update.resolve").filter {
                    $0["details"]?["entity"]?["uuid"]?.stringValue == target.uuid
                }
                #expect(audits.count == resolved, "one resolve audit per resolve answered 200 (seed \(random.seed))")
            }
            try await Self.expectCleanReport(harness)
        }
    }

    @Test func deleteRacingUpdatesEndsTheHistoryAndLaterWritesGetTheirDocumentedAnswers() async throws {
        try await Harness.run { harness in
            let project = try await Self.treesProject(harness)
            for round in 0..<Self.rounds {
                var random = SeededGenerator()
                let target = try await Target.created(harness, project: project, round: round)
                let entityId = try #require(try await target.liveRow()).id
                var writers: [@Sendable () async throws -> [Answer]] = []
                for _ in 0..<2 { writers.append { [try await target.delete()] } }
                for writer in 0..<2 { writers.append { [try await target.patchWithBase(label: "careful \(writer)")] } }
                for writer in 0..<2 { writers.append { [try await target.forced(label: "forced \(writer)")] } }
                writers.append { [try await target.resolve(label: nil)] }
                for phone in 0..<3 {
                    writers.append { try await target.phone(phone, trunk: 1, bases: [1, 2], inOrder: phone != 1) }
                }
                writers.shuffle(using: &random)
                var answers = try await Self.race(writers)
                let deleted = answers.filter { $0.path == .delete }
                #expect(deleted.map(\.status).sorted() == [200, 404], "one delete wins, the other finds nothing (seed \(random.seed))")
                #expect(deleted.filter { $0.status == 404 }.allSatisfy { $0.code == 404.1 })
                // After the delete, every path answers as documented.
                #expect(try await harness.send(.get, target.entity).problemCode == 404.1)
                answers.append(try await target.forced(label: "too late"))
                #expect(answers.last?.code == 404.1)
                answers.append(try await target.patchWithBase(label: "too late, careful"))
                #expect(answers.last?.code == 404.1)
                let late = try await target.submit(
                    Changes.update(target.uuid, base: 1, label: "late", [("height", "late")]), number: target.number(99))
                #expect(late.status == 201)
                answers.append(late)
                #expect(try await harness.send(.post, "/v1/backlog/process?force=true").status == .ok)
                #expect(try await harness.send(.get, "/v1/backlog").json() == [])
                try await target.verify(answers, seed: random.seed, refusals: [404.11], knownId: entityId)
                let refused = try await target.entityErrors()
                #expect(refused[late.instanceId!] == 404.11, "an update of a deleted entity is refused with 404.11")
                let deletions = try await harness.audits("entity.delete").filter {
                    $0["details"]?["entity"]?["uuid"]?.stringValue == target.uuid
                }
                #expect(deletions.count == 1, "deleted once (seed \(random.seed))")
            }
            try await Self.expectCleanReport(harness)
        }
    }

    /// The phone that made the entity offline sends its create (waiting for approval) and then its own
    /// updates, while reviewers approve the create, `convert` may switch approval off, other pending
    /// creates are approved and API clients write the entity as soon as it exists.
    @Test func approvalAndConvertRacingOfflineUpdatesApplyEachSubmissionOnce() async throws {
        try await Harness.run { harness in
            let project = try await Self.treesProject(harness)
            let dataset = "/v1/projects/\(project)/datasets/trees"
            for round in 0..<Self.rounds {
                var random = SeededGenerator()
                #expect(try await harness.sendJSON(.patch, dataset, ["approvalRequired": true]).status == .ok)
                let target = Target(harness: harness, project: project, round: round)
                let create = try await target.submit(
                    Changes.create([("height", "1")], uuid: target.uuid, label: "offline"), number: target.number(0))
                #expect(create.status == 201)
                var others: [Answer] = []
                for other in 1...3 {
                    let uuid = Target.uuid(round: round, entity: other)
                    others.append(try await target.submit(Changes.create([("height", "1")], uuid: uuid), number: target.number(50 + other)))
                }
                #expect(try await harness.send(.get, target.entity).problemCode == 404.1, "waiting for approval")
                var writers: [@Sendable () async throws -> [Answer]] = []
                for _ in 0..<2 { writers.append { [try await target.review(create.instanceId!)] } }
                for other in others { writers.append { [try await target.review(other.instanceId!)] } }
                writers.append { try await target.phone(0, trunk: nil, bases: [1, 2, 3], inOrder: true, branch: Target.branch(round, 9)) }
                for writer in 0..<2 {
                    writers.append { try await target.whenItExists { try await target.forced(label: "forced \(writer)") } }
                }
                writers.append { try await target.whenItExists { try await target.patchWithBase(label: "careful") } }
                if round % 2 == 1 {
                    writers.append {
                        let converted = try await harness.sendJSON(.patch, "\(dataset)?convert=true", ["approvalRequired": false])
                        return [Answer(path: .convert, status: Int(converted.status.code), code: converted.problemCode)]
                    }
                }
                writers.shuffle(using: &random)
                let answers = try await Self.race(writers)
                #expect(answers.filter { $0.path == .review || $0.path == .convert }.allSatisfy { $0.status == 200 })
                try await target.verify([create] + answers, seed: random.seed)
                #expect(try await harness.send(.get, "/v1/backlog").json() == [], "the create released the phone's updates")
                let creator = try await harness.send(.get, "\(target.entity)/versions").json().arrayValue?.first
                #expect(creator?["source"]?["submission"]?["instanceId"]?.stringValue == create.instanceId)
                for other in 1...3 {
                    let versions = try await harness.send(.get, "\(dataset)/entities/\(Target.uuid(round: round, entity: other))/versions")
                    #expect(try versions.json().arrayValue?.count == 1, "each other create applied once (seed \(random.seed))")
                }
            }
            try await Self.expectCleanReport(harness)
        }
    }
}

/// The races above, pinned one at a time. The routes read the entity before their write is queued, so
/// these call the store as a route does once its read is stale: the write must check again.
extension EntityConcurrencyTests {
    @Test func aResolveQueuedBehindAnotherWriteIsRefusedAndASecondResolveFindsNoConflict() async throws {
        try await Harness.run { harness in
            let target = try await Target.created(harness, project: try await Self.treesProject(harness), round: 0)
            _ = try await target.forced(label: "online")
            let stale = try await target.submit(Changes.update(target.uuid, base: 1, label: "stale", [("height", "2")]), number: 1)
            #expect(stale.status == 201)
            let entityId = try #require(try await target.liveRow()).id
            let admin = try #require(try await harness.send(.get, "/v1/users/current").json()["id"]?.intValue)
            // A reviewer read version 3 and its conflict; a forced update made version 4 before the resolve was written.
            _ = try await target.forced(label: "meanwhile")
            await #expect(throws: EntityProblem.staleVersion(current: 4, provided: "3")) {
                try await harness.store.patchEntity(
                    entityId: entityId, change: nil, expectedVersion: 3, resolve: true, actorId: admin, userAgent: nil)
            }
            #expect(try await harness.send(.get, target.entity).json()["conflict"]?.stringValue == "hard", "still to review")
            // Two reviewers resolve version 4 at once: the second write finds the conflict gone (Central's 400.32).
            try await Task.sleep(for: .milliseconds(5))
            _ = try await harness.store.patchEntity(
                entityId: entityId, change: nil, expectedVersion: 4, resolve: true, actorId: admin, userAgent: nil)
            await #expect(throws: EntityProblem.noConflict) {
                try await harness.store.patchEntity(
                    entityId: entityId, change: nil, expectedVersion: 4, resolve: true, actorId: admin, userAgent: nil)
            }
            #expect(try await harness.audits("entity.update.resolve").count == 1)
            // A resolve moves updatedAt on without writing a version (as Central's); the check allows that.
            let checked = try await harness.send(.get, "\(target.entity)/consistency").json()
            #expect(checked["valid"]?.boolValue == true, "\(checked.serialized())")
        }
    }

    @Test func ofTwoDeletesQueuedTogetherTheSecondFindsNothing() async throws {
        try await Harness.run { harness in
            let target = try await Target.created(harness, project: try await Self.treesProject(harness), round: 0)
            let entityId = try #require(try await target.liveRow()).id
            let admin = try #require(try await harness.send(.get, "/v1/users/current").json()["id"]?.intValue)
            try await harness.store.deleteEntity(entityId: entityId, actorId: admin)
            await #expect(throws: StoreError.notFound) { try await harness.store.deleteEntity(entityId: entityId, actorId: admin) }
            #expect(try await harness.audits("entity.delete").count == 1)
        }
    }
}

extension EntityConcurrencyTests {
    /// A project with trees_upsert published: its dataset `trees` has species, height and circumference.
    static func treesProject(_ harness: Harness) async throws -> Int64 {
        let project = try await harness.createProject()
        #expect(try await harness.publishForm("trees_upsert", project: project).status == .ok)
        return project
    }

    /// Starts every writer at once and collects what each was answered.
    static func race(_ writers: [@Sendable () async throws -> [Answer]]) async throws -> [Answer] {
        try await withThrowingTaskGroup(of: [Answer].self) { group in
            for writer in writers { group.addTask { try await writer() } }
            return try await group.reduce(into: []) { $0 += $1 }
        }
    }

    static func expectCleanReport(_ harness: Harness) async throws {
        let report = try await harness.send(.get, "/v1/consistency/report").json()
        #expect(report["invalid"]?.intValue == 0, "\(report.serialized())")
        #expect(try await harness.audits("entity.inconsistency") == [])
    }
}

// Nested, so their short names stay out of the test module.
extension EntityConcurrencyTests {
    /// What one request sent and how it was answered.
    struct Answer: Sendable {
        enum Path: String, Sendable { case read, patchWithBase, forced, resolve, submission, delete, review, convert }
        var path: Path
        var status: Int
        var code: Double?
        var body: JSONValue? = nil
        /// The label a write sent: unique, so its version can be found in the history.
        var label: String? = nil
        var instanceId: String? = nil
        /// The version a `PATCH` named with `?baseVersion=`.
        var baseVersion: Int? = nil

        /// A 2xx `PATCH` that wrote a version: every one but a resolve without a body.
        var wroteVersion: Bool { status == 200 && label != nil && [.patchWithBase, .forced, .resolve].contains(path) }
    }

    /// One entity of the trees dataset and the requests that race on it.
    struct Target: Sendable {
        let harness: Harness
        let project: Int64
        let round: Int

        var uuid: String { Self.uuid(round: round, entity: 0) }
        var dataset: String { "/v1/projects/\(project)/datasets/trees" }
        var entity: String { "\(dataset)/entities/\(uuid)" }

        static func uuid(round: Int, entity: Int) -> String { String(format: "c0c00000-0000-4000-8000-%06d%06d", round, entity) }
        static func branch(_ round: Int, _ phone: Int) -> String { String(format: "b0b00000-0000-4000-8000-%06d%06d", round, phone) }
        /// A submission number unique across rounds (EntityScenarioHTTPTests.xml makes its instanceID from it).
        func number(_ index: Int) -> Int { 1000 * (round + 1) + index }
        static func instanceId(_ number: Int) -> String { String(format: "uuid:00000000-0000-4000-8000-%012d", number) }

        /// The entity as version 1, made over the API.
        static func created(_ harness: Harness, project: Int64, round: Int) async throws -> Target {
            let target = Target(harness: harness, project: project, round: round)
            let created = try await harness.sendJSON(
                .post, "\(target.dataset)/entities", ["uuid": .string(target.uuid), "label": "Elm", "data": ["height": "1"]])
            #expect(created.status == .ok)
            return target
        }

        func patch(_ path: Answer.Path, query: String, label: String?, baseVersion: Int? = nil) async throws -> Answer {
            let body: JSONValue = label.map { ["label": .string($0), "data": ["circumference": .string($0)]] } ?? [:]
            let response = try await harness.sendJSON(.patch, "\(entity)\(query)", body)
            return Answer(
                path: path, status: Int(response.status.code), code: response.problemCode, body: try? response.json(), label: label,
                baseVersion: baseVersion)
        }

        /// The current version as a careful client reads it (nil once the entity is gone).
        func currentVersion() async throws -> (version: Int, answer: Answer) {
            let response = try await harness.send(.get, entity)
            let version = (try? response.json())?["currentVersion"]?["version"]?.intValue
            return (version.map { Int($0) } ?? 0, Answer(path: .read, status: Int(response.status.code), code: response.problemCode))
        }

        /// Reads the current version and updates on it: 409.15 when someone else wrote first.
        func patchWithBase(label: String) async throws -> Answer {
            let (version, read) = try await currentVersion()
            guard read.status == 200 else { return read }
            return try await patch(.patchWithBase, query: "?baseVersion=\(version)", label: label, baseVersion: version)
        }

        func forced(label: String) async throws -> Answer {
            try await patch(.forced, query: "?force=true", label: label)
        }

        /// A reviewer reads the entity and resolves the version they saw, with new values or without.
        func resolve(label: String?) async throws -> Answer {
            let (version, read) = try await currentVersion()
            guard read.status == 200 else { return read }
            return try await patch(.resolve, query: "?resolve=true&baseVersion=\(version)", label: label, baseVersion: version)
        }

        func delete() async throws -> Answer {
            let response = try await harness.send(.delete, entity)
            return Answer(path: .delete, status: Int(response.status.code), code: response.problemCode)
        }

        func submit(_ change: EntityChange, number: Int) async throws -> Answer {
            let response = try await harness.submitOpenRosa(project: project, xml: EntityScenarioHTTPTests.xml(change, number: number))
            return Answer(
                path: .submission, status: Int(response.status.code), code: nil, label: change.label, instanceId: Self.instanceId(number))
        }

        func review(_ instanceId: String) async throws -> Answer {
            let response = try await harness.sendJSON(
                .patch, "/v1/projects/\(project)/forms/trees_upsert/submissions/\(instanceId)", ["reviewState": "approved"])
            return Answer(path: .review, status: Int(response.status.code), code: response.problemCode)
        }

        /// One phone's offline updates on its own branch, each building on the one before (its `baseVersion`
        /// counts up from the version it downloaded); sent in order as Collect does, or all at once.
        func phone(_ phone: Int, trunk: Int?, bases: [Int], inOrder: Bool, branch: String? = nil) async throws -> [Answer] {
            let branch = branch ?? Self.branch(round, phone)
            let submissions = bases.map { base in
                (
                    change: Changes.update(
                        uuid, base: base, trunk: trunk, branch: branch, label: "phone \(phone) edit \(base)",
                        [("height", "p\(phone)e\(base)")]),
                    number: number(100 + 10 * phone + base)
                )
            }
            if inOrder {
                var answers: [Answer] = []
                for submission in submissions { answers.append(try await submit(submission.change, number: submission.number)) }
                return answers
            }
            return try await withThrowingTaskGroup(of: Answer.self) { group in
                for submission in submissions.reversed() {
                    group.addTask { try await submit(submission.change, number: submission.number) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
        }

        /// An API client that tries until the entity exists (it waits for approval): every answer it got.
        func whenItExists(_ write: @Sendable () async throws -> Answer) async throws -> [Answer] {
            var answers: [Answer] = []
            for _ in 0..<100 {
                answers.append(try await write())
                guard answers.last?.code == 404.1 else { break }
                try await Task.sleep(for: .milliseconds(2))
            }
            return answers
        }

        /// Each submission's `entity.error` problem code, by instanceID.
        func entityErrors() async throws -> [String: Double] {
            var codes: [String: Double] = [:]
            for audit in try await harness.audits("entity.error") {
                guard let instanceId = audit["details"]?["instanceId"]?.stringValue,
                    case .double(let code)? = audit["details"]?["problem"]?["problemCode"]
                else { continue }
                codes[instanceId] = code
            }
            return codes
        }

        /// The checks every race ends with. `refusals` are the `entity.error` codes an acknowledged submission
        /// may end with instead of a version (what Central answers for the state it met).
        /// `knownId` names the entity's row once it may have been deleted.
        func verify(_ answers: [Answer], seed: UInt64, refusals: Set<Double> = [], knownId: Int64? = nil) async throws {
            let context = "seed \(seed), round \(round)"
            let failures = answers.filter { $0.status >= 500 }
            #expect(failures.isEmpty, "no 500 anywhere (\(context)): \(failures.map { "\($0.path) \($0.status)" })")
            for answer in answers where answer.status != 200 && answer.status != 201 {
                let allowed: Set<Double> =
                    switch answer.path {
                    case .patchWithBase: [409.15, 404.1]
                    case .resolve: [409.15, 400.32, 404.1]
                    case .forced, .read, .delete: [404.1]
                    case .submission, .review, .convert: []
                    }
                #expect(
                    answer.code.map(allowed.contains) == true,
                    "\(answer.path) answered \(answer.status) \(answer.code.map { "\($0)" } ?? "") (\(context))")
            }

            // The history: from the store, as a deleted entity has none over the API; the same list over the API while it lives.
            let row = try await liveRow()
            let entityId = try #require(row?.id ?? knownId, "the entity exists (\(context))")
            let versions = try await harness.store.entityVersions(entityId: entityId)
            #expect(versions.map(\.stored.version) == Array(1...max(1, versions.count)), "gap-free, no duplicates (\(context))")
            if row != nil {
                let listed = try await harness.send(.get, "\(entity)/versions").json().arrayValue ?? []
                #expect(listed.map { $0["version"]?.intValue.map(Int.init) } == versions.map(\.stored.version), "(\(context))")
            }

            // Every version belongs to exactly one acknowledged request: the create, an API write, or a submission.
            var owners: [Int: [String]] = [:]
            if versions.first?.source.instanceId == nil { owners[1, default: []].append("create over the API") }
            for answer in answers where answer.wroteVersion {
                let current = answer.body?["currentVersion"]
                let number = Int(current?["version"]?.intValue ?? 0)
                owners[number, default: []].append("\(answer.path) \(answer.label ?? "")")
                #expect(current?["label"]?.stringValue == answer.label, "the answer is the version this request wrote (\(context))")
                guard let version = versions.first(where: { $0.stored.version == number })?.stored else {
                    Issue.record("\(answer.path) answered version \(number), which is not in the history (\(context))")
                    continue
                }
                #expect(version.label == answer.label, "version \(number) has its answer's label (\(context))")
                #expect(.object(version.data.json) == current?["data"], "version \(number) has its answer's data (\(context))")
                if let base = answer.baseVersion { #expect(version.baseVersion == base, "built on the version it named (\(context))") }
            }
            for answer in answers where answer.path == .resolve && answer.status == 200 {
                #expect(answer.body?["conflict"] == .null, "a resolve answers the entity without its conflict (\(context))")
                if answer.label == nil {
                    #expect(
                        answer.body?["currentVersion"]?["version"]?.intValue == answer.baseVersion.map(Int64.init),
                        "a resolve without a body writes nothing and clears the version it named (\(context))")
                }
            }
            let held = Set(
                try await harness.send(.get, "/v1/backlog").json().arrayValue?.compactMap { $0["instanceId"]?.stringValue } ?? [])
            let refused = try await entityErrors()
            for answer in answers where answer.path == .submission {
                #expect(answer.status == 201, "acknowledged (\(context))")
                let instanceId = answer.instanceId ?? ""
                let made = versions.filter { $0.source.instanceId == instanceId }
                for version in made { owners[version.stored.version, default: []].append("submission \(instanceId)") }
                if made.count == 1 {
                    #expect(made[0].stored.label == answer.label ?? "", "\(instanceId) wrote its label (\(context))")
                    #expect(refused[instanceId] == nil, "\(instanceId) applied and refused (\(context))")
                } else if made.isEmpty {
                    let accounted = held.contains(instanceId) || refused[instanceId].map(refusals.contains) == true
                    #expect(
                        accounted,
                        "\(instanceId) was acknowledged but made no version, is not held, refused with \(refused[instanceId].map { "\($0)" } ?? "nothing") (\(context))"
                    )
                } else {
                    Issue.record("\(instanceId) made \(made.count) versions (\(context))")
                }
            }
            let unowned = versions.map(\.stored.version).filter { owners[$0] == nil }
            let shared = owners.filter { $0.value.count > 1 }
            #expect(unowned.isEmpty, "versions no acknowledged request made: \(unowned) (\(context))")
            #expect(shared.isEmpty, "versions several requests claim: \(shared) (\(context))")

            let consistency = try #require(try await harness.store.checkConsistency(entityId: entityId))
            #expect(consistency.valid, "consistency: \(consistency.inconsistencies) (\(context))")
            if row != nil {
                let checked = try await harness.send(.get, "\(entity)/consistency").json()
                #expect(checked["valid"]?.boolValue == true, "\(checked.serialized()) (\(context))")
            }
        }

        /// The entity's row while it is live.
        func liveRow() async throws -> EntityRecord? {
            let detail = try await harness.store.dataset(projectId: project, name: "trees")
            return try await harness.store.entity(datasetId: try #require(detail).dataset.id, uuid: uuid)
        }
    }
}
