import Foundation
import OData

/// Which of a dataset's entities an OData read covers.
public struct EntitySelection: Sendable {
    public var datasetId: Int64
    /// An OData `$filter` over `EntitySelection.odataColumns`.
    public var condition: SQLFragment?
    /// Deleted entities are shown only to a filter that names `__system/deletedAt`, as in Central.
    public var includeDeleted: Bool
    /// `$search`: every word must occur in the label or a property value of the current version, ignoring case.
    public var searchWords: [String]

    public init(datasetId: Int64, condition: SQLFragment? = nil, includeDeleted: Bool = false, search: String? = nil) {
        self.datasetId = datasetId
        self.condition = condition
        self.includeDeleted = includeDeleted
        searchWords = (search ?? "").split(whereSeparator: \.isWhitespace).map {
            $0.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        .filter { !$0.isEmpty }
    }

    /// The paths Central lets `$filter` and `$orderby` name on entities.
    public static let odataColumns: [String: ODataColumn] = [
        "__id": ODataColumn("e.uuid", .text),
        "__system/createdAt": ODataColumn("e.created_at", .timestamp),
        "__system/updatedAt": ODataColumn("e.updated_at", .timestamp),
        "__system/deletedAt": ODataColumn("e.deleted_at", .timestamp),
        "__system/creatorId": ODataColumn("e.creator_id", .integer),
        "__system/conflict": ODataColumn("e.conflict", .text),
    ]

    var whereClause: SQLFragment {
        var sql = "e.dataset_id = ?"
        var arguments: [SQLValue] = [.integer(datasetId)]
        if !includeDeleted { sql += " AND e.deleted_at IS NULL" }
        if let condition {
            sql += " AND \(condition.sql)"
            arguments += condition.arguments
        }
        for word in searchWords {
            sql += """
                 AND EXISTS (SELECT 1 FROM entity_versions v WHERE v.entity_id = e.id AND v.version = e.current_version
                   AND (instr(lower(v.label), ?) > 0
                     OR EXISTS (SELECT 1 FROM json_each(v.data) j WHERE instr(lower(j.value), ?) > 0)))
                """
            arguments += [.text(word.lowercased()), .text(word.lowercased())]
        }
        return SQLFragment(sql, arguments)
    }
}
