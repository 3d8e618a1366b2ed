import Entities
import Foundation
import Hummingbird
import OData
import Store
import XMLParse

extension Gateway {
    /// Central's OData feed of a form's submissions, `…/forms/{id}.svc` (and `…/draft.svc` for test submissions):
    /// the service document, `$metadata`, `Submissions`, each repeat's table, and `Submissions('id')` with navigation.
    func addSubmissionODataRoutes(to router: GatewayRouter, prefix: String) {
        let forms = "\(prefix)/projects/:projectId/forms"
        for draft in [false, true] {
            let service = draft ? "\(forms)/:xmlFormId/draft.svc" : "\(forms)/{xmlFormId}.svc"
            router.get(RouterPath(service)) { request, context in
                _ = try ODataOptions(request)
                let (form, def) = try await odataForm(request, context, draft: draft)
                let schema = SubmissionODataSchema(fields: (try? XFormParser.fields(def.xml)) ?? [], xmlFormId: form.xmlFormId)
                var response = JSONResponse.make(schema.serviceDocument(context: "\(baseURL(request))\(request.uri.path)/$metadata"))
                response.headers[.contentType] = "application/json; charset=utf-8; odata.metadata=minimal"
                response.headers[HeaderNames.odataVersion] = "4.0"
                return response
            }
            router.get(RouterPath("\(service)/**")) { request, context in
                let options = try ODataOptions(request)
                let (form, def) = try await odataForm(request, context, draft: draft)
                let schema = SubmissionODataSchema(fields: (try? XFormParser.fields(def.xml)) ?? [], xmlFormId: form.xmlFormId)
                let rest = context.parameters.getCatchAll().joined(separator: "/")
                let serviceRoot = String(request.uri.path.prefix(upTo: request.uri.path.range(of: ".svc")!.upperBound))
                let feed = SubmissionODataFeed(
                    store: store, schema: schema, form: form, draft: draft, options: options, request: request,
                    context: "\(baseURL(request))\(serviceRoot)/$metadata", base: baseURL(request))
                var response: Response
                if rest == "$metadata" {
                    response = JSONResponse.bytes(Data(schema.metadataDocument().utf8), contentType: "application/xml; charset=utf-8")
                } else if let single = try SubmissionODataFeed.Address(rest) {
                    response = try await feed.single(single)
                } else {
                    response = try await feed.table(rest)
                }
                response.headers[HeaderNames.odataVersion] = "4.0"
                return response
            }
        }
    }

    private func odataForm(_ request: Request, _ context: GatewayContext, draft: Bool) async throws -> (FormRecord, FormDefRecord) {
        let (_, form) = try await self.form(request, context, .readSubmissions)
        guard let def = draft ? form.draft : form.current else { throw Problem.notFound }
        return (form, def)
    }
}

/// The rows of one OData request, read a page at a time and written as they are made.
struct SubmissionODataFeed: Sendable {
    static let pageSize = ReadBatch.size

    let store: GatewayStore
    let schema: SubmissionODataSchema
    let form: FormRecord
    let draft: Bool
    let options: ODataOptions
    let request: Request
    /// `{domain}{service root}/$metadata`.
    let context: String
    let base: String

    /// `Submissions('id')` and what follows it: the key, then the path of names and keys into its repeats.
    struct Address: Sendable {
        var instanceId: String
        var steps: [(name: String, key: String?)]

        init?(_ rest: String) throws {
            let segments = rest.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard let first = segments.first, first.hasPrefix("Submissions(") else { return nil }
            func keyed(_ segment: String) throws -> (String, String?) {
                guard let open = segment.firstIndex(of: "(") else { return (segment, nil) }
                guard let match = segment[open...].wholeMatch(of: /\('((?:uuid:)?[A-Za-z0-9-]+)'\)/) else { throw Problem.notFound }
                return (String(segment[..<open]), String(match.1))
            }
            let (name, key) = try keyed(first)
            guard name == "Submissions", let key else { throw Problem.notFound }
            instanceId = key
            steps = try segments.dropFirst().map { try keyed($0) }
        }
    }

    func selection(forRepeat: Bool) throws -> SubmissionSelection {
        var selection = SubmissionSelection(formId: form.id, draft: draft)
        if let filter = try ODataQuery.filter(request) {
            let columns =
                forRepeat ? SubmissionSelection.odataColumns.filter { $0.key.hasPrefix("$root/") } : SubmissionSelection.odataColumns
            selection.condition = try ODataQuery.condition(filter, columns: columns, now: Date())
            selection.includeDeleted = ODataSQL.mentionsDeletedAt(filter)
        }
        return selection
    }

