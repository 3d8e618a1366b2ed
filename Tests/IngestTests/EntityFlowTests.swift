import Entities
import EntityScenarios
import Foundation
import HTTPTypes
import Testing

@testable import Ingest
@testable import Store

@Suite struct EntityFlowTests {
    static let tree = "e7000000-0000-4000-8000-000000000001"

    func prepared(_ harness: Harness) async throws -> Int64 {
        let project = try await harness.createProject()
        try await harness.publishForm("trees_registration", project: project)
        try await harness.publishForm("trees_update", project: project)
        return project
    }

    func submit(_ harness: Harness, _ project: Int64, _ form: String, _ name: String) async throws {
        let response = try await harness.submitOpenRosa(project: project, xml: SampleFiles.submission(form, name))
        #expect(response.status == .created, "\(name)")
    }

    @Test func registrationCreatesTheEntityAtOnce() async throws {
        try await Harness.run { harness in
            let project = try await prepared(harness)
            try await submit(harness, project, "trees_registration", "reg-1-oak")
            let entities = "/v1/projects/\(project)/datasets/trees/entities"
            let list = try await harness.send(.get, entities).json().arrayValue ?? []
            #expect(list.map { $0["uuid"]?.stringValue } == [Self.tree])
            let entity = try await harness.send(.get, "\(entities)/\(Self.tree)").json()
            #expect(entity["currentVersion"]?["label"]?.stringValue == "Quercus robur 101")
            #expect(entity["currentVersion"]?["data"] == ["species": "Quercus robur", "height": "12.5", "circumference": "210"])
            #expect(entity["conflict"] == .null)
            #expect(entity["currentVersion"]?["version"]?.intValue == 1)
            let csv = try await harness.send(.get, "/v1/projects/\(project)/forms/trees_update/attachments/trees.csv")
            #expect(
                csv.text == "name,label,__version,species,height,circumference\n\(Self.tree),Quercus robur 101,1,Quercus robur,12.5,210\n")
            #expect(try await harness.audits("entity.create").count == 1)
        }
    }

    @Test func offlineBranchArrivingBackwardsIsHeldThenAppliedInOrder() async throws {
        try await Harness.run { harness in
            let project = try await prepared(harness)
            try await submit(harness, project, "trees_registration", "reg-1-oak")
            try await submit(harness, project, "trees_update", "update-3")
            try await submit(harness, project, "trees_update", "update-2")
            let backlog = try await harness.send(.get, "/v1/backlog").json().arrayValue ?? []
            #expect(backlog.map { $0["branchBaseVersion"]?.intValue } == [3, 2])
            #expect(backlog.first?["xmlFormId"]?.stringValue == "trees_update")
            #expect(backlog.first?["entityUuid"]?.stringValue == Self.tree)
            try await submit(harness, project, "trees_update", "update-1")
            #expect(try await harness.send(.get, "/v1/backlog").json() == [])
            let versions =
                try await harness.send(.get, "/v1/projects/\(project)/datasets/trees/entities/\(Self.tree)/versions")
                .json().arrayValue ?? []
            #expect(versions.map { $0["version"]?.intValue } == [1, 2, 3, 4])
            #expect(versions.map { $0["baseVersion"] } == [.null, 1, 2, 3])
            #expect(versions.map { $0["branchBaseVersion"] } == [.null, 1, 2, 3])
            #expect(versions.allSatisfy { $0["conflict"] == .null })
            #expect(versions[3]["source"]?["submission"]?["instanceId"]?.stringValue == "uuid:22220000-0000-4000-8000-000000000003")
            #expect(versions[3]["source"]?["receivedAt"]?.stringValue != nil)
            #expect(try await harness.audits("submission.backlog.hold").count == 2)
            #expect(try await harness.audits("submission.backlog.reprocess").count == 2)
        }
    }

    @Test func heldUpdateIsForcedByTheProcessRoute() async throws {
        try await Harness.run { harness in
            let project = try await prepared(harness)
            try await submit(harness, project, "trees_registration", "reg-1-oak")
            try await submit(harness, project, "trees_update", "update-2")
            let notYet = try await harness.send(.post, "/v1/backlog/process")
            #expect(try notYet.json()["processed"]?.intValue == 0, "held for less than the hold time")
            let forced = try await harness.send(.post, "/v1/backlog/process?force=true")
            #expect(try forced.json()["processed"]?.intValue == 1)
            #expect(try await harness.send(.get, "/v1/backlog").json() == [])
            let entity = try await harness.send(.get, "/v1/projects/\(project)/datasets/trees/entities/\(Self.tree)").json()
            #expect(entity["currentVersion"]?["version"]?.intValue == 2)
            #expect(entity["currentVersion"]?["label"]?.stringValue == "Quercus robur 101 (gate oak)")
            #expect(try await harness.audits("submission.backlog.force").count == 1)
        }
    }

    @Test func heldChangeOfADeletedSubmissionIsDroppedNotApplied() async throws {
        try await Harness.run { harness in
            let project = try await prepared(harness)
            try await submit(harness, project, "trees_registration", "reg-1-oak")
            try await submit(harness, project, "trees_update", "update-2")
            let deleted = try await harness.send(
                .delete, "/v1/projects/\(project)/forms/trees_update/submissions/uuid:22220000-0000-4000-8000-000000000002")
            #expect(deleted.status == .ok)
            let forced = try await harness.send(.post, "/v1/backlog/process?force=true")
            #expect(try forced.json()["processed"]?.intValue == 1)
            #expect(try await harness.send(.get, "/v1/backlog").json() == [])
            let entity = try await harness.send(.get, "/v1/projects/\(project)/datasets/trees/entities/\(Self.tree)").json()
            #expect(entity["currentVersion"]?["version"]?.intValue == 1, "the deleted submission's update was not applied")
            let drops = try await harness.audits("submission.backlog.drop")
            #expect(drops.map { $0["details"]?["reason"]?.stringValue } == ["submission deleted"])
            #expect(try await harness.audits("submission.backlog.force").isEmpty)
        }
    }

    @Test func backlogSweepForcesWhatWaitedTooLong() async throws {
        try await Harness.run(configuration: GatewayConfiguration(backlogHoldSeconds: 0, backlogSweepSeconds: 1)) { harness in
            let project = try await prepared(harness)
            try await submit(harness, project, "trees_registration", "reg-1-oak")
            try await submit(harness, project, "trees_update", "update-2")
            #expect(try await harness.store.backlog().count == 1, "the update waits for its missing base")
            let sweep = PeriodicService.backlogSweep(
                store: harness.store, configuration: GatewayConfiguration(backlogHoldSeconds: 0, backlogSweepSeconds: 1),
                logger: .init(label: "test"))
            let task = Task { try await sweep.run() }
            for _ in 0..<50 where try await !harness.store.backlog().isEmpty {
                try await Task.sleep(for: .milliseconds(100))
            }
            task.cancel()
            #expect(try await harness.store.backlog().isEmpty)
            #expect(try await harness.audits("submission.backlog.force").count == 1, "the sweep forced it rather than dropping it")
        }
    }

    @Test func entityErrorKeepsTheSubmissionAndIsAudited() async throws {
        try await Harness.run { harness in
            let project = try await prepared(harness)
            // Without a branch an update of an unknown entity cannot wait for its create: it fails.
            let online = String(decoding: try SampleFiles.submission("trees_update", "update-1"), as: UTF8.self)
                .replacingOccurrences(of: #"trunkVersion="1" branchId="b7a0c0de-0000-4000-8000-000000000001""#, with: "")
            let response = try await harness.submitOpenRosa(project: project, xml: Data(online.utf8))
            #expect(response.status == .created)
            #expect(try await harness.send(.get, "/v1/projects/\(project)/forms/trees_update/submissions").json().arrayValue?.count == 1)
            let errors = try await harness.audits("entity.error")
            #expect(errors.count == 1)
            #expect(errors.first?["details"]?["problem"]?["problemCode"] == .double(404.8))
            #expect(errors.first?["details"]?["errorMessage"]?.stringValue?.contains("does not exist in the dataset (trees)") == true)
            let submissionAudits = try await harness.send(
                .get, "/v1/projects/\(project)/forms/trees_update/submissions/uuid:22220000-0000-4000-8000-000000000001/audits")
            #expect(try submissionAudits.json().arrayValue?.map { $0["action"]?.stringValue } == ["entity.error", "submission.create"])
        }
    }

    @Test func resentAndEditedRegistrationsDoNotCreateTwice() async throws {
        try await Harness.run { harness in
            let project = try await prepared(harness)
            try await submit(harness, project, "trees_registration", "reg-1-oak")
            try await submit(harness, project, "trees_registration", "reg-1-oak")
            try await submit(harness, project, "trees_registration", "reg-1-oak-edited")
            let versions = try await harness.send(.get, "/v1/projects/\(project)/datasets/trees/entities/\(Self.tree)/versions").json()
            #expect(versions.arrayValue?.count == 1)
            #expect(try await harness.audits("entity.error").isEmpty)
        }
    }

    @Test func repeatCreatesOneEntityPerMember() async throws {
        try await Harness.run { harness in
            let project = try await harness.createProject()
            try await harness.publishForm("households_repeat", project: project)
            let response = try await harness.submitOpenRosa(
                project: project, xml: SampleFiles.submission("households_repeat", "household-1"))
            #expect(response.status == .created)
            let people = try await harness.send(.get, "/v1/projects/\(project)/datasets/people/entities").json().arrayValue ?? []
            #expect(people.count == 3)
        }
    }
}
