import Foundation
import Hummingbird
import Store

extension Gateway {
    /// Central's downloads of a form's submissions: `submissions.csv` (the submissions table) and `submissions.csv.zip`
    /// (every table, with the attachments unless `attachments=false`), by GET or POST, for the published form
    /// and under `/draft` for its test submissions. Options come from the query, as in Central.
    func addExportRoutes(to router: GatewayRouter, prefix: String) {
        let form = "\(prefix)/projects/:projectId/forms/:xmlFormId"
        for draft in [false, true] {
            let base = draft ? "\(form)/draft/submissions" : "\(form)/submissions"
            for method in [HTTPRequest.Method.get, .post] {
                router.on(RouterPath("\(base).csv"), method: method) { request, context in
                    let (actor, export, form) = try await self.export(request, context, draft: draft)
                    if !draft { try await store.logSubmissionExport(formId: form.id, actorId: actor.id) }
                    return JSONResponse.download(
                        export.csvBody(), contentType: "text/csv; charset=utf-8", filename: "\(Self.exportName(form.xmlFormId)).csv")
                }
                router.on(RouterPath("\(base).csv.zip"), method: method) { request, context in
                    let (actor, export, form) = try await self.export(request, context, draft: draft)
                    if !draft { try await store.logSubmissionExport(formId: form.id, actorId: actor.id) }
                    let withMedia = request.query("attachments")?.lowercased() != "false"
                    let name = Self.exportName(form.xmlFormId) + (withMedia ? ".zip" : ".csv.zip")
                    return JSONResponse.download(export.zipBody(media: withMedia), contentType: "application/zip", filename: name)
                }
            }
        }
    }

    private func export(_ request: Request, _ context: GatewayContext, draft: Bool) async throws -> (Actor, SubmissionExport, FormRecord) {
        let (actor, form) = try await self.form(request, context, .readSubmissions)
        guard let def = draft ? form.draft : form.current else { throw Problem.notFound }
        let export = try await SubmissionExport(
            store: store, form: form, def: def, draft: draft, request: request, now: Date(),
            scratchDirectory: configuration.scratchDirectory + "/exports")
        return (actor, export, form)
    }

    /// A form id as a file name: without the characters file systems refuse.
    static func exportName(_ xmlFormId: String) -> String {
        let refused = Set("/\\?<>:*|\"")
        let kept = String(xmlFormId.filter { !refused.contains($0) && !($0.asciiValue.map { $0 < 0x20 } ?? false) })
        let trimmed = kept.trimmingCharacters(in: CharacterSet(charactersIn: ". "))
        return trimmed.isEmpty ? "submissions" : trimmed
    }
}
