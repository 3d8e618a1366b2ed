import Entities
import Foundation
import Hummingbird
import Store
import XMLParse

extension Gateway {
    /// A submission's history, as Central serves it: its versions (with their XML and files), the diffs between them,
    /// restoring it after a delete, and clearing one of its files.
    func addSubmissionHistoryRoutes(to router: GatewayRouter, prefix: String) {
        let submission = "\(prefix)/projects/:projectId/forms/:xmlFormId/submissions/:instanceId"

        router.get(RouterPath("\(submission)/versions")) { request, context in
            let (_, record) = try await self.submission(request, context, .readSubmissions)
            var actors = ActorCache(store: store)
            var rendered: [JSONValue] = []
            for version in try await store.submissionVersions(submissionId: record.id) {
                rendered.append(.object(try await versionObject(version, extended: request.wantsExtendedMetadata, actors: &actors)))
            }
            return JSONResponse.make(.array(rendered))
        }

        router.get(RouterPath("\(submission)/versions/{versionId}.xml")) { request, context in
            let (_, _, version) = try await self.version(request, context, .readSubmissions)
            return JSONResponse.bytes(version.def.xml, contentType: "application/xml", filename: "\(version.def.instanceId).xml")
        }

        router.get(RouterPath("\(submission)/versions/:versionId")) { request, context in
            let (_, _, version) = try await self.version(request, context, .readSubmissions)
            var actors = ActorCache(store: store)
            return JSONResponse.make(.object(try await versionObject(version, extended: request.wantsExtendedMetadata, actors: &actors)))
        }

        router.get(RouterPath("\(submission)/versions/:versionId/attachments")) { request, context in
            let (_, _, version) = try await self.version(request, context, .readSubmissions)
            let attachments = try await store.submissionAttachments(defId: version.def.id)
            return JSONResponse.make(.array(attachments.map { .object(["name": .string($0.name), "exists": .bool($0.exists)]) }))
        }

        router.get(RouterPath("\(submission)/versions/:versionId/attachments/:name")) { request, context in
            let (_, _, version) = try await self.version(request, context, .readSubmissions)
            return try await attachmentResponse(defId: version.def.id, name: context.parameters.decoded("name"))
        }

        router.delete(RouterPath("\(submission)/versions/:versionId/attachments/:name")) { request, context in
            let (actor, record, version) = try await self.version(request, context, .reviewSubmissions)
            guard
                try await store.clearSubmissionAttachment(
                    submissionId: record.id, defId: version.def.id, instanceId: version.def.instanceId,
                    name: context.parameters.decoded("name"), actorId: actor.id)
            else { throw Problem.notFound }
            return JSONResponse.success
        }

        router.delete(RouterPath("\(submission)/attachments/:name")) { request, context in
            let (actor, record) = try await self.submission(request, context, .reviewSubmissions)
            guard
                try await store.clearSubmissionAttachment(
                    submissionId: record.id, defId: record.current.id, instanceId: record.instanceId,
                    name: context.parameters.decoded("name"), actorId: actor.id)
            else { throw Problem.notFound }
            return JSONResponse.success
        }

        router.get(RouterPath("\(submission)/diffs")) { request, context in
            let (_, form) = try await self.form(request, context, .readSubmissions)
            guard let def = form.current,
                let record = try await store.submission(formId: form.id, instanceId: context.parameters.decoded("instanceId"))
            else { throw Problem.notFound }
            var structurals: [String: SubmissionDiff.Kind] = [:]
            for field in (try? XFormParser.fields(def.xml)) ?? [] {
                if field.type == "structure" { structurals[field.path] = .group }
                if field.type == "repeat" { structurals[field.path] = .repeating }
            }
            let versions = try await store.submissionVersions(submissionId: record.id).map { version in
                (version.def.instanceId, (try? SubmissionParser.instance(version.def.xml)) ?? InstanceElement(name: "data"))
            }
            return JSONResponse.make(.object(SubmissionDiff.diffs(versions: versions, structurals: structurals)))
        }

        router.post(RouterPath("\(submission)/restore")) { request, context in
            let (actor, form) = try await self.form(request, context, .reviewSubmissions)
            let instanceId = try context.parameters.decoded("instanceId")
            guard let id = try await store.deletedSubmission(formId: form.id, instanceId: instanceId) else { throw Problem.notFound }
            try await store.restoreSubmission(submissionId: id, instanceId: instanceId, actorId: actor.id)
            return JSONResponse.success
        }
    }

    /// The submission named by the path and its version `versionId`; 404 unless that version is one of the submission's.
    private func version(_ request: Request, _ context: GatewayContext, _ capability: Capability) async throws
        -> (Actor, SubmissionRecord, SubmissionVersionRecord)
    {
        let (actor, record) = try await self.submission(request, context, capability)
        let versionId = try context.parameters.decoded("versionId")
        guard let version = try await store.submissionVersions(submissionId: record.id).first(where: { $0.def.instanceId == versionId })
        else { throw Problem.notFound }
        return (actor, record, version)
    }

    private func versionObject(_ version: SubmissionVersionRecord, extended: Bool, actors: inout ActorCache) async throws -> JSONObject {
        var object = Representation.submissionVersion(
            version.def, submitter: extended ? try await actors.actor(version.def.submitterId) : nil)
        object["current"] = .bool(version.current)
        if extended { object["formVersion"] = .string(version.formVersion) }
        return object
    }

    func attachmentResponse(defId: Int64, name: String) async throws -> Response {
        guard let attachment = try await store.submissionAttachments(defId: defId).first(where: { $0.name == name }),
            let size = attachment.size
        else { throw Problem.notFound }
        return JSONResponse.download(
            .blobChunks(attachment, size: size, store: store), contentType: attachment.contentType ?? "application/octet-stream",
            filename: name, eTag: attachment.sha256)
    }
}
