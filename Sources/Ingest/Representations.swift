import Entities
import Foundation
import Store
import XMLParse

/// Central's JSON shapes for the gateway's records.
enum Representation {
    static func actor(_ actor: Actor) -> JSONObject {
        [
            "id": .int(actor.id), "type": .string(actor.kind.rawValue), "displayName": .string(actor.displayName),
            "createdAt": .string(actor.createdAt), "updatedAt": JSONValue(actor.updatedAt), "deletedAt": .null,
        ]
    }

    static func user(_ actor: Actor) -> JSONObject {
        var object = self.actor(actor)
        object["email"] = JSONValue(actor.email)
        object["lastLoginAt"] = JSONValue(actor.lastLoginAt)
        return object
    }

    static func role(_ role: Role) -> JSONObject {
        [
            "id": .int(Int64(role.id)), "name": .string(role.name), "system": .string(role.system), "createdAt": .null,
            "updatedAt": .null, "verbs": .array(role.verbs.map(JSONValue.string)),
        ]
    }

    static func project(_ project: ProjectRecord) -> JSONObject {
        [
            "id": .int(project.id), "name": .string(project.name), "description": JSONValue(project.description),
            "archived": project.archived ? true : .null, "keyId": .null, "createdAt": .string(project.createdAt),
            "updatedAt": JSONValue(project.updatedAt), "deletedAt": .null,
        ]
    }

    static func appUser(_ user: AppUserRecord) -> JSONObject {
        [
            "id": .int(user.id), "type": "field_key", "displayName": .string(user.displayName),
            "createdAt": .string(user.createdAt), "updatedAt": .null, "deletedAt": .null,
            "projectId": .int(user.projectId), "token": JSONValue(user.token),
        ]
    }

    /// A form as Central lists it: the published version when there is one, else the draft.
    static func form(_ form: FormRecord, extended: Bool, creator: Actor? = nil) -> JSONObject {
        let def = form.current ?? form.draft
        var object: JSONObject = [
            "projectId": .int(form.projectId), "xmlFormId": .string(form.xmlFormId), "state": .string(form.state),
            "enketoId": .null, "enketoOnceId": .null, "createdAt": .string(form.createdAt),
            "updatedAt": JSONValue(form.updatedAt), "webformsEnabled": false,
            "name": JSONValue(def?.name), "version": .string(def?.version ?? ""), "hash": .string(def?.hash ?? ""),
            "sha": .string(def?.sha ?? ""), "sha256": .string(def?.sha256 ?? ""), "keyId": .null,
            "draftToken": JSONValue(form.current == nil ? form.draft?.draftToken : nil),
            "publishedAt": JSONValue(def?.publishedAt),
        ]
        if extended {
            object["submissions"] = .int(Int64(form.submissionCount))
            object["lastSubmission"] = JSONValue(form.lastSubmission)
            object["entityRelated"] = .bool(!(def?.entityDeclarations.isEmpty ?? true))
            object["excelContentType"] = .null
            object["publicLinks"] = 0
            if let creator { object["createdBy"] = .object(actor(creator)) }
        }
        return object
    }

