import Testing
import XMLParse

@testable import Entities
import EntityScenarios

@Suite struct EngineErrorTests {
    let start = H.create([("height", "10")])

    func codes(_ steps: [EntityChange], deleteAfterFirst: Bool = false) throws -> [Double] {
        let harness = EngineHarness()
        for (index, change) in steps.enumerated() {
            try harness.submit(change)
            if index == 0 && deleteAfterFirst { try harness.processor.delete(uuid: H.tree, datasetName: "trees", actorId: 1) }
        }
        return harness.errors.map(\.code)
    }

    @Test func trunkVersionAboveTheNewestIsAnErrorNotAHold() throws {
        #expect(try codes([start, H.update(base: 1, trunk: 5, branch: A, [("height", "11")])]) == [404.9])
    }

    @Test func unknownBaseVersionWithoutABranchIs404Point9() throws {
        #expect(try codes([start, H.update(base: 7, [("height", "11")])]) == [404.9])
    }

    @Test func updateOfAnUnknownEntityIs404Point8() throws {
        #expect(try codes([H.update(base: 1, [("height", "11")])]) == [404.8])
    }

    @Test func deletedEntityCannotBeUpdatedNorItsUUIDReused() throws {
        #expect(try codes([start, H.update(base: 1, [("height", "11")]), start], deleteAfterFirst: true) == [404.11, 409.19])
    }

    /// An API update made from version 1 after someone else made version 2.
    @Test func apiUpdateFromAVersionNoLongerCurrentIs409Point15() throws {
        let harness = EngineHarness()
        try harness.submit(start)
        try harness.submit(H.update(base: 1, [("height", "11")]))
        #expect(throws: EntityProblem.staleVersion(current: 2, provided: "1")) {
            try harness.processor.requireCurrentBase(H.update(base: 1, [("height", "12")]))
        }
        try harness.processor.requireCurrentBase(H.update(base: 2, [("height", "12")]))
    }

    @Test func secondCreateWithTheSameUUIDIs409Point3() throws {
        #expect(try codes([start, start]) == [409.3])
    }

    @Test func createWithoutLabelIs400Point2() throws {
        #expect(try codes([H.create([("height", "1")], label: nil)]) == [400.2])
    }

    @Test func formMayOnlyDoWhatItDeclares() throws {
        var change = H.update(base: 1, [("height", "11")])
        change.formAllowsUpdate = false
        change.formAllowsCreate = true
        let harness = EngineHarness()
        try harness.submit(start)
        try harness.submit(change)
        #expect(harness.errors.map(\.code) == [403.2])
        #expect(harness.errors.first?.message.hasSuffix("The form permits the following actions: create.") == true)
    }

    @Test func upsertOfAMissingEntityCreatesItInsteadOfHolding() throws {
        var upsert = H.update(base: 1, trunk: 1, branch: A, label: "Fir", [("height", "3")])
        upsert.wantsCreate = true
        upsert.formAllowsCreate = true
        let harness = EngineHarness()
        try harness.submit(upsert)
        #expect(harness.versions.map(\.appliedAs) == [.create])
        #expect(harness.workspace.backlog.isEmpty)
    }

    @Test func upsertSentWithoutABaseVersionCreates() throws {
        var upsert = H.create([("height", "3")], label: "Fir")
        upsert.wantsUpdate = true
        upsert.formAllowsUpdate = true
        let harness = EngineHarness()
        try harness.submit(upsert)
        #expect(harness.errors.isEmpty)
        #expect(harness.versions.map(\.appliedAs) == [.create])
    }

    @Test func oneFailingBlockOfSeveralIsReportedAs400Point43AndNoneApplies() throws {
        let harness = EngineHarness()
        let origins = (0..<2).map { index in
            ChangeOrigin(
                source: .submission(submissionId: 9, submissionDefId: 9, instanceId: "uuid:9", blockIndex: index), actorId: 1,
                userAgent: nil, receivedAt: "t", event: "submission.create")
        }
        try harness.processor.applySubmission(
            [.success(start), .success(H.update("e7000000-0000-4000-8000-000000000009", base: 1, [("height", "1")]))],
            origins: origins, approved: true)
        #expect(harness.versions.isEmpty, "a submission's entity work is all or nothing, as Central's")
        #expect(harness.errors.map(\.code) == [400.43])
        #expect(harness.errors.first?.message.contains("(Entity 2) The entity with UUID") == true)
    }

    @Test func sameSubmissionBlockIsAppliedOnlyOnce() throws {
        let harness = EngineHarness()
        let origin = ChangeOrigin(
            source: .submission(submissionId: 1, submissionDefId: 1, instanceId: "uuid:1", blockIndex: 0), actorId: 1,
            userAgent: nil, receivedAt: "t", event: "submission.create")
        try harness.processor.applySubmission([.success(start)], origins: [origin], approved: true)
        try harness.processor.applySubmission([.success(start)], origins: [origin], approved: true)
        #expect(harness.versions.count == 1)
        #expect(harness.errors.isEmpty, "a repeat is ignored, not reported as a duplicate create")
    }

    @Test func heldChangeReleasedAndForcedAtOnceAppliesOnce() throws {
        let harness = EngineHarness()
        try harness.submit(start)
        try harness.submit(H.update(base: 2, trunk: 1, branch: A, [("height", "12")]))
        let held = try #require(harness.workspace.backlog.first)
        try harness.submit(H.update(base: 1, trunk: 1, branch: A, [("height", "11")]))
        try harness.processor.force(held)
        #expect(harness.versions.count == 3)
        #expect(harness.versions.filter(\.forced).isEmpty)
    }

    @Test func datasetWaitingForApprovalIsNotProcessedUntilApproved() throws {
        let workspace = InMemoryEntityWorkspace(datasets: [DatasetRef(id: 1, name: "trees", approvalRequired: true)])
        let processor = EntityProcessor(workspace: workspace)
        let origin = ChangeOrigin(
            source: .submission(submissionId: 1, submissionDefId: 1, instanceId: "uuid:1", blockIndex: 0), actorId: 1,
            userAgent: nil, receivedAt: "t", event: "submission.create")
        try processor.applySubmission([.success(start)], origins: [origin], approved: false)
        #expect(workspace.entities.isEmpty)
        try processor.applySubmission([.success(start)], origins: [origin], approved: true)
        #expect(workspace.entities.count == 1)
    }
}

