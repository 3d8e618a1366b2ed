import Entities
import EntityScenarios
import Foundation
import HTTPTypes
import Testing

@testable import Ingest

/// A manifest names an entity list's state without rendering it; uploads are streamed to disk and only a
/// few large ones are taken at once.
@Suite struct ManifestAndUploadTests {
    static func entityListHash(_ manifest: String) -> String? {
        guard let range = manifest.range(of: #"<mediaFile type="entityList">"#) else { return nil }
        let rest = manifest[range.upperBound...]
        guard let start = rest.range(of: "<hash>md5:"), let end = rest.range(of: "</hash>") else { return nil }
        return String(rest[start.upperBound..<end.lowerBound])
    }

    @Test func entityListHashMovesWithTheListAndTheDownloadIsTheListAsItIs() async throws {
        try await Harness.run { harness in
            let project = try await harness.createProject()
            try await harness.publishForm("trees_registration", project: project)
            try await harness.publishForm("trees_update", project: project)
            func manifestHash() async throws -> String? {
                let manifest = try await harness.send(
                    .get, "/v1/projects/\(project)/forms/trees_update/manifest", headers: [OpenRosa.versionHeader: "1.0"])
                return Self.entityListHash(manifest.text)
            }
            let empty = try #require(try await manifestHash())
            #expect(try await manifestHash() == empty, "nothing changed, nothing to download again")
            let entities = "/v1/projects/\(project)/datasets/trees/entities"
            let created = try await harness.sendJSON(
                .post, entities, ["uuid": "12345678-1234-4123-8123-123456789abc", "label": "Oak", "data": ["species": "oak"]])
            #expect(created.status == .ok)
            let afterCreate = try #require(try await manifestHash())
            #expect(afterCreate != empty)
            let csvPath = "/v1/projects/\(project)/forms/trees_update/attachments/trees.csv"
            let first = try await harness.send(.get, csvPath)
            #expect(first.text == "name,label,__version,species,height,circumference\n12345678-1234-4123-8123-123456789abc,Oak,1,oak,,\n")
            #expect(first.headers[.eTag] == "\"\(afterCreate)\"")
            let updated = try await harness.sendJSON(
                .patch, "\(entities)/12345678-1234-4123-8123-123456789abc?force=true", ["label": "Old oak"])
            #expect(updated.status == .ok)
            let afterUpdate = try #require(try await manifestHash())
            #expect(afterUpdate != afterCreate)
            #expect(try await harness.send(.get, csvPath).text.contains(",Old oak,2,oak,"))
            #expect(try await harness.send(.delete, "\(entities)/12345678-1234-4123-8123-123456789abc").status == .ok)
            #expect(try await manifestHash() != afterUpdate)
            #expect(try await harness.send(.get, csvPath).text == "name,label,__version,species,height,circumference\n")
        }
    }

    @Test func concurrentDownloadsOfAListEachGetItWhole() async throws {
        try await Harness.run { harness in
            let project = try await harness.createProject()
            try await harness.publishForm("trees_registration", project: project)
            try await harness.publishForm("trees_update", project: project)
            let items: [JSONValue] = (0..<500).map { .object(["label": .string("Tree \($0)"), "data": ["species": "ash"]]) }
            #expect(
                try await harness.sendJSON(
                    .post, "/v1/projects/\(project)/datasets/trees/entities", ["source": ["name": "test"], "entities": .array(items)]
                ).status == .ok)
            let path = "/v1/projects/\(project)/forms/trees_update/attachments/trees.csv"
            let bodies = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<8 { group.addTask { try await harness.send(.get, path).text } }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(Set(bodies).count == 1)
            #expect(bodies[0].split(separator: "\n").count == 501)
        }
    }

    @Test func aLargeAttachmentIsStoredByteForByteThroughTheDisk() async throws {
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            let photo = Data((0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) })
            let sent = try await harness.submitOpenRosa(
                project: project, xml: Harness.sitePhotoXML(), files: [("tree.jpg", "image/jpeg", photo)])
            #expect(sent.status == .created)
            let url = "/v1/projects/\(project)/forms/site_photo/submissions/\(Harness.sitePhotoInstance())/attachments/tree.jpg"
            #expect(try await harness.send(.get, url).data == photo)
            let left = try FileManager.default.contentsOfDirectory(atPath: GatewayConfiguration().scratchDirectory + "/uploads")
            #expect(
                !left.contains {
                    $0.count == 36
                        && (try? Data(contentsOf: URL(fileURLWithPath: "\(GatewayConfiguration().scratchDirectory)/uploads/\($0)")))
                            == photo
                })
        }
    }

    @Test func whenEveryLargeUploadSlotIsTakenTheAnswerIs503WithRetryAfter() async throws {
        let busy = GatewayConfiguration(largeUploadBytes: 0, largeUploadConcurrency: 0)
        try await Harness.run(configuration: busy) { harness in
            let project = try await harness.sitePhotoProject()
            let sent = try await harness.submitOpenRosa(project: project, xml: Harness.sitePhotoXML())
            #expect(sent.status == .serviceUnavailable)
            #expect(sent.headers[.retryAfter] == "5")
            #expect(sent.text.contains("<OpenRosaResponse"))
            let listed = try await harness.send(.get, "/v1/projects/\(project)/forms/site_photo/submissions").json()
            #expect(listed.arrayValue?.isEmpty == true)
        }
    }

    @Test func uploadGateLetsInOnlyItsSlots() {
        let gate = UploadGate(slots: 2)
        #expect(gate.enter() && gate.enter())
        #expect(!gate.enter())
        gate.leave()
        #expect(gate.enter())
        #expect(gate.inUse == 2)
    }
}

@Suite struct ScratchDirectoryTests {
    @Test func filesLeftByACrashAreRemovedAtStartAndRecentOnesKept() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scratch-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        ScratchDirectory.prepare(folder)
        FileManager.default.createFile(atPath: folder + "/old", contents: Data("x".utf8))
        FileManager.default.createFile(atPath: folder + "/new", contents: Data("y".utf8))
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-7200)], ofItemAtPath: folder + "/old")
        ScratchDirectory.prepare(folder)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["new"])
    }
}
