import Entities
import Foundation
import Hummingbird
import Store
import XMLParse

extension Gateway {
    func addSubmissionRoutes(to router: GatewayRouter, prefix: String) {
        let submissions = "\(prefix)/projects/:projectId/forms/:xmlFormId/submissions"

        router.post(RouterPath(submissions)) { request, context in
            let actor = try await access.actor(request, context)
            guard let projectId = context.parameters.get("projectId", as: Int64.self) else {
                throw Problem.notFound
            }
            let xml = try await xmlBody(request)
            let accepted = try await intake.accept(
                projectId: projectId, urlFormId: try context.parameters.decoded("xmlFormId"), xml: xml, attachments: [],
                actor: actor, deviceId: request.query("deviceID"),
                userAgent: SubmissionIntake.userAgent(request), channel: .rest)
            if case .duplicate(let existing) = accepted.outcome {
                throw Problem.uniquenessViolation(fields: ["instanceID"], values: [existing.instanceId], table: "submissions")
            }
            return JSONResponse.make(.object(Representation.submission(accepted.record)))
        }

        router.get(RouterPath(submissions)) { request, context in
            let (_, form) = try await self.form(request, context, .readSubmissions)
            let list = try await store.submissions(formId: form.id, deleted: request.flag("deleted"))
            var rendered: [JSONValue] = []
            for submission in list {
                let submitter =
                    request.wantsExtendedMetadata ? try await submission.submitterId.asyncFlatMap { try await store.actor(id: $0) } : nil
                rendered.append(.object(Representation.submission(submission, submitter: submitter)))
            }
            return JSONResponse.make(.array(rendered))
        }

        router.get(RouterPath("\(submissions)/{instanceId}.xml")) { request, context in
            let (_, submission) = try await self.submission(request, context, .readSubmissions, withXML: true)
            return JSONResponse.bytes(submission.current.xml, contentType: "application/xml", filename: "\(submission.instanceId).xml")
        }

        router.get(RouterPath("\(submissions)/:instanceId")) { request, context in
            let (_, submission) = try await self.submission(request, context, .readSubmissions)
            let submitter =
                request.wantsExtendedMetadata ? try await submission.submitterId.asyncFlatMap { try await store.actor(id: $0) } : nil
            return JSONResponse.make(.object(Representation.submission(submission, submitter: submitter)))
        }

        router.patch(RouterPath("\(submissions)/:instanceId")) { request, context in
            let (actor, submission) = try await self.submission(request, context, .reviewSubmissions)
            let body = try await request.jsonObjectBody()
            let states = ["received", "hasIssues", "edited", "approved", "rejected"]
            guard let state = body["reviewState"]?.stringValue else { throw Problem.missingParameter("reviewState") }
            guard states.contains(state) else {
                throw Problem.unexpectedValue(field: "state", value: state, reason: "not a recognized state name")
            }
            let updated = try await store.setReviewState(
                submissionId: submission.id, state: state, actorId: actor.id, notes: try request.actionNotes())
            return JSONResponse.make(.object(Representation.submission(updated)))
        }

        router.put(RouterPath("\(submissions)/:instanceId")) { request, context in
            let (actor, submission) = try await self.submission(request, context, .reviewSubmissions)
            let xml = try await xmlBody(request)
            let header: SubmissionHeader
            do { header = try SubmissionParser.header(xml) } catch let error as XMLParseError {
                throw SubmissionIntake.problem(error, xml: xml)
            }
            let xmlFormId = try context.parameters.decoded("xmlFormId")
            guard header.xmlFormId == xmlFormId else {
                throw Problem.unexpectedValue(field: "form id", value: header.xmlFormId, reason: "did not match the form ID in the URL")
            }
            guard let form = try await store.form(projectId: context.parameters.get("projectId", as: Int64.self)!, xmlFormId: xmlFormId),
                let def = try await store.publishedDef(formId: form.id, version: header.version)
            else { throw Problem.formVersionNotFound(header.version) }
            let parsed: ParsedSubmission
            do {
                parsed = try SubmissionParser.parse(xml, declarations: def.entityDeclarations, binaryFields: def.binaryFields)
            } catch let error as XMLParseError {
                throw SubmissionIntake.problem(error, xml: xml)
            }
            guard let deprecatedId = parsed.deprecatedId else { throw Problem.expectedDeprecation }
            do {
                let updated = try await store.editSubmission(
                    submissionId: submission.id, formDefId: def.id, xml: xml, parsed: parsed,
                    origin: SubmissionOrigin(actorId: actor.id, deviceId: nil, userAgent: SubmissionIntake.userAgent(request)),
                    declarations: def.entityDeclarations)
                return JSONResponse.make(.object(Representation.submission(updated)))
            } catch SubmissionWriteError.deprecatedIdNotCurrent {
                throw Problem.deprecatingOldSubmission(deprecatedId)
            } catch SubmissionWriteError.conflictingDuplicate(let instanceId) {
                throw Problem.uniquenessViolation(fields: ["instanceID"], values: [instanceId], table: "submission_defs")
            }
        }

        router.delete(RouterPath("\(submissions)/:instanceId")) { request, context in
            let (actor, submission) = try await self.submission(request, context, .reviewSubmissions)
            try await store.deleteSubmission(submissionId: submission.id, actorId: actor.id)
            return JSONResponse.success
        }

        router.get(RouterPath("\(submissions)/:instanceId/audits")) { request, context in
            let (_, submission) = try await self.submission(request, context, .readSubmissions)
            let audits = try await store.audits(submissionId: submission.id)
            return try await renderAudits(audits, extended: request.wantsExtendedMetadata)
        }

        router.get(RouterPath("\(submissions)/:instanceId/attachments")) { request, context in
            let (_, submission) = try await self.submission(request, context, .readSubmissions)
            let attachments = try await store.submissionAttachments(defId: submission.current.id)
            return JSONResponse.make(.array(attachments.map { .object(["name": .string($0.name), "exists": .bool($0.exists)]) }))
        }

        router.get(RouterPath("\(submissions)/:instanceId/attachments/:name")) { request, context in
            let (_, submission) = try await self.submission(request, context, .readSubmissions)
            return try await attachmentResponse(defId: submission.current.id, name: context.parameters.decoded("name"))
        }

        router.post(RouterPath("\(submissions)/:instanceId/attachments/:name")) { request, context in
            let (actor, submission) = try await self.submission(request, context, .submit)
            let name = try context.parameters.decoded("name")
            guard AttachmentRule.isAcceptableName(name) else { throw Problem.unacceptableFileName(name) }
            let projectId = try context.parameters.require("projectId", as: Int64.self)
            return try await uploads.admitting(request) {
                let attachment = try await uploads.receiveFile(request, name: name)
                do {
                    try await store.attachSubmissionFile(
                        submission: submission, attachment: attachment, actorId: actor.id,
                        mayReplace: try await access.may(.reviewSubmissions, projectId: projectId, actor: actor))
                } catch SubmissionWriteError.attachmentNotReferenced {
                    throw Problem.notFound
                } catch SubmissionWriteError.attachmentForbidden {
                    throw Problem.insufficientRights
                }
                return JSONResponse.success
            }
        }
    }

