import Entities
import Foundation
import Hummingbird
import OData
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
        let options = try ODataOptions(request)
        let names = detail.properties.map(\.name)
        var selection = EntitySelection(datasetId: detail.dataset.id, search: options.search)
        if let filter = try ODataQuery.filter(request) {
            selection.condition = try ODataQuery.condition(filter, columns: EntitySelection.odataColumns, now: Date())
            selection.includeDeleted = ODataSQL.mentionsDeletedAt(filter)
        }
        let order = try ODataQuery.orderBy(request, columns: EntitySelection.odataColumns)
        if order != nil && options.skiptoken != nil {
            throw Problem(
                code: 501.1, message: "The requested feature using $orderby and $skiptoken together is not supported by this server.",
                details: ["feature": "using $orderby and $skiptoken together"])
        }
        let selected = try options.select.map { items -> Set<String> in
            // Central refuses `label` and some `__system` parts here though its rows and docs have them; we do not.
            let system = ["createdAt", "creatorId", "creatorName", "updates", "updatedAt", "deletedAt", "version", "conflict"]
            let allowed = Set(["__id", "__system", "label"] + system.map { "__system/\($0)" } + names)
            for item in items where !allowed.contains(item) {
                throw Problem(code: 400.23, message: "Could not find a property named '\(item)'", details: ["property": .string(item)])
            }
            return Set(items)
        }
        var afterUUID: String?
        if let token = options.skiptoken {
            guard let uuid = token["uuid"]?.stringValue else { throw Problem(code: 400.35, message: "Invalid $skiptoken") }
            afterUUID = uuid
        }
        let fetched = try await store.entities(
            selection, afterUUID: afterUUID, limit: options.top.map { $0 + 1 }, offset: options.skip, order: order)
        let entities = options.top.map { Array(fetched.prefix($0)) } ?? fetched
        let rows: [JSONValue] = entities.map { entity in
            let stored = entity.current.stored
            var row: JSONObject = ["__id": .string(entity.uuid), "label": .string(stored.label)]
            row["__system"] = .object([
                "createdAt": .string(entity.createdAt), "creatorId": .string(entity.creatorId.map(String.init) ?? ""),
                "creatorName": .string(entity.creatorName ?? ""), "updates": .int(Int64(stored.version - 1)),
                "updatedAt": JSONValue(entity.updatedAt), "deletedAt": JSONValue(entity.deletedAt), "version": .int(Int64(stored.version)),
                "conflict": JSONValue(entity.conflict?.rawValue),
            ])
            for name in names { row[Representation.odataName(name)] = .string(stored.data[name] ?? "") }
            if let selected {
                var kept = JSONObject()
                for (key, value) in row.pairs {
                    if key == "__system", !selected.contains("__system"), let system = value.objectValue {
                        let parts = system.pairs.filter { selected.contains("__system/\($0.key)") }
                        if !parts.isEmpty { kept[key] = .object(JSONObject(parts.map { ($0.key, $0.value) })) }
                    } else if selected.contains(key)
                        || names.contains(where: { Representation.odataName($0) == key && selected.contains($0) })
                    {
                        kept[key] = value
                    }
                }
                row = kept
            }
            return .object(row)
        }
        let project = detail.dataset.projectId
        var body: JSONObject = [
            "value": .array(rows),
            "@odata.context": .string("\(base)/v1/projects/\(project)/datasets/\(detail.dataset.name).svc/$metadata#Entities"),
        ]
        if fetched.count > entities.count, let last = entities.last {
            body["@odata.nextLink"] =
                order == nil
                ? .string(ODataOptions.nextLink(request, base: base, token: ["uuid": .string(last.uuid)]))
                : .string(ODataOptions.skipLink(request, base: base, skip: options.skip + entities.count))
        }
        if options.count { body["@odata.count"] = .int(Int64(try await store.entityCount(selection))) }
        var response = JSONResponse.make(.object(body))
        response.headers[HeaderNames.odataVersion] = "4.0"
        return response
    }
}

extension EntityExports {
    /// Central's `$metadata` for a dataset: the entity metadata type, then `Entities` with its properties.
    static func metadata(_ detail: DatasetDetail) -> String {
        let name = detail.dataset.name
        let namespace = "org.opendatakit.user.\(Representation.odataName(name))"
        let properties = detail.properties.map { "        <Property Name=\"\(Representation.odataName($0.name))\" Type=\"Edm.String\"/>\n" }
            .joined()
        let nonFilterable = detail.properties.map {
            "                  <PropertyPath>\(Representation.odataName($0.name))</PropertyPath>\n"
        }.joined()
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0">
              <edmx:DataServices>
                <Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="org.opendatakit.entity">
                  <ComplexType Name="metadata">
                    <Property Name="createdAt" Type="Edm.DateTimeOffset"/>
                    <Property Name="creatorId" Type="Edm.String"/>
                    <Property Name="creatorName" Type="Edm.String"/>
                    <Property Name="updates" Type="Edm.Int64"/>
                    <Property Name="updatedAt" Type="Edm.DateTimeOffset"/>
                    <Property Name="deletedAt" Type="Edm.DateTimeOffset"/>
                    <Property Name="version" Type="Edm.Int64"/>
                    <Property Name="conflict" Type="Edm.String"/>
                  </ComplexType>
                </Schema>
                <Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="\(namespace)">
                  <EntityType Name="Entities">
                    <Key><PropertyRef Name="__id"/></Key>
                    <Property Name="__id" Type="Edm.String"/>
                    <Property Name="__system" Type="org.opendatakit.entity.metadata"/>
                    <Property Name="label" Type="Edm.String"/>
            \(properties)      </EntityType>
                  <EntityContainer Name="\(name)">
                    <EntitySet Name="Entities" EntityType="\(namespace).Entities">
            \(ODataCapabilities.annotations(nonFilterable: detail.properties.map { Representation.odataName($0.name) }))
                      <Annotation Term="Org.OData.Capabilities.V1.SearchRestrictions">
                        <Record>
                          <PropertyValue Property="Searchable" Bool="true" />
                          <PropertyValue Property="UnsupportedExpressions">
                          <Collection>
                            <EnumMember>Org.OData.Capabilities.V1.SearchExpressions/And</EnumMember>
                            <EnumMember>Org.OData.Capabilities.V1.SearchExpressions/Not</EnumMember>
                            <EnumMember>Org.OData.Capabilities.V1.SearchExpressions/Group</EnumMember>
                          </Collection>
                        </PropertyValue>
                        </Record>
                      </Annotation>
                    </EntitySet>
                  </EntityContainer>
                </Schema>
              </edmx:DataServices>
            </edmx:Edmx>
            """
    }
}
