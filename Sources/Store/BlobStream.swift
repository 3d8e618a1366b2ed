import Foundation
import GRDB
import GRDBSQLite

/// Copies a file into a blob column through SQLite's incremental blob API, a chunk at a time, so that a
/// large upload never sits in memory whole. The row must already hold a `zeroblob` of the file's size.
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

    private static func failure(_ db: Database, _ code: Int32) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
    }
}
