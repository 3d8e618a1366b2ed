import Foundation
import Hummingbird
import Entities
import Store

extension Gateway {
    /// Comments on a submission: whoever may read it may comment on it, as in Central.
    func addCommentRoutes(to router: GatewayRouter, prefix: String) {
        let comments = "\(prefix)/projects/:projectId/forms/:xmlFormId/submissions/:instanceId/comments"

        router.get(RouterPath(comments)) { request, context in
            let (_, submission) = try await self.submission(request, context, .readSubmissions)
            var actors = ActorCache(store: store)
            var rendered: [JSONValue] = []
            for comment in try await store.comments(submissionId: submission.id) {
                let author = request.wantsExtendedMetadata ? try await actors.actor(comment.actorId) : nil
                rendered.append(.object(Representation.comment(comment, actor: author)))
            }
            return JSONResponse.make(.array(rendered))
        }

        router.post(RouterPath(comments)) { request, context in
            let (actor, submission) = try await self.submission(request, context, .readSubmissions)
            let body = try await request.jsonObjectBody()
            guard let value = body["body"], value != .null else { throw Problem.missingParameter("body") }
            guard let text = value.stringValue else { throw Problem.invalidDataType(field: "body", expected: "string") }
            let comment = try await store.addComment(submissionId: submission.id, actorId: actor.id, body: text)
            return JSONResponse.make(.object(Representation.comment(comment, actor: nil)))
        }
    }
}