    func table(_ name: String) async throws -> Response {
        let table = try schema.table(name)
        let select = try options.select.map { try ODataSelection($0, schema: schema, table: table) }
        let order = try ODataQuery.orderBy(request, columns: SubmissionSelection.odataColumns)
        if order != nil && options.skiptoken != nil {
            throw Problem(
                code: 501.1, message: "The requested feature using $orderby and $skiptoken together is not supported by this server.",
                details: ["feature": "using $orderby and $skiptoken together"])
        }
        let selection = try selection(forRepeat: table != nil)
        let tableName = table?.tableName ?? "Submissions"
        if let table { return try await repeatTable(table, selection: selection, select: select, order: order) }

        var cursor: SubmissionCursor?
        if let instanceId = options.skiptoken?["instanceId"] {
            guard let id = instanceId.stringValue else { return try await envelope(tableName, rows: [], next: nil, selection: selection) }
            cursor = try await store.submissionCursor(formId: form.id, instanceId: id)
            if cursor == nil { return try await envelope(tableName, rows: [], next: nil, selection: selection) }
        } else if options.skiptoken != nil {
            throw Problem(code: 400.35, message: "Invalid $skiptoken")
        }
        let count = options.count ? try await store.submissionCount(selection) : nil
        let limit = options.top
        let feed = self
        let start = cursor
        let body = ResponseBody { writer in
            var cursor = start
            try await writer.write(ByteBuffer(string: "{\"value\":["))
            var emitted = 0
            var offset = options.skip
            var last: SubmissionRow?
            var more = false
            var rows = SubmissionODataRows(schema: schema, expand: options.expand, wkt: options.wkt, table: nil)
            var buffer = ByteBuffer()
            // One row past the limit is read to know whether a next page exists.
            paging: while true {
                let want = min(Self.pageSize, (limit.map { $0 - emitted } ?? Self.pageSize) + 1)
                let page = try await store.submissionRows(selection, after: cursor, offset: offset, limit: want, order: order)
                for row in page {
                    if let limit, emitted == limit {
                        more = true
                        break paging
                    }
                    let instance = (try? SubmissionParser.instance(row.xml)) ?? InstanceElement(name: "data")
                    for object in rows.rows(for: row, instance: instance) {
                        let shown = select.map { $0.apply(object, parentKeyName: nil) } ?? object
                        if emitted > 0 { buffer.writeString(",") }
                        buffer.writeBytes(JSONValue.object(shown).data)
                    }
                    emitted += 1
                    last = row
                    if buffer.readableBytes > 1 << 16 {
                        try await writer.write(buffer)
                        buffer.clear()
                    }
                }
                guard page.count == want else { break }
                if order == nil, let row = page.last {
                    cursor = SubmissionCursor(createdAt: row.createdAt, id: row.id)
                } else {
                    offset += page.count
                }
            }
            buffer.writeString("]")
            var next: String?
            if more {
                if order == nil {
                    next = ODataOptions.nextLink(feed.request, base: feed.base, token: ["instanceId": JSONValue(last?.instanceId)])
                } else {
                    next = feed.skipLink(skip: options.skip + emitted)
                }
            }
            buffer.writeString(feed.footer(tableName, next: next, count: count))
            try await writer.write(buffer)
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: body)
    }

    /// With `$orderby`, the next page is the same request further on (Central's cursor cannot follow an order).
    func skipLink(skip: Int) -> String { ODataOptions.skipLink(request, base: base, skip: skip) }

    func footer(_ table: String, next: String?, count: Int?) -> String {
        var text = ",\"@odata.context\":\(JSONValue.string("\(context)#\(table)").serialized())"
        if let next { text += ",\"@odata.nextLink\":\(JSONValue.string(next).serialized())" }
        if let count { text += ",\"@odata.count\":\(count)" }
        return text + "}"
    }

