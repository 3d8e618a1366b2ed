import Foundation
import GRDB
import GRDBSQLite

/// Files into and out of blob columns through SQLite's incremental blob API, a chunk at a time, so that a
/// large upload or download never sits in memory whole. `copy` needs a `zeroblob` of the file's size in the row.
enum BlobStream {
    static let chunkSize = 1 << 20

    static func copy(file path: String, into db: Database, table: String, column: String, rowid: Int64, size: Int) throws {
        var blob: OpaquePointer?
        let opened = sqlite3_blob_open(db.sqliteConnection, "main", table, column, rowid, 1, &blob)
        guard opened == SQLITE_OK, let blob else { throw failure(db, opened) }
        defer { sqlite3_blob_close(blob) }
        guard let input = fopen(path, "rb") else {
            throw DatabaseError(resultCode: .SQLITE_IOERR, message: "cannot read the upload's temporary file \(path)")
        }
        defer { fclose(input) }
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        var offset = 0
        while offset < size {
            let read = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, min(chunkSize, size - offset), input) }
            guard read > 0 else {
                throw DatabaseError(resultCode: .SQLITE_IOERR, message: "the upload's temporary file ended early")
            }
            let written = buffer.withUnsafeBytes { sqlite3_blob_write(blob, $0.baseAddress, Int32(read), Int32(offset)) }
            guard written == SQLITE_OK else { throw failure(db, written) }
            offset += read
        }
    }

    static func read(_ db: Database, table: String, column: String, rowid: Int64, offset: Int, length: Int) throws -> Data {
        guard length > 0 else { return Data() }
        var blob: OpaquePointer?
        let opened = sqlite3_blob_open(db.sqliteConnection, "main", table, column, rowid, 0, &blob)
        guard opened == SQLITE_OK, let blob else { throw failure(db, opened) }
        defer { sqlite3_blob_close(blob) }
        var data = Data(count: length)
        let code = data.withUnsafeMutableBytes { sqlite3_blob_read(blob, $0.baseAddress, Int32(length), Int32(offset)) }
        guard code == SQLITE_OK else { throw failure(db, code) }
        return data
    }

    private static func failure(_ db: Database, _ code: Int32) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
    }
}
