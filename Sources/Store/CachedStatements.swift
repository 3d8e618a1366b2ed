import Foundation
import GRDB
import GRDBSQLite

/// Statements through the connection's prepared-statement cache, bound and stepped with SQLite's C API.
///
/// GRDB's own execution boxes every argument, runs its observation and access bookkeeping for each
/// statement and builds a `Row` per result; in the single writer that cost as much CPU as SQLite itself
/// (the benchmark's profile, 2026-11-23). Arguments here are a parameter pack (no boxing, no array),
/// and rows are read by position while current.
///
/// These statements are not seen by GRDB's transaction observers. `FormLookupCache` observes `forms`,
/// so writes to `forms` go through GRDB's `execute(sql:arguments:)` instead (checked in debug builds).
extension Database {
    func run<each Argument: SQLArgument>(_ sql: String, _ arguments: repeat each Argument) throws {
        assert(!FormLookupCache.isWritten(by: sql), "writes to forms must go through GRDB: \(sql)")
        let handle = try prepared(sql, repeat each arguments)
        defer { sqlite3_reset(handle) }
        while true {
            switch sqlite3_step(handle) {
            case SQLITE_DONE: return
            case SQLITE_ROW: continue
            case let code: throw failure(code, sql)
            }
        }
    }

    /// The first row, mapped while current; nil when there is none.
    func firstRow<T, each Argument: SQLArgument>(
        _ sql: String, _ arguments: repeat each Argument, as transform: (SQLRow) throws -> T
    ) throws -> T? {
        let handle = try prepared(sql, repeat each arguments)
        defer { sqlite3_reset(handle) }
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return try transform(SQLRow(handle: handle))
        case SQLITE_DONE: return nil
        case let code: throw failure(code, sql)
        }
    }

    /// Every row, each mapped while current.
    func allRows<T, each Argument: SQLArgument>(
        _ sql: String, _ arguments: repeat each Argument, as transform: (SQLRow) throws -> T
    ) throws -> [T] {
        var mapped: [T] = []
        try forEachRow(sql, repeat each arguments) { mapped.append(try transform($0)) }
        return mapped
    }

    /// Calls `body` with each row while it is current.
    func forEachRow<each Argument: SQLArgument>(
        _ sql: String, _ arguments: repeat each Argument, row body: (SQLRow) throws -> Void
    ) throws {
        let handle = try prepared(sql, repeat each arguments)
        defer { sqlite3_reset(handle) }
        while true {
            switch sqlite3_step(handle) {
            case SQLITE_ROW: try body(SQLRow(handle: handle))
            case SQLITE_DONE: return
            case let code: throw failure(code, sql)
            }
        }
    }

    private func prepared<each Argument: SQLArgument>(_ sql: String, _ arguments: repeat each Argument) throws -> OpaquePointer {
        let handle = try cachedStatement(sql: sql).sqliteStatement
        sqlite3_reset(handle)
        var index: Int32 = 0
        for argument in repeat each arguments {
            index += 1
            let code = argument.bind(to: handle, at: index)
            guard code == SQLITE_OK else { throw failure(code, sql) }
        }
        guard index == sqlite3_bind_parameter_count(handle) else {
            throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "\(index) arguments for this statement", sql: sql)
        }
        return handle
    }

    private func failure(_ code: Int32, _ sql: String) -> DatabaseError {
        DatabaseError(
            resultCode: ResultCode(rawValue: sqlite3_extended_errcode(sqliteConnection)),
            message: String(cString: sqlite3_errmsg(sqliteConnection)), sql: sql)
    }
}

/// The current row of a statement being stepped, read by column position.
struct SQLRow {
    let handle: OpaquePointer

    subscript<T: SQLColumn>(_ index: Int32) -> T { T(column: index, of: handle) }
}

/// A value bound to a statement parameter.
protocol SQLArgument {
    func bind(to statement: OpaquePointer, at index: Int32) -> Int32
}

/// A value read from a result column.
protocol SQLColumn {
    init(column: Int32, of statement: OpaquePointer)
}

/// SQLite copies the bytes during the bind call, so Swift's buffers need not outlive it.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