    func envelope(_ table: String, rows: [JSONObject], next: String?, selection: SubmissionSelection?, count: Int? = nil) async throws
        -> Response
    {
        let values = rows.map { JSONValue.object($0).serialized() }.joined(separator: ",")
        var count = count
        if count == nil, options.count, let selection { count = try await store.submissionCount(selection) }
        let text = "{\"value\":[\(values)]" + footer(table, next: next, count: count)
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// A repeat's rows over every selected submission, paged in order of the rows as Central pages them.
    func repeatTable(
        _ table: SubmissionODataSchema.Node, selection: SubmissionSelection, select: ODataSelection?, order: ODataOrderBy?
    ) async throws -> Response {
        let token: String?? = options.skiptoken.map { $0["repeatId"]?.stringValue }
        var rows = SubmissionODataRows(schema: schema, expand: options.expand, wkt: options.wkt, table: table)
        var kept: [JSONObject] = []
        var counted = 0
        var remaining = 0
        var passed = token == nil
        var cursor: SubmissionCursor?
        var offset = 0
        let limit = options.top ?? Int.max
        while true {
            let page = try await store.submissionRows(selection, after: cursor, offset: offset, limit: Self.pageSize, order: order)
            for row in page {
                let instance = (try? SubmissionParser.instance(row.xml)) ?? InstanceElement(name: "data")
                for object in rows.rows(for: row, instance: instance) {
                    if kept.count == limit {
                        remaining += 1
                    } else if counted >= options.skip && passed {
                        kept.append(select.map { $0.apply(object, parentKeyName: table.parentKeyName) } ?? object)
                    }
                    if !passed, case .some(.some(let id)) = token, object["__id"]?.stringValue == id { passed = true }
                    counted += 1
                }
            }
            guard page.count == Self.pageSize, let last = page.last else { break }
            if order == nil { cursor = SubmissionCursor(createdAt: last.createdAt, id: last.id) } else { offset += page.count }
        }
        if !passed { throw Problem(code: 400.34, message: "Record associated with the provided $skiptoken not found.") }
        let next =
            remaining > 0
            ? ODataOptions.nextLink(request, base: base, token: ["repeatId": JSONValue(kept.last?["__id"]?.stringValue)]) : nil
        return try await envelope(table.tableName, rows: kept, next: next, selection: nil, count: options.count ? counted : nil)
    }

    /// `Submissions('id')`: that submission's row, or the rows of the repeat the path leads to.
    func single(_ address: Address) async throws -> Response {
        guard let cursor = try await store.submissionCursor(formId: form.id, instanceId: address.instanceId),
            let row = try await store.submissionRows(
                SubmissionSelection(formId: form.id, draft: draft), after: SubmissionCursor(createdAt: cursor.createdAt, id: cursor.id + 1),
                limit: 1
            ).first, row.id == cursor.id
        else { throw Problem.notFound }
        let tableName = (["Submissions"] + address.steps.map(\.name)).joined(separator: ".")
        let table = try schema.table(tableName)
        let select = try options.select.map { try ODataSelection($0, schema: schema, table: table) }
        var rows = SubmissionODataRows(schema: schema, expand: options.expand, wkt: options.wkt, table: table)
        let instance = (try? SubmissionParser.instance(row.xml)) ?? InstanceElement(name: "data")
        var all = rows.rows(for: row, instance: instance)
        if table != nil, let parent = address.steps.last(where: { $0.key != nil }) {
            let names = address.steps.prefix { $0.name != parent.name || $0.key == nil }.map(\.name) + [parent.name]
            let keyName = "__" + (["Submissions"] + names).joined(separator: "-") + "-id"
            all = all.filter { $0[keyName]?.stringValue == parent.key }
        }
        var offset = options.skip
        if let token = options.skiptoken {
            guard let id = token["repeatId"]?.stringValue else { throw Problem(code: 400.35, message: "Invalid $skiptoken") }
            guard let index = all.firstIndex(where: { $0["__id"]?.stringValue == id }) else {
                throw Problem(code: 400.34, message: "Record associated with the provided $skiptoken not found.")
            }
            offset = index + 1
        }
        let end = options.top.map { min(all.count, offset + $0) } ?? all.count
        let page = offset < end ? Array(all[offset..<end]) : []
        let shown = page.map { object in select.map { $0.apply(object, parentKeyName: table?.parentKeyName) } ?? object }
        let next =
            !page.isEmpty && all.count > end
            ? ODataOptions.nextLink(request, base: base, token: ["repeatId": JSONValue(page.last?["__id"]?.stringValue)]) : nil
        return try await envelope(
            table?.tableName ?? "Submissions", rows: shown, next: next, selection: nil,
            count: options.count && !all.isEmpty ? all.count : nil)
    }
}
