import Entities
import Foundation
import Hummingbird
import Store
import XMLParse

extension Gateway {
    func addFormRoutes(to router: GatewayRouter, prefix: String) {
        let forms = "\(prefix)/projects/:projectId/forms"

        router.post(RouterPath(forms)) { request, context in
            let actor = try await access.actor(request, context)
            let project = try await access.project(context.parameters.get("projectId", as: Int64.self), .manageForms, for: actor)
            let xml = try await FormUpload.body(of: request, limit: configuration.bodyLimit)
            let definition = try FormUpload.definition(request, xml: xml)
            do {
                let form = try await store.createForm(
                    projectId: project.id, xml: xml, definition: definition, publish: request.flag("publish"), actorId: actor.id)
                return JSONResponse.make(.object(Representation.form(form, extended: false)))
            } catch StoreError.formExists(let id) {
                throw Problem.uniquenessViolation(fields: ["projectId", "xmlFormId"], values: [String(project.id), id], table: "forms")
            }
        }

        router.get(RouterPath(forms)) { request, context in
            let actor = try await access.actor(request, context)
            let project = try await access.project(context.parameters.get("projectId", as: Int64.self), .listForms, for: actor)
            let list = try await store.forms(projectId: project.id, withCounts: request.wantsExtendedMetadata)
            return JSONResponse.make(.array(list.map { .object(Representation.form($0, extended: request.wantsExtendedMetadata)) }))
        }

        router.get(RouterPath("\(forms)/{xmlFormId}.xml")) { request, context in
            let (_, form) = try await self.form(request, context, .readForms)
            guard let def = form.current ?? form.draft else { throw Problem.notFound }
            return JSONResponse.bytes(def.xml, contentType: "application/xml", filename: "\(form.xmlFormId).xml")
        }

        router.get(RouterPath("\(forms)/:xmlFormId")) { request, context in
            var (_, form) = try await self.form(request, context, .readForms)
            var creator: Actor?
            if request.wantsExtendedMetadata {
                form = try await store.form(projectId: form.projectId, xmlFormId: form.xmlFormId, withCounts: true) ?? form
                if let id = form.createdBy { creator = try await store.actor(id: id) }
            }
            return JSONResponse.make(.object(Representation.form(form, extended: request.wantsExtendedMetadata, creator: creator)))
        }

        router.delete(RouterPath("\(forms)/:xmlFormId")) { request, context in
            let (actor, form) = try await self.form(request, context, .manageForms)
            try await store.deleteForm(formId: form.id, actorId: actor.id)
            return JSONResponse.success
        }

        router.post(RouterPath("\(forms)/:xmlFormId/draft")) { request, context in
            let (actor, form) = try await self.form(request, context, .manageForms)
            let xml = try await FormUpload.body(of: request, limit: configuration.bodyLimit)
            if xml.isEmpty {
                guard form.current != nil else { throw Problem.notFound }
                _ = try await store.createDraft(formId: form.id, xml: nil, definition: nil, actorId: actor.id)
                return JSONResponse.success
            }
            let definition = try FormUpload.definition(request, xml: xml)
            guard definition.xmlFormId == form.xmlFormId else {
                throw Problem.unexpectedValue(
                    field: "xmlFormId", value: definition.xmlFormId, reason: "does not match the form you are updating")
            }
            _ = try await store.createDraft(formId: form.id, xml: xml, definition: definition, actorId: actor.id)
            return JSONResponse.success
        }

        router.get(RouterPath("\(forms)/:xmlFormId/draft")) { request, context in
            let (_, form) = try await self.form(request, context, .manageForms)
            guard let draft = form.draft else { throw Problem.notFound }
            return JSONResponse.make(.object(Representation.formDef(form, def: draft)))
        }

        router.post(RouterPath("\(forms)/:xmlFormId/draft/publish")) { request, context in
            let (actor, form) = try await self.form(request, context, .manageForms)
            guard form.draft != nil else { throw Problem.notFound }
            let version = request.query("version")
            do {
                _ = try await store.publishDraft(formId: form.id, version: version, actorId: actor.id)
            } catch StoreError.versionExists(let taken) {
                throw Problem.versionUniquenessViolation(xmlFormId: form.xmlFormId, version: taken)
            }
            return JSONResponse.success
        }

        router.get(RouterPath("\(forms)/:xmlFormId/draft/attachments")) { request, context in
            let (_, form) = try await self.form(request, context, .manageForms)
            guard let draft = form.draft else { throw Problem.notFound }
            let attachments = try await store.formAttachments(defId: draft.id)
            return JSONResponse.make(.array(attachments.map { .object(Representation.formAttachment($0)) }))
        }

        router.get(RouterPath("\(forms)/:xmlFormId/attachments")) { request, context in
            let (_, form) = try await self.form(request, context, .readForms)
            guard let def = form.current else { throw Problem.notFound }
            let attachments = try await store.formAttachments(defId: def.id)
            return JSONResponse.make(.array(attachments.map { .object(Representation.formAttachment($0)) }))
        }

        router.post(RouterPath("\(forms)/:xmlFormId/draft/attachments/:name")) { request, context in
            let (actor, form) = try await self.form(request, context, .manageForms)
            guard let draft = form.draft else { throw Problem.notFound }
            let name = try context.parameters.decoded("name")
            let bytes = try await request.collectBody(limit: configuration.bodyLimit)
            guard
                try await store.uploadFormAttachment(
                    defId: draft.id, formId: form.id, name: name, contentType: request.headers[.contentType], blob: bytes, actorId: actor.id
                )
            else { throw Problem.notFound }
            let attachment = try await store.formAttachments(defId: draft.id).first { $0.name == name }
            return JSONResponse.make(.object(Representation.formAttachment(attachment!)))
        }
    }

    /// The live form named in the URL, after checking the caller may do `capability` in its project.
    func form(_ request: Request, _ context: GatewayContext, _ capability: Capability) async throws -> (Actor, FormRecord) {
        let actor = try await access.actor(request, context)
        guard let projectId = context.parameters.get("projectId", as: Int64.self), try await store.project(id: projectId) != nil,
            let form = try await store.form(projectId: projectId, xmlFormId: context.parameters.decoded("xmlFormId"))
        else { throw Problem.notFound }
        try await access.require(capability, projectId: projectId, formId: form.id, actor: actor)
        return (actor, form)
    }
}