@Suite struct EntityChangeValidationTests {
    let declaration = EntityDeclaration(
        dataset: "trees", allowsCreate: true, allowsUpdate: true, containerPath: ["data"], isInRepeat: false, properties: [])

    func change(_ attributes: [String: String], label: String? = "x") throws(EntityProblem) -> EntityChange {
        try EntityChange(
            block: EntityBlock(declarationIndex: 0, dataset: "trees", attributes: attributes, label: label, properties: []),
            declaration: declaration)
    }

    @Test func uuidIsNormalisedAndMustBeVersion4() throws {
        let valid = try change(["id": "uuid:E7000000-0000-4000-8000-000000000001", "create": "1"])
        #expect(valid.uuid == "e7000000-0000-4000-8000-000000000001")
        #expect(throws: EntityProblem.self) { try change(["id": "12345", "create": "1"]) }
        #expect(throws: EntityProblem.self) { try change(["id": "e7000000-0000-1000-8000-000000000001", "create": "1"]) }
    }

    @Test func trunkVersionWithoutBranchIs400Point2() {
        #expect(throws: EntityProblem.missingParameter("branchId")) {
            try change(["id": H.tree, "update": "1", "baseVersion": "1", "trunkVersion": "1"])
        }
    }

    @Test func nonIntegerVersionsAre400Point11() {
        #expect(throws: EntityProblem.invalidType("baseVersion", expected: "integer")) {
            try change(["id": H.tree, "update": "1", "baseVersion": "one"])
        }
    }

    @Test func branchIdIsStoredLowerCase() throws {
        let parsed = try change(["id": H.tree, "update": "1", "baseVersion": "2", "trunkVersion": "1", "branchId": A.uppercased()])
        #expect(parsed.branchId == A)
        #expect(parsed.baseVersion == 2 && parsed.trunkVersion == 1)
    }

    @Test func emptyLabelOnUpdateMeansKeepTheLabel() throws {
        let parsed = try change(["id": H.tree, "update": "1", "baseVersion": "1"], label: "")
        #expect(parsed.label == nil)
        #expect(parsed.dataReceived["label"] == nil)
    }
}
