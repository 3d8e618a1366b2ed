import Foundation
import Testing

@testable import Store

@Suite struct SubmissionStoreTests {
    @Test func identicalResendIsADuplicateThatAddsOnlyNewAttachments() async throws {
        let temporary = try TemporaryStore()
        let (actor, form) = try await temporary.publishedForm()
        let xml = TemporaryStore.submission("uuid:1")
        guard case .created = try await temporary.submit(xml, form: form, actor: actor) else { Issue.record("expected created"); return }
        let photo = IncomingAttachment(name: "p.jpg", contentType: "image/jpeg", data: Data([1, 2, 3]))
        guard case .duplicate(let record) = try await temporary.submit(xml, form: form, actor: actor, attachments: [photo]) else {
            Issue.record("expected duplicate"); return
        }
        let stored = try await temporary.store.submissionAttachments(defId: record.current.id)
        #expect(stored.map(\.name) == ["p.jpg"] && stored.first?.contentType == "image/jpeg" && stored.first?.size == 3)
        #expect(try await temporary.store.attachmentBytes(stored[0], offset: 0, length: 10) == Data([1, 2, 3]))
        #expect(try await temporary.store.attachmentBytes(stored[0], offset: 1, length: 1) == Data([2]))
        #expect(try await temporary.store.submissions(formId: form.id).count == 1)
    }

    @Test func createdSubmissionIsAnsweredExactlyAsItReadsBack() async throws {
        let temporary = try TemporaryStore()
        let (actor, form) = try await temporary.publishedForm()
        guard case .created(let answered) = try await temporary.submit(TemporaryStore.submission("uuid:1"), form: form, actor: actor)
        else {
            Issue.record("expected created"); return
        }
        #expect(try await temporary.store.submission(formId: form.id, instanceId: "uuid:1") == answered)
    }

    @Test func sameInstanceIDWithOtherXMLIsRefusedAndNothingIsWritten() async throws {
        let temporary = try TemporaryStore()
        let (actor, form) = try await temporary.publishedForm()
        _ = try await temporary.submit(TemporaryStore.submission("uuid:1"), form: form, actor: actor)
        await #expect(throws: SubmissionWriteError.conflictingDuplicate(instanceId: "uuid:1")) {
            try await temporary.submit(TemporaryStore.submission("uuid:1", answer: "other"), form: form, actor: actor)
        }
        let stored = try await temporary.store.submission(formId: form.id, instanceId: "uuid:1", withXML: true)
        #expect(stored?.current.xml == TemporaryStore.submission("uuid:1"))
    }

    @Test func deprecatedIDMakesANewVersionOfTheSameSubmission() async throws {
        let temporary = try TemporaryStore()
        let (actor, form) = try await temporary.publishedForm()
        _ = try await temporary.submit(TemporaryStore.submission("uuid:1"), form: form, actor: actor)
        let edit = TemporaryStore.submission("uuid:2", answer: "b", deprecatedId: "uuid:1")
        guard case .edited(let record) = try await temporary.submit(edit, form: form, actor: actor) else {
            Issue.record("expected an edit"); return
        }
        #expect(record.instanceId == "uuid:1")
        #expect(record.current.instanceId == "uuid:2")
        #expect(record.reviewState == "edited")
        let stale = TemporaryStore.submission("uuid:3", deprecatedId: "uuid:1")
        await #expect(throws: SubmissionWriteError.deprecatedIdNotCurrent("uuid:1")) {
            try await temporary.submit(stale, form: form, actor: actor)
        }
        let audits = try await temporary.store.audits(submissionId: record.id).map(\.action)
        #expect(audits == ["submission.update.version", "submission.create"])
    }

    @Test func deletedSubmissionCannotBeSentAgain() async throws {
        let temporary = try TemporaryStore()
        let (actor, form) = try await temporary.publishedForm()
        guard case .created(let record) = try await temporary.submit(TemporaryStore.submission("uuid:1"), form: form, actor: actor) else {
            Issue.record("expected created"); return
        }
        try await temporary.store.deleteSubmission(submissionId: record.id, actorId: actor.id)
        await #expect(throws: SubmissionWriteError.deleted) {
            try await temporary.submit(TemporaryStore.submission("uuid:1"), form: form, actor: actor)
        }
    }

    @Test func secondUserWithTheSameEmailIsRefused() async throws {
        let temporary = try TemporaryStore()
        _ = try await temporary.store.createUser(email: "a@example.com", passwordHash: "x", displayName: nil, isAdmin: false)
        await #expect(throws: StoreError.emailTaken("A@example.com")) {
            try await temporary.store.createUser(email: "A@example.com", passwordHash: "y", displayName: nil, isAdmin: false)
        }
    }
}

@Suite struct SessionPruningTests {
    @Test func expiredSessionsAreDeletedAndLiveOnesKept() async throws {
        let temporary = try TemporaryStore()
        let actor = try await temporary.store.createUser(email: "s@example.com", passwordHash: "x", displayName: nil, isAdmin: false)
        let ended = try await temporary.store.createSession(actorId: actor.id, token: String(repeating: "a", count: 64), lifetime: -60)
        let live = try await temporary.store.createSession(actorId: actor.id, token: String(repeating: "b", count: 64), lifetime: 3600)
        #expect(try await temporary.store.pruneSessions(expiredBefore: Date()) == 1)
        #expect(try await temporary.store.actor(forSessionToken: ended.token) == nil)
        #expect(try await temporary.store.actor(forSessionToken: live.token) != nil)
    }
}
