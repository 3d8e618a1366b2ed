import Entities
import EntityScenarios
import Foundation
import HTTPTypes
import Testing

@testable import Ingest
@testable import Store

/// Central's attachment rule, over REST and OpenRosa: only files the XML references, and a create-only
/// actor only fills an empty one of its own unedited submission.
@Suite struct AttachmentRuleTests {
    let photo = Data("the real photo".utf8)
    let forged = Data("<html><script>alert(1)</script></html>".utf8)

    func attachmentURL(_ project: Int64, suffix: String = "1", name: String = "tree.jpg", prefix: String = "/v1") -> String {
        "\(prefix)/projects/\(project)/forms/site_photo/submissions/\(Harness.sitePhotoInstance(suffix: suffix))/attachments/\(name)"
    }

    @Test func dataCollectorCannotReplaceAnotherSubmittersPhoto() async throws {
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            let owner = try await harness.user("owner@example.com", role: "formfill", project: project)
            let other = try await harness.user("other@example.com", role: "formfill", project: project)
            let sent = try await harness.submitOpenRosa(
                project: project, xml: Harness.sitePhotoXML(), files: [("tree.jpg", "image/jpeg", photo)], token: owner.token)
            #expect(sent.status == .created)
            let replaced = try await harness.send(
                .post, attachmentURL(project), token: other.token, body: forged, contentType: "image/jpeg")
            #expect(replaced.problemCode == 403.1)
            let resent = try await harness.submitOpenRosa(
                project: project, xml: Harness.sitePhotoXML(), files: [("tree.jpg", "image/jpeg", forged)], token: other.token)
            #expect(resent.status == .forbidden, "an identical resend may not carry different bytes for a stored file")
            #expect(try await harness.send(.get, attachmentURL(project)).data == photo)
            #expect(try await harness.audits("submission.attachment.update").isEmpty)
        }
    }

    @Test func appUserCannotReplaceAPhotoWithHTML() async throws {
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            let key = try await harness.appUser(project: project, forms: ["site_photo"])
            let own = try await harness.submitOpenRosa(
                project: project, xml: Harness.sitePhotoXML(), files: [("tree.jpg", "image/jpeg", photo)], prefix: "/v1/key/\(key)",
                token: .some(nil))
            #expect(own.status == .created)
            let replaced = try await harness.send(
                .post, attachmentURL(project, prefix: "/v1/key/\(key)"), token: .some(nil), body: forged, contentType: "text/html")
            #expect(replaced.problemCode == 403.1, "even its own submission: the slot is filled")
            let download = try await harness.send(.get, attachmentURL(project))
            #expect(download.data == photo)
            #expect(download.headers[.contentType] == "image/jpeg")
        }
    }

    @Test func namesTheXMLDoesNotReferenceAreRefusedOverRESTAndDroppedOverOpenRosa() async throws {
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            let sent = try await harness.submitOpenRosa(
                project: project, xml: Harness.sitePhotoXML(),
                files: [("tree.jpg", "image/jpeg", photo), ("extra.html", "text/html", forged)])
            #expect(sent.status == .created)
            let base = "/v1/projects/\(project)/forms/site_photo/submissions/\(Harness.sitePhotoInstance())"
            #expect(try await harness.send(.get, "\(base)/attachments").json() == [["name": "tree.jpg", "exists": true]])
            let added = try await harness.send(.post, attachmentURL(project, name: "extra.html"), body: forged, contentType: "text/html")
            #expect(added.problemCode == 404.1, "an administrator too: the XML names no such file")
            #expect(try await harness.send(.get, "\(base)/attachments").json() == [["name": "tree.jpg", "exists": true]])
        }
    }

    @Test func createOnlyActorFillsAMissingFileOfItsOwnUneditedSubmissionAndTheAuditHasBothHashes() async throws {
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            let collector = try await harness.user("collector@example.com", role: "formfill", project: project)
            let other = try await harness.user("other@example.com", role: "formfill", project: project)
            #expect(
                try await harness.submitOpenRosa(project: project, xml: Harness.sitePhotoXML(), token: collector.token).status == .created)
            let base = "/v1/projects/\(project)/forms/site_photo/submissions/\(Harness.sitePhotoInstance())"
            #expect(try await harness.send(.get, "\(base)/attachments").json() == [["name": "tree.jpg", "exists": false]])
            let stranger = try await harness.send(.post, attachmentURL(project), token: other.token, body: photo, contentType: "image/jpeg")
            #expect(stranger.problemCode == 403.1, "not its submission")
            let filled = try await harness.send(
                .post, attachmentURL(project), token: collector.token, body: photo, contentType: "image/jpeg")
            #expect(filled.status == .ok)
            #expect(try await harness.send(.get, attachmentURL(project)).data == photo)

            let manager = try await harness.user("manager@example.com", role: "manager", project: project)
            let replaced = try await harness.send(
                .post, attachmentURL(project), token: manager.token, body: forged, contentType: "image/png")
            #expect(replaced.status == .ok, "a manager may replace")
            let audits = try await harness.audits("submission.attachment.update")
            let hashes = audits.map { ($0["details"]?["oldBlobSha256"], $0["details"]?["newBlobSha256"]?.stringValue) }
            let photoHash = IncomingAttachment(name: "", contentType: nil, data: photo).sha256
            let forgedHash = IncomingAttachment(name: "", contentType: nil, data: forged).sha256
            #expect(hashes.contains { $0.0 == .null && $0.1 == photoHash })
            #expect(hashes.contains { $0.0?.stringValue == photoHash && $0.1 == forgedHash })
        }
    }

    @Test func editedSubmissionKeepsItsFilesAndIsClosedToItsCreator() async throws {
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            let collector = try await harness.user("collector@example.com", role: "formfill", project: project)
            let xml = try Harness.sitePhotoXML()
            #expect(
                try await harness.submitOpenRosa(
                    project: project, xml: xml, files: [("tree.jpg", "image/jpeg", photo)], token: collector.token
                )
                .status == .created)
            let edit = String(decoding: try Harness.sitePhotoXML(suffix: "2"), as: UTF8.self).replacingOccurrences(
                of: "</instanceID>", with: "</instanceID><deprecatedID>\(Harness.sitePhotoInstance())</deprecatedID>")
            let edited = try await harness.send(
                .put, "/v1/projects/\(project)/forms/site_photo/submissions/\(Harness.sitePhotoInstance())", body: Data(edit.utf8),
                contentType: "application/xml")
            #expect(edited.status == .ok)
            #expect(try await harness.send(.get, attachmentURL(project)).data == photo, "the edit references the photo and keeps it")
            let refill = try await harness.send(
                .post, attachmentURL(project), token: collector.token, body: forged, contentType: "image/jpeg")
            #expect(refill.problemCode == 403.1)
        }
    }

    @Test func openRosaPartsNamedAsPathsAreRefusedAndNothingIsStored() async throws {
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            for name in ["../../x.jpg", "/etc/x", "a\\b.jpg", "tab\there.jpg", String(repeating: "n", count: 256) + ".jpg"] {
                let xml = try Harness.sitePhotoXML(photo: OpenRosa.escape(name))
                let sent = try await harness.submitOpenRosa(project: project, xml: xml, files: [(name, "image/jpeg", photo)])
                #expect(sent.status == .badRequest, "\(name)")
                #expect(sent.text.contains("<OpenRosaResponse"))
            }
            let listed = try await harness.send(.get, "/v1/projects/\(project)/forms/site_photo/submissions").json()
            #expect(listed.arrayValue?.isEmpty == true)
        }
    }

    @Test func aRequestWithMorePartsThanAnyFormHasIsRefused() async throws {
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            let files = (0...Uploads.maximumParts).map { (name: "f\($0).jpg", contentType: "image/jpeg", data: Data("x".utf8)) }
            let sent = try await harness.submitOpenRosa(project: project, xml: Harness.sitePhotoXML(), files: files)
            #expect(sent.status == .badRequest)
            let listed = try await harness.send(.get, "/v1/projects/\(project)/forms/site_photo/submissions").json()
            #expect(listed.arrayValue?.isEmpty == true)
        }
    }

    @Test func ruleDecidesAsCentral() {
        let hash = "aa"
        func decide(_ slot: AttachmentRule.Slot, replace: Bool, own: Bool, resend: Bool = false) -> AttachmentRule.Decision {
            AttachmentRule.decide(slot: slot, incomingSHA256: hash, mayReplace: replace, isOwnUneditedSubmission: own, isResend: resend)
        }
        #expect(decide(.notReferenced, replace: true, own: true) == .notReferenced)
        #expect(decide(.empty, replace: false, own: true) == .store)
        #expect(decide(.empty, replace: false, own: false) == .forbidden)
        #expect(decide(.filled(sha256: "bb"), replace: false, own: true) == .forbidden)
        #expect(decide(.filled(sha256: "bb"), replace: true, own: false) == .store)
        #expect(decide(.filled(sha256: hash), replace: false, own: false, resend: true) == .unchanged)
        #expect(!AttachmentRule.isAcceptableName("a/b") && !AttachmentRule.isAcceptableName("..") && !AttachmentRule.isAcceptableName(""))
        #expect(AttachmentRule.isAcceptableName("photo 1 é.jpg") && AttachmentRule.isAcceptableName(String(repeating: "é", count: 127)))
        #expect(!AttachmentRule.isAcceptableName(String(repeating: "é", count: 128)))
    }
}
