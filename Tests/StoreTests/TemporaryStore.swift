import Foundation
import XMLParse

@testable import Store

/// A store on a fresh file in a temporary folder.
struct TemporaryStore {
    let directory: URL
    let store: GatewayStore

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = try GatewayStore(path: directory.appendingPathComponent("gateway.sqlite").path)
    }

    var path: String { directory.appendingPathComponent("gateway.sqlite").path }

    func reopen() throws -> GatewayStore { try GatewayStore(path: path) }

    static let formXML = Data(
        """
        <h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml">
        <h:head><h:title>Simple</h:title><model><instance><data id="simple" version="1"><q/><photo/><meta><instanceID/></meta></data></instance>
        <bind nodeset="/data/photo" type="binary"/></model></h:head></h:html>
        """.utf8)

    static func submission(_ instanceId: String, answer: String = "a", deprecatedId: String? = nil) -> Data {
        let deprecated = deprecatedId.map { "<deprecatedID>\($0)</deprecatedID>" } ?? ""
        return Data(
            #"<data id="simple" version="1"><q>\#(answer)</q><photo>p.jpg</photo><meta><instanceID>\#(instanceId)</instanceID>\#(deprecated)</meta></data>"#
                .utf8)
    }

    /// A published form and its user, ready for submissions.
    func publishedForm() async throws -> (actor: Actor, form: FormRecord) {
        let actor = try await store.createUser(email: "a@example.com", passwordHash: "x", displayName: nil, isAdmin: true)
        let project = try await store.createProject(name: "P", description: nil, actorId: actor.id)
        let form = try await store.createForm(
            projectId: project.id, xml: Self.formXML, definition: try XFormParser.parse(Self.formXML), publish: true, actorId: actor.id)
        return (actor, form)
    }

    func submit(_ xml: Data, form: FormRecord, actor: Actor, acceptEdits: Bool = true, attachments: [IncomingAttachment] = [])
        async throws -> SubmissionWriteOutcome
    {
        try await store.storeSubmission(
            projectId: form.projectId, formId: form.id, formDefId: form.current!.id, xml: xml,
            parsed: try SubmissionParser.parse(xml, declarations: [], binaryFields: form.current!.binaryFields),
            attachments: attachments, origin: SubmissionOrigin(actorId: actor.id, deviceId: nil, userAgent: "tests"),
            acceptEdits: acceptEdits)
    }
}