    /// A form field as `…/fields` lists it; `binary` and `selectMultiple` are true or null, never false. With
    /// `odata`, each name is made an OData identifier as Central does (anything else becomes `_`).
    static func field(_ field: FormField, odata: Bool) -> JSONObject {
        func name(_ text: Substring) -> String {
            let cleaned = String(
                text.unicodeScalars.map { $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" ? Character($0) : "_" })
            return cleaned.first.map { $0.isLetter || $0 == "_" } == false ? "_" + cleaned : cleaned
        }
        let path = odata ? "/" + field.path.split(separator: "/").map(name).joined(separator: "/") : field.path
        return [
            "name": .string(odata ? name(Substring(field.name)) : field.name), "path": .string(path), "type": .string(field.type),
            "binary": field.binary ? true : .null, "selectMultiple": field.selectMultiple ? true : .null,
        ]
    }

    /// A deleted form, with the numeric id its restore is addressed by.
    static func deletedForm(_ form: FormRecord) -> JSONObject {
        var object = self.form(form, extended: false)
        object["id"] = .int(form.id)
        object["deletedAt"] = JSONValue(form.deletedAt)
        return object
    }

    static func formDef(_ form: FormRecord, def: FormDefRecord) -> JSONObject {
        var object = self.form(form, extended: false)
        object["name"] = JSONValue(def.name)
        object["version"] = .string(def.version)
        object["hash"] = .string(def.hash)
        object["sha"] = .string(def.sha)
        object["sha256"] = .string(def.sha256)
        object["draftToken"] = JSONValue(def.draftToken)
        object["publishedAt"] = JSONValue(def.publishedAt)
        return object
    }

    static func formAttachment(_ attachment: FormAttachmentRecord) -> JSONObject {
        var object: JSONObject = [
            "name": .string(attachment.name), "type": .string(attachment.type), "exists": .bool(attachment.exists),
            "blobExists": .bool(attachment.blob != nil), "datasetExists": .bool(attachment.datasetId != nil),
            "updatedAt": JSONValue(attachment.updatedAt),
        ]
        if let blob = attachment.blob {
            object["hash"] = .string(Hashing.md5(blob))
            object["size"] = .int(Int64(blob.count))
        }
        return object
    }

    static func submissionVersion(_ def: SubmissionDefRecord, submitter: Actor?) -> JSONObject {
        var object: JSONObject = [
            "instanceId": .string(def.instanceId), "instanceName": JSONValue(def.instanceName),
            "submitterId": JSONValue(def.submitterId), "deviceId": JSONValue(def.deviceId),
            "userAgent": JSONValue(def.userAgent), "createdAt": .string(def.createdAt), "current": true,
        ]
        if let submitter { object["submitter"] = .object(actor(submitter)) }
        return object
    }

    static func submission(_ submission: SubmissionRecord, submitter: Actor? = nil) -> JSONObject {
        var object: JSONObject = [
            "instanceId": .string(submission.instanceId), "submitterId": JSONValue(submission.submitterId),
            "deviceId": JSONValue(submission.deviceId), "userAgent": JSONValue(submission.userAgent),
            "reviewState": JSONValue(submission.reviewState), "createdAt": .string(submission.createdAt),
            "updatedAt": JSONValue(submission.updatedAt), "deletedAt": JSONValue(submission.deletedAt),
            "currentVersion": .object(submissionVersion(submission.current, submitter: submitter)),
        ]
        if let submitter { object["submitter"] = .object(actor(submitter)) }
        return object
    }

    static func comment(_ comment: CommentRecord, actor: Actor?) -> JSONObject {
        var object: JSONObject = [
            "body": .string(comment.body), "actorId": .int(comment.actorId), "createdAt": .string(comment.createdAt),
        ]
        if let actor { object["actor"] = .object(self.actor(actor)) }
        return object
    }

    static func audit(_ audit: AuditRecord, actor: Actor?) -> JSONObject {
        var object: JSONObject = [
            "id": .int(audit.id), "actorId": JSONValue(audit.actorId), "action": .string(audit.action),
            "acteeId": JSONValue(audit.acteeId), "details": audit.details, "loggedAt": .string(audit.loggedAt),
            "notes": JSONValue(audit.notes),
        ]
        if let actor { object["actor"] = .object(self.actor(actor)) }
        return object
    }

    static func dataset(_ dataset: DatasetRecord) -> JSONObject {
        [
            "name": .string(dataset.name), "createdAt": .string(dataset.createdAt), "projectId": .int(dataset.projectId),
            "approvalRequired": .bool(dataset.approvalRequired), "ownerOnly": false, "deletedAt": .null,
        ]
    }

    static func datasetDetail(_ detail: DatasetDetail) -> JSONObject {
        func forms(_ list: [FormReference]) -> JSONValue {
            .array(list.map { .object(["xmlFormId": .string($0.xmlFormId), "name": .string($0.name ?? $0.xmlFormId)]) })
        }
        var object = dataset(detail.dataset)
        object["lastUpdate"] = JSONValue(detail.lastActivityAt)
        object["linkedForms"] = forms(detail.linkedForms)
        object["sourceForms"] = .array(
            detail.sourceForms.map { form in
                var item: JSONObject = ["name": .string(form.name ?? form.xmlFormId), "xmlFormId": .string(form.xmlFormId)]
                if let repeatPath = form.repeatPath { item["repeatPath"] = .string(repeatPath) }
                return .object(item)
            })
        object["draftLinkedForms"] = []
        object["draftSourceForms"] = []
        object["properties"] = .array(
            detail.properties.map { property in
                .object([
                    "name": .string(property.name), "publishedAt": JSONValue(property.publishedAt),
                    "odataName": .string(odataName(property.name)),
                    "forms": .array(
                        property.forms.map { .object(["xmlFormId": .string($0.xmlFormId), "name": .string($0.name ?? $0.xmlFormId)]) }),
                ])
            })
        return object
    }

    /// Central's `sanitizeOdataIdentifier`: `_` before a first character that is not an ASCII letter or `_`, and each
    /// run of characters other than ASCII letters, digits and `_` as one `_`.
    static func odataName(_ name: String) -> String {
        func isWord(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber || c == "_") }
        var result = ""
        if let first = name.first, !(first.isASCII && (first.isLetter || first == "_")) { result = "_" }
        var inRun = false
        for character in name {
            if isWord(character) {
                result.append(character)
                inRun = false
            } else if !inRun {
                result.append("_")
                inRun = true
            }
        }
        return result
    }
}
