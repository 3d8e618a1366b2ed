import Entities
import Foundation
import HTTPTypes
import Hummingbird
import Store

extension Gateway {
    func addOpenRosaRoutes(to router: GatewayRouter, prefix: String) {
        let project = "\(prefix)/projects/:projectId"

        router.get(RouterPath("\(project)/formList")) { request, context in
            try await openRosa {
                try OpenRosa.requireVersionHeader(request)
                let actor = try await access.actor(request, context)
                let project = try await access.project(context.parameters.get("projectId", as: Int64.self), .readForms, for: actor)
                let base = baseURL(request) + projectPath(request)
                var forms = try await store.forms(projectId: project.id).filter {
                    $0.current != nil && $0.state != "closed" && $0.state != "closing"
                }
                if !actor.isAdmin {
                    var readable: [FormRecord] = []
                    for form in forms where try await access.may(.readForms, projectId: project.id, formId: form.id, actor: actor) {
                        readable.append(form)
                    }
                    forms = readable
                }
                if let only = request.query("formID") { forms = forms.filter { $0.xmlFormId == only } }
                var items: [String] = []
                for form in forms {
                    let def = form.current!
                    let hasAttachments = !(try await store.formAttachments(defId: def.id)).isEmpty
                    items.append(
                        OpenRosa.formListItem(
                            form: form, def: def, path: "\(base)/forms/\(percentEncode(form.xmlFormId))", hasAttachments: hasAttachments))
                }
                return OpenRosa.formList(items)
            }
        }

        router.get(RouterPath("\(project)/forms/:xmlFormId/manifest")) { request, context in
            try await openRosa {
                try OpenRosa.requireVersionHeader(request)
                let (_, form) = try await self.form(request, context, .readForms)
                guard let def = form.current else { throw Problem.notFound }
                let projectBase = baseURL(request) + projectPath(request)
                let attachmentsURL = projectBase + "/forms/\(percentEncode(form.xmlFormId))/attachments/"
                return try await manifest(defId: def.id, attachmentsURL: attachmentsURL, integrityBase: projectBase)
            }
        }

        // Collect's offline-entity integrity check: which of the entities a phone holds are gone.
        router.get(RouterPath("\(project)/datasets/:name/integrity")) { request, context in
            try await openRosa {
                try OpenRosa.requireVersionHeader(request)
                let actor = try await access.actor(request, context)
                guard let projectId = context.parameters.get("projectId", as: Int64.self), try await store.project(id: projectId) != nil,
                    let detail = try await store.dataset(projectId: projectId, name: context.parameters.decoded("name"))
                else { throw Problem.notFound }
                try await requireIntegrityAccess(detail, projectId: projectId, actor: actor)
                let uuids = request.query("id").map { list in
                    list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                }
                var entities = ""
                for entity in try await store.entityPresence(datasetId: detail.dataset.id, uuids: uuids) {
                    entities += """
                              <entity id="\(OpenRosa.escape(entity.uuid))">
                                <deleted>\(entity.deleted)</deleted>
                              </entity>

                        """
                }
                return OpenRosa.xml(
                    """
                    <?xml version="1.0" encoding="UTF-8"?>
                      <data>
                        <entities>
                    \(entities)    </entities>
                      </data>
                    """)
            }
        }

        router.get(RouterPath("\(project)/forms/:xmlFormId/attachments/:name")) { request, context in
            let (_, form) = try await self.form(request, context, .readForms)
            guard let def = form.current else { throw Problem.notFound }
            return try await attachmentDownload(request, defId: def.id, name: context.parameters.decoded("name"))
        }

        let submissionPath = RouterPath("\(project)/submission")
        let probe: @Sendable (Request, GatewayContext) async throws -> Response = { request, context in
            try await openRosa {
                try OpenRosa.requireVersionHeader(request)
                let actor = try await access.actor(request, context)
                _ = try await access.project(context.parameters.get("projectId", as: Int64.self), .submit, for: actor)
                return Response(status: .noContent, headers: OpenRosa.headers(contentType: nil))
            }
        }
        router.head(submissionPath, use: probe)
        router.get(submissionPath, use: probe)

        router.post(submissionPath) { request, context in
            try await openRosa {
                try OpenRosa.requireVersionHeader(request)
                // A revoked or unknown app-user key stays 403, as Central answers: asking the phone for a password
                // cannot help it. Only a form the caller may not submit to becomes 401 (in the intake).
                let actor = try await access.actor(request, context)
                // An unknown project has no forms: the intake answers 404 when it looks the form up.
                guard let projectId = context.parameters.get("projectId", as: Int64.self) else { throw Problem.notFound }
                return try await uploads.admitting(request) {
                    let (xml, attachments) = try await openRosaSubmission(request)
                    _ = try await intake.accept(
                        projectId: projectId, urlFormId: nil, xml: xml, attachments: attachments, actor: actor,
                        deviceId: request.query("deviceID"), userAgent: SubmissionIntake.userAgent(request),
                        channel: .openRosa)
                    return OpenRosa.response(status: .created, message: "full submission upload was successful!", nature: "")
                }
            }
        }
    }

