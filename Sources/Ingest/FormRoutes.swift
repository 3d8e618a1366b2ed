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
            let xml = try await FormUpload.xform(of: request, limit: configuration.bodyLimit, converter: xlsform)
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
            if request.flag("deleted") {
                try await access.require(.manageForms, projectId: project.id, actor: actor)
                let deleted = try await store.deletedForms(projectId: project.id)
                return JSONResponse.make(.array(deleted.map { .object(Representation.deletedForm($0)) }))
            }
            var list = try await store.forms(projectId: project.id, withCounts: request.wantsExtendedMetadata)
            // Only the forms the caller may read: a data collector sees no draft (whose token is a credential
            // for /v1/test) and no closed form, as Central filters its list.
            if !(try await access.may(.manageForms, projectId: project.id, actor: actor)) {
                var readable: [FormRecord] = []
                for form in list
                where try await access.may(Self.effective(.readForms, on: form), projectId: project.id, formId: form.id, actor: actor) {
                    readable.append(form)
                }
                list = readable
            }
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

        router.patch(RouterPath("\(forms)/:xmlFormId")) { request, context in
            let (actor, form) = try await self.form(request, context, .manageForms)
            let body = try await request.jsonObjectBody()
            guard let state = body["state"] else { return JSONResponse.make(.object(Representation.form(form, extended: false))) }
            guard let name = state.stringValue, ["open", "closing", "closed"].contains(name) else {
                throw Problem.unexpectedValue(field: "state", value: state.stringValue ?? "\(state)", reason: "not a recognized state name")
            }
            let updated = try await store.setFormState(formId: form.id, state: name, by: actor.id)
            return JSONResponse.make(.object(Representation.form(updated, extended: false)))
        }

        // Central names the deleted form by its numeric id here.
        router.post(RouterPath("\(forms)/:xmlFormId/restore")) { request, context in
            let actor = try await access.actor(request, context)
            let project = try await access.project(context.parameters.get("projectId", as: Int64.self), .manageForms, for: actor)
            guard let id = context.parameters.get("xmlFormId", as: Int64.self) else { throw Problem.notFound }
            do {
                guard try await store.restoreForm(projectId: project.id, formId: id, by: actor.id) != nil else { throw Problem.notFound }
            } catch FormLifecycleError.xmlFormIdTaken(let taken) {
                throw Problem.uniquenessViolation(fields: ["projectId", "xmlFormId"], values: [String(project.id), taken], table: "forms")
            }
            return JSONResponse.success
        }

        router.delete(RouterPath("\(forms)/:xmlFormId/draft")) { request, context in
            let (actor, form) = try await self.form(request, context, .manageForms)
            do {
                try await store.deleteDraft(formId: form.id, by: actor.id)
            } catch FormLifecycleError.neverPublished {
                throw Problem(
                    code: 409.7,
                    message:
                        "Could not delete draft, because the form has not been published. Either delete the whole form, or replace the draft."
                )
            } catch FormLifecycleError.noDraft {
                throw Problem.notFound
            }
            return JSONResponse.success
        }

        router.get(RouterPath("\(forms)/:xmlFormId/draft.xml")) { request, context in
            let (_, form) = try await self.form(request, context, .manageForms)
            guard let draft = form.draft else { throw Problem.notFound }
            return JSONResponse.bytes(draft.xml, contentType: "application/xml", filename: "\(form.xmlFormId).xml")
        }

        // Central's field list: published version, or the draft's under /draft/fields.
        for (suffix, draft) in [("fields", false), ("draft/fields", true)] {
            router.get(RouterPath("\(forms)/:xmlFormId/\(suffix)")) { request, context in
                let (_, form) = try await self.form(request, context, draft ? .manageForms : .readForms)
                guard let def = draft ? form.draft : form.current ?? form.draft else { throw Problem.notFound }
                let fields = (try? XFormParser.fields(def.xml)) ?? []
                return JSONResponse.make(.array(fields.map { .object(Representation.field($0, odata: request.flag("odata"))) }))
            }
        }

        router.get(RouterPath("\(forms)/:xmlFormId/versions")) { request, context in
            let (_, form) = try await self.form(request, context, .readForms)
            let versions = try await store.publishedVersions(formId: form.id)
            return JSONResponse.make(.array(versions.map { .object(Representation.formDef(form, def: $0)) }))
        }

        router.get(RouterPath("\(forms)/:xmlFormId/versions/:version")) { request, context in
            let (_, form, def) = try await self.publishedVersion(request, context)
            return JSONResponse.make(.object(Representation.formDef(form, def: def)))
        }

        router.get(RouterPath("\(forms)/:xmlFormId/versions/{version}.xml")) { request, context in
            let (_, form, def) = try await self.publishedVersion(request, context)
            return JSONResponse.bytes(def.xml, contentType: "application/xml", filename: "\(form.xmlFormId).xml")
        }

        router.get(RouterPath("\(forms)/:xmlFormId/draft/attachments/:name")) { request, context in
            let (_, form) = try await self.form(request, context, .manageForms)
            guard let draft = form.draft else { throw Problem.notFound }
            return try await attachmentDownload(request, defId: draft.id, name: context.parameters.decoded("name"))
        }

        router.delete(RouterPath("\(forms)/:xmlFormId/draft/attachments/:name")) { request, context in
            let (actor, form) = try await self.form(request, context, .manageForms)
            guard let draft = form.draft,
                try await store.clearFormAttachment(
                    defId: draft.id, formId: form.id, name: context.parameters.decoded("name"), by: actor.id)
            else { throw Problem.notFound }
            return JSONResponse.success
        }

        router.delete(RouterPath("\(forms)/:xmlFormId")) { request, context in
            let (actor, form) = try await self.form(request, context, .manageForms)
            try await store.deleteForm(formId: form.id, actorId: actor.id)
            return JSONResponse.success
        }

        router.post(RouterPath("\(forms)/:xmlFormId/draft")) { request, context in
            let (actor, form) = try await self.form(request, context, .manageForms)
            let xml = try await FormUpload.xform(of: request, limit: configuration.bodyLimit, converter: xlsform)
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

    /// A published version named in the URL; Central writes the empty version string as `___`.
    func publishedVersion(_ request: Request, _ context: GatewayContext) async throws -> (Actor, FormRecord, FormDefRecord) {
        let (actor, form) = try await self.form(request, context, .readForms)
        var version = try context.parameters.decoded("version")
        if version == "___" { version = "" }
        guard let def = try await store.publishedDef(formId: form.id, version: version) else { throw Problem.notFound }
        return (actor, form, def)
    }

    /// Central's `canReadForm`: a form never published is read only by those who may change it, and a closed
    /// one only by those who read every form (not app users or data collectors, who open forms only).
    static func effective(_ capability: Capability, on form: FormRecord) -> Capability {
        guard capability == .readForms else { return capability }
        if form.current == nil { return .manageForms }
        return form.state == "closed" ? .readClosedForms : .readForms
    }

    /// The live form named in the URL, after checking the caller may do `capability` in its project.
    func form(_ request: Request, _ context: GatewayContext, _ capability: Capability) async throws -> (Actor, FormRecord) {
        let actor = try await access.actor(request, context)
        guard let projectId = context.parameters.get("projectId", as: Int64.self), try await store.project(id: projectId) != nil,
            let form = try await store.form(projectId: projectId, xmlFormId: context.parameters.decoded("xmlFormId"))
        else { throw Problem.notFound }
        try await access.require(Self.effective(capability, on: form), projectId: projectId, formId: form.id, actor: actor)
        return (actor, form)
    }
}