    /// The submission named in the URL, by its logical instanceId.
    func submission(_ request: Request, _ context: GatewayContext, _ capability: Capability, withXML: Bool = false)
        async throws -> (Actor, SubmissionRecord)
    {
        let (actor, form) = try await self.form(request, context, capability)
        guard
            let submission = try await store.submission(
                formId: form.id, instanceId: context.parameters.decoded("instanceId"), withXML: withXML)
        else {
            throw Problem.notFound
        }
        return (actor, submission)
    }

    /// An XML request body; JSON or form bodies are refused with a clear reason.
    func xmlBody(_ request: Request) async throws -> Data {
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        if contentType.hasPrefix("application/json") || contentType.hasPrefix("multipart/")
            || contentType.hasPrefix("application/x-www-form-urlencoded")
        {
            throw Problem.unexpectedValue(
                field: "Content-Type", value: contentType, reason: "a submission is sent as XML (application/xml).")
        }
        return try await request.collectBody(limit: configuration.bodyLimit)
    }

    func renderAudits(_ audits: [AuditRecord], extended: Bool) async throws -> Response {
        var rendered: [JSONValue] = []
        var actors = ActorCache(store: store)
        for audit in audits {
            rendered.append(.object(Representation.audit(audit, actor: extended ? try await actors.actor(audit.actorId) : nil)))
        }
        return JSONResponse.make(.array(rendered))
    }
}

extension Optional {
    func asyncFlatMap<T>(_ transform: (Wrapped) async throws -> T?) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
