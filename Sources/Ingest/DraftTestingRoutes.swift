import Entities
import Foundation
import Hummingbird
import Store
import XMLParse

/// Collect's draft testing (the QR code on a draft): `/v1/test/{draftToken}/projects/{id}/forms/{xmlFormId}/draft/…`
/// needs no account, only the draft's token. Publishing or deleting the draft ends the token.
extension Gateway {
    func addDraftTestingRoutes(to router: GatewayRouter) {
        let base = "/v1/test/:draftToken/projects/:projectId/forms/:xmlFormId"

        // A manager's own test submission to the draft, as XML (Central's REST draft route).
        router.post(RouterPath("/v1/projects/:projectId/forms/:xmlFormId/draft/submissions")) { request, context in
            let (actor, form) = try await self.form(request, context, .manageForms)
            guard let draft = form.draft else { throw Problem.notFound }
            let xml = try await request.collectBody(limit: configuration.bodyLimit)
            let record = try await storeDraftSubmission(
                form: form, draft: draft, xml: xml, attachments: [], actorId: actor.id, request: request)
            return JSONResponse.make(.object(Representation.submission(record, submitter: nil)))
        }

        // What was sent while testing, for the form's managers; kept apart from the real submissions.
        router.get(RouterPath("/v1/projects/:projectId/forms/:xmlFormId/draft/submissions")) { request, context in
            let (_, form) = try await self.form(request, context, .manageForms)
            guard let draft = form.draft else { throw Problem.notFound }
            let list = try await store.draftSubmissions(formId: form.id, formDefId: draft.id)
            return JSONResponse.make(.array(list.map { .object(Representation.submission($0, submitter: nil)) }))
        }

        router.get(RouterPath("\(base)/draft/formList")) { request, context in
            try await openRosa {
                try OpenRosa.requireVersionHeader(request)
                let (form, draft): (FormRecord, FormDefRecord)
                do {
                    (form, draft) = try await testedDraft(context)
                } catch let problem as Problem where problem.code == 404.1 {
                    throw Problem.failedDraftAccess
                }
                let path = baseURL(request) + Self.testPath(request) + "/forms/\(percentEncode(form.xmlFormId))/draft"
                let hasAttachments = !(try await store.formAttachments(defId: draft.id)).isEmpty
                return OpenRosa.formList([OpenRosa.formListItem(form: form, def: draft, path: path, hasAttachments: hasAttachments)])
            }
        }

        router.get(RouterPath("\(base)/draft.xml")) { _, context in
            let (form, draft) = try await testedDraft(context)
            return JSONResponse.bytes(draft.xml, contentType: "application/xml", filename: "\(form.xmlFormId).xml")
        }

        router.get(RouterPath("\(base)/draft/manifest")) { request, context in
            try await openRosa {
                try OpenRosa.requireVersionHeader(request)
                let (form, draft) = try await testedDraft(context)
                let attachmentsURL =
                    baseURL(request) + Self.testPath(request) + "/forms/\(percentEncode(form.xmlFormId))/draft/attachments/"
                return try await manifest(defId: draft.id, attachmentsURL: attachmentsURL, integrityBase: nil)
            }
        }

        router.get(RouterPath("\(base)/draft/attachments/:name")) { request, context in
            let (_, draft) = try await testedDraft(context)
            return try await attachmentDownload(request, defId: draft.id, name: context.parameters.decoded("name"))
        }

        router.post(RouterPath("\(base)/draft/submission")) { request, context in
            try await openRosa {
                try OpenRosa.requireVersionHeader(request)
                let (form, draft) = try await testedDraft(context)
                return try await uploads.admitting(request) {
                    let (xml, attachments) = try await openRosaSubmission(request)
                    _ = try await storeDraftSubmission(
                        form: form, draft: draft, xml: xml, attachments: attachments, actorId: nil, request: request)
                    return OpenRosa.response(status: .created, message: "full submission upload was successful!", nature: "")
                }
            }
        }
    }

    /// A submission to a draft, checked against the draft: it is kept apart and does no entity work.
    func storeDraftSubmission(
        form: FormRecord, draft: FormDefRecord, xml: Data, attachments: [IncomingAttachment], actorId: Int64?, request: Request
    ) async throws -> SubmissionRecord {
        let parsed: ParsedSubmission
        do {
            let header = try SubmissionParser.header(xml)
            guard header.xmlFormId == form.xmlFormId else {
                throw Problem.unexpectedValue(field: "form id", value: header.xmlFormId, reason: "did not match the form ID in the URL")
            }
            parsed = try SubmissionParser.parse(xml, declarations: [], binaryFields: draft.binaryFields)
        } catch let error as XMLParseError {
            throw SubmissionIntake.problem(error, xml: xml)
        }
        let origin = SubmissionOrigin(actorId: actorId, deviceId: request.query("deviceID"), userAgent: SubmissionIntake.userAgent(request))
        do {
            switch try await store.storeDraftSubmission(
                formId: form.id, formDefId: draft.id, xml: xml, parsed: parsed, attachments: attachments, origin: origin)
            {
            case .created(let record), .duplicate(let record), .edited(let record): return record
            }
        } catch SubmissionWriteError.conflictingDuplicate(let instanceId) {
            throw Problem.uniquenessViolation(fields: ["instanceID"], values: [instanceId], table: "submissions")
        }
    }

    /// The form and its draft, when the URL's token is the draft's; else 404.1, as Central.
    private func testedDraft(_ context: GatewayContext) async throws -> (FormRecord, FormDefRecord) {
        let token = try context.parameters.decoded("draftToken")
        guard let projectId = context.parameters.get("projectId", as: Int64.self),
            let form = try await store.form(projectId: projectId, xmlFormId: context.parameters.decoded("xmlFormId")),
            let draft = form.draft, let expected = draft.draftToken, !expected.isEmpty, expected == token
        else { throw Problem.notFound }
        return (form, draft)
    }

    /// `/v1/test/{token}/projects/{id}` of the request.
    private static func testPath(_ request: Request) -> String {
        let path = request.uri.path
        guard let range = path.range(of: #"^/v1/test/[^/]+/projects/[0-9]+"#, options: .regularExpression) else { return path }
        return String(path[range])
    }
}

extension Problem {
    static let failedDraftAccess = Problem(
        code: 404.4,
        message:
            "You tried to access a draft testing endpoint, but it does not exist anymore or your access is no longer valid. If the form has been published and you would like to submit to it, you should configure your device with an App User token. If there is a new draft, you may have to reconfigure your device from the draft settings."
    )
}
