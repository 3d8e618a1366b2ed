import Entities
import Foundation
import Hummingbird
import Store

/// The dataset as CSV (for people and for linked forms) and as Central's OData feed (for pyodk).
enum EntityExports {
    static func csv(store: GatewayStore, detail: DatasetDetail) async throws -> Data {
        let names = detail.properties.map(\.name)
        let rows = try await store.entities(datasetId: detail.dataset.id).reversed().map { entity in
            let stored = entity.current.stored
            return [entity.uuid, stored.label] + names.map { stored.data[$0] ?? "" } + [
                entity.createdAt, entity.creatorId.map(String.init) ?? "", entity.creatorName ?? "",
                String(stored.version - 1), entity.updatedAt ?? "", String(stored.version),
            ]
        }
        return CSV.document(
            header: ["__id", "label"] + names + ["__createdAt", "__creatorId", "__creatorName", "__updates", "__updatedAt", "__version"],
            rows: rows)
    }

    static func odata(store: GatewayStore, detail: DatasetDetail, request: Request, base: String) async throws -> Response {
        let supported: Set<String> = ["$top", "$skip", "$count", "$filter", "$select", "$format", "$orderby"]
        for (key, _) in request.queryItems where key.hasPrefix("$") && !supported.contains(key) {
            throw Problem(
                code: 501.1, message: "The requested feature \(key) is not supported by this server.",
                details: ["feature": .string(key)])
        }
        func integer(_ name: String) throws -> Int? {
            guard let text = request.query(name) else { return nil }
            guard let value = Int(text), value >= 0 else { throw Problem.invalidDataType(field: name, expected: "integer") }
            return value
        }
        let top = try integer("$top")
        let skip = try integer("$skip") ?? 0
        let conflictOnly = try conflictFilter(request.query("$filter"))
        let entities = try await store.entities(
            datasetId: detail.dataset.id, limit: top, offset: skip, conflictOnly: conflictOnly)
        let names = detail.properties.map(\.name)
        let selected = request.query("$select").map { Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) }
        let rows: [JSONValue] = entities.map { entity in
            let stored = entity.current.stored
            var row: JSONObject = ["__id": .string(entity.uuid), "label": .string(stored.label)]
            for name in names { row[Representation.odataName(name)] = .string(stored.data[name] ?? "") }
            row["__system"] = .object([
                "createdAt": .string(entity.createdAt), "creatorId": .string(entity.creatorId.map(String.init) ?? ""),
                "creatorName": .string(entity.creatorName ?? ""), "updates": .int(Int64(stored.version - 1)),
                "updatedAt": JSONValue(entity.updatedAt), "deletedAt": .null, "version": .int(Int64(stored.version)),
                "conflict": JSONValue(entity.conflict?.rawValue),
            ])
            if let selected {
                row = JSONObject(row.pairs.filter { selected.contains($0.key) }.map { ($0.key, $0.value) })
            }
            return .object(row)
        }
        let project = detail.dataset.projectId
        var body: JSONObject = [
            "@odata.context": .string("\(base)/v1/projects/\(project)/datasets/\(detail.dataset.name).svc/$metadata#Entities"),
            "value": .array(rows),
        ]
        if request.query("$count")?.lowercased() == "true" {
            let counts = try await store.entityCounts(datasetId: detail.dataset.id)
            body["@odata.count"] = .int(Int64(conflictOnly == true ? counts.conflicts : counts.entities))
        }
        var response = JSONResponse.make(.object(body))
        response.headers[HeaderNames.odataVersion] = "4.0"
        return response
    }

    /// The one filter understood: `__system/conflict ne null` (only entities in conflict), true when asked;
    /// any other filter is Central's 501.4.
    static func conflictFilter(_ filter: String?) throws -> Bool {
        guard let filter = filter?.trimmingCharacters(in: .whitespaces), !filter.isEmpty else { return false }
        if filter.split(separator: " ") == ["__system/conflict", "ne", "null"] { return true }
        throw Problem(
            code: 501.4, message: "The given OData filter expression uses features not supported by this server: \(filter).",
            details: ["feature": .string(filter)])
    }
}
