import CSQLiteSettings
import Foundation
import FuzzSupport
import OData

/// A `$filter` or `$orderby` as a client may send it. Whatever parses and translates must be SQL that
/// SQLite runs: a translation it refuses would be a 500. The paths are those the submission and entity
/// feeds accept, over one column of each kind the translator handles.
let columns: [String: ODataColumn] = {
    let timestamp = ODataColumn("t.stamp", .timestamp)
    let text = ODataColumn("t.text", .text)
    let integer = ODataColumn("t.number", .integer)
    let paths: [(String, ODataColumn)] = [
        ("__id", text), ("__system/reviewState", text), ("__system/conflict", text),
        ("__system/submitterId", integer), ("__system/creatorId", integer),
        ("__system/submissionDate", timestamp), ("__system/createdAt", timestamp), ("__system/updatedAt", timestamp),
        ("__system/deletedAt", timestamp),
    ]
    return Dictionary(uniqueKeysWithValues: paths + paths.map { ("$root/Submissions/\($0.0)", $0.1) })
}()

nonisolated(unsafe) let database: OpaquePointer = {
    var handle: OpaquePointer?
    guard sqlite3_open(":memory:", &handle) == SQLITE_OK, let handle else { fatalError("no in-memory SQLite") }
    let schema = """
        CREATE TABLE t(text TEXT, number INTEGER, stamp TEXT);
        INSERT INTO t VALUES ('uuid:1', 1, '2026-01-01T00:00:00.000Z'), (NULL, NULL, NULL);
        """
    guard sqlite3_exec(handle, schema, nil, nil, nil) == SQLITE_OK else { fatalError("schema refused") }
    return handle
}()

func fuzzODataFilter(_ data: Data) {
    let text = String(decoding: data, as: UTF8.self)
    if let filter = try? ODataFilter(text),
        let condition = try? ODataSQL.condition(filter, columns: columns, now: Date(timeIntervalSince1970: 1_800_000_000))
    {
        run("SELECT COUNT(*) FROM t WHERE \(condition.sql)", condition.arguments, text)
    }
    if let order = try? ODataOrderBy(text, columns: columns) {
        run("SELECT text FROM t ORDER BY \(order.sql(stable: "rowid"))", [], text)
    }
}

/// SQLITE_TRANSIENT: SQLite copies bound text before the Swift string goes away.
let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

func run(_ sql: String, _ arguments: [SQLValue], _ text: String) {
    var statement: OpaquePointer?
    defer { sqlite3_finalize(statement) }
    var status = sqlite3_prepare_v2(database, sql, -1, &statement, nil)
    for (offset, value) in arguments.enumerated() where status == SQLITE_OK {
        let index = Int32(offset + 1)
        switch value {
        case .null: status = sqlite3_bind_null(statement, index)
        case .integer(let number): status = sqlite3_bind_int64(statement, index, number)
        case .real(let number): status = sqlite3_bind_double(statement, index, number)
        case .text(let string): status = sqlite3_bind_text(statement, index, string, -1, transient)
        }
    }
    while status == SQLITE_OK || status == SQLITE_ROW { status = sqlite3_step(statement) }
    guard status == SQLITE_DONE else {
        fatalError("\(text.debugDescription) translated to SQL SQLite refuses: \(sql) — \(String(cString: sqlite3_errmsg(database)))")
    }
}

@main enum FuzzMain {
    static func main() { FuzzTarget.main(fuzzODataFilter) }
}
