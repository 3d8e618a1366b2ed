import Foundation
import HTTPTypes
import Hummingbird
import Store
import XMLParse

/// The one path every submission takes, from OpenRosa or REST: read it once, find its form, store it.
struct SubmissionIntake {
    let store: GatewayStore
    let access: Access
    let metrics: GatewayMetrics

    enum Channel { case openRosa, rest }

    struct Accepted {
        var outcome: SubmissionWriteOutcome
        var record: SubmissionRecord {
            switch outcome {
            case .created(let record), .duplicate(let record), .edited(let record): return record
            }
        }
    }

    func accept(
        projectId: Int64, urlFormId: String?, xml: Data, attachments: [IncomingAttachment], actor: Actor,
        deviceId: String?, userAgent: String?, channel: Channel
    ) async throws -> Accepted {
        let channelName = channel == .openRosa ? "openrosa" : "rest"
        metrics.count("ingest_submissions_received_total", [("channel", channelName)])
        do {
            let accepted = try await acceptCounted(
                projectId: projectId, urlFormId: urlFormId, xml: xml, attachments: attachments, actor: actor, deviceId: deviceId,
                userAgent: userAgent, channel: channel)
            switch accepted.outcome {
            case .created, .edited: metrics.count("ingest_submissions_stored_total", [("channel", channelName)])
            case .duplicate: metrics.count("ingest_submissions_duplicates_total", [("channel", channelName)])
            }
            return accepted
        } catch let problem as Problem {
            metrics.count("ingest_submissions_rejected_total", [("code", String(problem.code))])
            throw problem
        }
    }

    private func acceptCounted(
        projectId: Int64, urlFormId: String?, xml: Data, attachments: [IncomingAttachment], actor: Actor,
        deviceId: String?, userAgent: String?, channel: Channel
    ) async throws -> Accepted {
        let header: SubmissionHeader
        do {
            header = try SubmissionParser.header(xml)
        } catch let error as XMLParseError {
            throw Self.problem(error, xml: xml)
        }
        if let urlFormId, urlFormId != header.xmlFormId {
            throw Problem.unexpectedValue(field: "form id", value: header.xmlFormId, reason: "did not match the form ID in the URL")
        }
        guard let target = try await store.submissionTarget(projectId: projectId, xmlFormId: header.xmlFormId, version: header.version),
            target.published
        else {
            throw Problem.notFound
        }
        guard let def = target.def else {
            // A broken document is reported as such, not as an unknown version read from its first tag.
            do { _ = try SubmissionParser.parse(xml, declarations: []) } catch let error as XMLParseError {
                throw Self.problem(error, xml: xml)
            }
            throw Problem.formVersionNotFound(header.version)
        }
        // Central's order: unknown form, unknown version, closed form, then who is asking.
        if target.state == "closed" { throw Problem.notAcceptingSubmissions }
        do {
            try await access.require(.submit, projectId: projectId, formId: target.formId, actor: actor)
        } catch let problem as Problem where channel == .openRosa && problem.code == 403.1 {
            throw Problem.authenticationFailed  // Collect asks for credentials again on 401, not on 403.
        }
        let parsed: ParsedSubmission
        do {
            parsed = try SubmissionParser.parse(xml, declarations: def.entityDeclarations, binaryFields: def.binaryFields)
        } catch let error as XMLParseError {
            throw Self.problem(error, xml: xml)
        }
        let origin = SubmissionOrigin(actorId: actor.id, deviceId: deviceId, userAgent: userAgent)
        do {
            let outcome = try await store.storeSubmission(
                projectId: projectId, formId: target.formId, formDefId: def.id, xml: xml, parsed: parsed, attachments: attachments,
                origin: origin, acceptEdits: channel == .openRosa, declarations: def.entityDeclarations,
                mayReplaceAttachments: attachments.isEmpty
                    ? false : try await access.may(.reviewSubmissions, projectId: projectId, actor: actor))
            return Accepted(outcome: outcome)
        } catch let error as SubmissionWriteError {
            switch error {
            case .conflictingDuplicate(let instanceId):
                if channel == .openRosa { throw Problem.xmlConflict }
                throw Problem.uniquenessViolation(fields: ["instanceID"], values: [instanceId], table: "submissions")
            case .deprecatedIdNotCurrent(let id): throw Problem.deprecatingOldSubmission(id)
            case .deprecatedIdNotFound(let id): throw Problem.deprecatedIdNotFound(id)
            case .deleted: throw Problem(code: 409.18, message: "This submission has been deleted. You may not resubmit it.")
            case .notFound, .attachmentNotReferenced: throw Problem.notFound
            case .attachmentForbidden: throw Problem.insufficientRights
            }
        }
    }

    static func problem(_ error: XMLParseError, xml: Data) -> Problem {
        switch error {
        case .missingSubmissionFormId: return Problem.missingParameter("form ID xml attribute")
        case .missingInstanceID: return Problem.missingParameter("instanceID")
        case .doctypeForbidden:
            return Problem.unexpectedValue(field: "XML", value: "<!DOCTYPE>", reason: "document type declarations are not accepted.")
        default: return Problem.unparseable(format: "xml", rawLength: xml.count)
        }
    }

    /// Central records the client as `User-Agent`, prefixed by the ODK client header when one is sent.
    static func userAgent(_ request: Request) -> String {
        let agent = request.headers[.userAgent] ?? ""
        let client = request.headers[HeaderNames.odkClient]
        let combined = [client, agent].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
        return String(combined.prefix(255))
    }
}