extension Int64: SQLArgument, SQLColumn {
    func bind(to statement: OpaquePointer, at index: Int32) -> Int32 { sqlite3_bind_int64(statement, index, self) }
    init(column: Int32, of statement: OpaquePointer) { self = sqlite3_column_int64(statement, column) }
}

extension Int: SQLArgument, SQLColumn {
    func bind(to statement: OpaquePointer, at index: Int32) -> Int32 { sqlite3_bind_int64(statement, index, Int64(self)) }
    init(column: Int32, of statement: OpaquePointer) { self = Int(sqlite3_column_int64(statement, column)) }
}

extension Bool: SQLArgument, SQLColumn {
    func bind(to statement: OpaquePointer, at index: Int32) -> Int32 { sqlite3_bind_int64(statement, index, self ? 1 : 0) }
    init(column: Int32, of statement: OpaquePointer) { self = sqlite3_column_int64(statement, column) != 0 }
}

extension Double: SQLArgument, SQLColumn {
    func bind(to statement: OpaquePointer, at index: Int32) -> Int32 { sqlite3_bind_double(statement, index, self) }
    init(column: Int32, of statement: OpaquePointer) { self = sqlite3_column_double(statement, column) }
}

extension String: SQLArgument, SQLColumn {
    func bind(to statement: OpaquePointer, at index: Int32) -> Int32 {
        var text = self
        return text.withUTF8 { bytes in
            // A null pointer would bind NULL, not the empty string.
            guard let base = bytes.baseAddress else { return sqlite3_bind_text(statement, index, "", 0, transient) }
            return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                sqlite3_bind_text(statement, index, $0, Int32(bytes.count), transient)
            }
        }
    }

    init(column: Int32, of statement: OpaquePointer) {
        guard let text = sqlite3_column_text(statement, column) else {
            self = ""
            return
        }
        self = String(decoding: UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(statement, column))), as: UTF8.self)
    }
}

extension Data: SQLArgument, SQLColumn {
    func bind(to statement: OpaquePointer, at index: Int32) -> Int32 {
        // A null pointer would bind NULL, not the empty blob.
        guard !isEmpty else { return sqlite3_bind_zeroblob(statement, index, 0) }
        return withUnsafeBytes { sqlite3_bind_blob(statement, index, $0.baseAddress, Int32($0.count), transient) }
    }

    init(column: Int32, of statement: OpaquePointer) {
        guard let bytes = sqlite3_column_blob(statement, column) else {
            self = Data()
            return
        }
        self = Data(bytes: bytes, count: Int(sqlite3_column_bytes(statement, column)))
    }
}

extension Optional: SQLArgument where Wrapped: SQLArgument {
    func bind(to statement: OpaquePointer, at index: Int32) -> Int32 {
        switch self {
        case .none: sqlite3_bind_null(statement, index)
        case .some(let value): value.bind(to: statement, at: index)
        }
    }
}

extension Optional: SQLColumn where Wrapped: SQLColumn {
    init(column: Int32, of statement: OpaquePointer) {
        self = sqlite3_column_type(statement, column) == SQLITE_NULL ? nil : Wrapped(column: column, of: statement)
    }
}

extension Database {
    /// A savepoint inside the current transaction, through the statement cache: GRDB's `inSavepoint`
    /// prepares its statements anew each time, and the writer opens one per write and per entity change.
    /// An error rolls back to the savepoint, releases it and is rethrown; if SQLite itself ended the
    /// transaction, `SavepointError.transactionEnded` says so, so no later write runs outside it.
    func inCachedSavepoint<T>(_ body: () throws -> T) throws -> T {
        guard isInsideTransaction else { throw SavepointError.transactionEnded }
        try run("SAVEPOINT write")
        do {
            let result = try body()
            try run("RELEASE SAVEPOINT write")
            return result
        } catch {
            guard isInsideTransaction else { throw SavepointError.transactionEnded }
            do {
                try run("ROLLBACK TO SAVEPOINT write")
                try run("RELEASE SAVEPOINT write")
            } catch {
                // The write could not be undone: committing the batch would keep half of it.
                throw SavepointError.transactionEnded
            }
            throw error
        }
    }
}

enum SavepointError: Error, Equatable {
    /// SQLite rolled the whole transaction back (a full disk, an I/O error): nothing more may run in it.
    case transactionEnded
}
