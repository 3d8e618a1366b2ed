import Foundation

/// Central's actee ids: the UUID an audit names its target by.
enum Actee {
    static func newId() -> String { UUID().uuidString.lowercased() }

    /// The audit's `acteeId` as Central logs it, from the target we record: a submission's audits name its
    /// form, an entity's its dataset, and `entity.error` none.
    static let centralIdColumn = """
        CASE WHEN audits.action = 'entity.error' THEN NULL
          WHEN audits.actee_type = 'project' THEN (SELECT actee_id FROM projects WHERE id = audits.actee_id)
          WHEN audits.actee_type = 'form' THEN (SELECT actee_id FROM forms WHERE id = audits.actee_id)
          WHEN audits.actee_type = 'dataset' THEN (SELECT actee_id FROM datasets WHERE id = audits.actee_id)
          WHEN audits.actee_type = 'actor' THEN (SELECT actee_id FROM actors WHERE id = audits.actee_id)
          WHEN audits.actee_type = 'submission' THEN
            (SELECT f.actee_id FROM submissions s JOIN forms f ON f.id = s.form_id WHERE s.id = audits.actee_id)
          WHEN audits.actee_type = 'entity' THEN
            (SELECT d.actee_id FROM entities e JOIN datasets d ON d.id = e.dataset_id WHERE e.id = audits.actee_id)
        END AS central_actee_id
        """
}
