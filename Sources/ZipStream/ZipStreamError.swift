/// Why a ``ZipStreamWriter`` call failed.
///
/// The name and order errors (``invalidName(_:)``, ``entryInProgress(_:)``, ``noEntryInProgress``,
/// ``dataInDirectory(_:)``) are thrown before anything is written, so the archive can go on.
/// After any other error the bytes already handed on are an unfinished archive, and every later call
/// throws ``earlierFailure``.
public enum ZipStreamError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The entry name is empty, starts with `/` or `\`, has a `..` segment (between `/` or `\`), has a NUL,
    /// or is longer than 65,535 bytes in UTF-8.
    case invalidName(String)
    /// `startEntry` was called while the named entry was still open.
    case entryInProgress(String)
    /// `write` or `finishEntry` was called with no entry open.
    case noEntryInProgress
    /// Bytes were written to a directory entry (a name ending in `/`).
    case dataInDirectory(String)
    /// The named entry was started with an `expectedSize` small enough for plain headers,
    /// then grew to 4 GiB or more, which those headers cannot record.
    case entryTooLarge(String)
    /// zlib's deflate returned this error code.
    case zlib(Int32)
    /// The archive was already finished.
    case archiveFinished
    /// An earlier call failed part way (the output threw, or one of the errors above that break the stream).
    case earlierFailure

    public var description: String {
        switch self {
        case .invalidName(let name): "invalid ZIP entry name \(String(reflecting: name))"
        case .entryInProgress(let name): "the entry \(String(reflecting: name)) is still open"
        case .noEntryInProgress: "no ZIP entry is open"
        case .dataInDirectory(let name): "the directory entry \(String(reflecting: name)) cannot hold data"
        case .entryTooLarge(let name): "the entry \(String(reflecting: name)) reached 4 GiB after a smaller expectedSize"
        case .zlib(let code): "zlib's deflate failed with code \(code)"
        case .archiveFinished: "the ZIP archive is already finished"
        case .earlierFailure: "an earlier call failed, so the ZIP stream is broken"
        }
    }
}