    /// The OpenRosa manifest of a form version: its present attachments, entity lists typed as Collect
    /// expects and, with `integrityBase`, each list's integrity URL under it.
    func manifest(defId: Int64, attachmentsURL: String, integrityBase: String?) async throws -> Response {
        var files = ""
        for attachment in try await store.formAttachments(defId: defId) where attachment.exists {
            let hash: String
            var type = ""
            var integrity = ""
            if let blob = attachment.blob {
                hash = Hashing.md5(blob)
            } else if let datasetId = attachment.datasetId, let state = try await store.entityListState(datasetId: datasetId) {
                hash = state.hash
                type = state.approvalRequired ? " type=\"approvalEntityList\"" : " type=\"entityList\""
                if let integrityBase {
                    let url = integrityBase + "/datasets/\(percentEncode(state.datasetName))/integrity"
                    integrity = "      <integrityUrl>\(OpenRosa.escape(url))</integrityUrl>\n"
                }
            } else {
                continue
            }
            files += """
                    <mediaFile\(type)>
                      <filename>\(OpenRosa.escape(attachment.name))</filename>
                      <hash>md5:\(hash)</hash>
                      <downloadUrl>\(OpenRosa.escape(attachmentsURL + percentEncode(attachment.name)))</downloadUrl>
                \(integrity)    </mediaFile>

                """
        }
        // Central's template, indentation included.
        return OpenRosa.xml(
            """
            <?xml version="1.0" encoding="UTF-8"?>
              <manifest xmlns="http://openrosa.org/xforms/xformsManifest">
            \(files)  </manifest>
            """)
    }

    /// One of a form version's attachments: its file, or the entity list of the dataset it is linked to.
    func attachmentDownload(_ request: Request, defId: Int64, name: String) async throws -> Response {
        guard let attachment = try await store.formAttachments(defId: defId).first(where: { $0.name == name }) else {
            throw Problem.notFound
        }
        if let blob = attachment.blob {
            return JSONResponse.bytes(blob, contentType: attachment.contentType ?? "application/octet-stream", filename: name)
        }
        guard let datasetId = attachment.datasetId, let list = try await entityLists.list(datasetId: datasetId, store: store) else {
            throw Problem.notFound
        }
        if let unchanged = JSONResponse.notModified(request, eTag: list.state.hash) { return unchanged }
        return JSONResponse.download(
            .streaming(list.file, size: list.size), contentType: "text/csv; charset=utf-8", filename: name, eTag: list.state.hash)
    }

    /// An OpenRosa submission as Collect sends it: the `xml_submission_file` part and the media beside it.
    func openRosaSubmission(_ request: Request) async throws -> (xml: Data, attachments: [IncomingAttachment]) {
        // A body that is not multipart at all has no parts, so no XML part, as Central reads it (400.7); a
        // multipart body that cannot be read is 400.39.
        guard request.headers[.contentType]?.lowercased().hasPrefix("multipart/") == true else {
            throw Problem.missingMultipartField("xml_submission_file")
        }
        let parts = try await uploads.multipart.read(request)
        guard let xmlPart = parts.first(where: { $0.name == "xml_submission_file" }) else {
            throw Problem.missingMultipartField("xml_submission_file")
        }
        var attachments: [IncomingAttachment] = []
        for part in parts where part.name != "xml_submission_file" {
            guard let name = part.name else { continue }
            guard AttachmentRule.isAcceptableName(name) else { throw Problem.unacceptableFileName(name) }
            attachments.append(
                IncomingAttachment(name: name, contentType: part.contentType, bytes: part.bytes, size: part.size, sha256: part.sha256))
        }
        return (try xmlPart.data, attachments)
    }

    var intake: SubmissionIntake { SubmissionIntake(store: store, access: access, metrics: metrics) }

    /// Runs an OpenRosa handler so that every problem it raises is answered in OpenRosa XML.
    func openRosa(_ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch let problem as Problem {
            throw problem.asOpenRosa()
        }
    }

    /// Where clients reach us: `--public-url` when given; else the `Host` the client addressed, when it is a
    /// plain host and port (anything else could write a stranger's address into the URLs we hand out), with
    /// `X-Forwarded-Proto` taken only as `http` or `https`.
    func baseURL(_ request: Request) -> String {
        if let publicURL = configuration.publicURL { return publicURL }
        let fallback = "\(configuration.host):\(configuration.port)"
        let host = request.head.authority.flatMap { Self.isPlainAuthority($0) ? $0 : nil } ?? fallback
        let scheme = request.headers[HeaderNames.forwardedProto].flatMap { $0 == "https" || $0 == "http" ? $0 : nil } ?? "http"
        return "\(scheme)://\(host)"
    }

    static func isPlainAuthority(_ authority: String) -> Bool {
        !authority.isEmpty && authority.utf8.count <= 255
            && authority.unicodeScalars.allSatisfy {
                $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-.:[]".unicodeScalars.contains($0))
            }
    }

    /// The request path up to and including `/projects/{id}`, keeping a `/v1/key/{token}` prefix.
    func projectPath(_ request: Request) -> String {
        let path = request.uri.path
        guard let range = path.range(of: #"^.*?/projects/[0-9]+"#, options: .regularExpression) else { return path }
        return String(path[range])
    }

    func percentEncode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? text
    }
}

extension Gateway {
    /// Anyone who may list the dataset's entities, or read an open form that uses the list, as Central.
    fileprivate func requireIntegrityAccess(_ detail: DatasetDetail, projectId: Int64, actor: Actor) async throws {
        if try await access.may(.readDatasets, projectId: projectId, actor: actor) { return }
        try await access.require(.readForms, projectId: projectId, actor: actor)
        let linked = Set(detail.linkedForms.map(\.xmlFormId))
        for form in try await store.forms(projectId: projectId)
        where linked.contains(form.xmlFormId) && form.current != nil && form.state != "closed" {
            if try await access.may(.readForms, projectId: projectId, formId: form.id, actor: actor) { return }
        }
        throw Problem.insufficientRights
    }
}
