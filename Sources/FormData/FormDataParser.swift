/// A streaming reader of `multipart/form-data` bodies (RFC 7578 over RFC 2046), fed chunks as they
/// arrive and answering with events, so a part's bytes are never held by the reader itself.
///
/// Ours rather than MultipartKit's: MultipartKit 4.7.1 indexes a 128-entry table with any header-name
/// byte, so one byte of 0x80 or more in a part's header name trapped and killed the whole server
/// (found by `Fuzz/Multipart`). What it accepts is otherwise the same: a preamble up to the first
/// `--boundary`, parts of `Name: value` header lines then a blank line then the body, each body ending
/// at `CRLF--boundary`, and anything after the closing `--boundary--` ignored.
public struct FormDataParser {
    public enum Event {
        case header(name: String, value: String)
        /// Body bytes of the current part, valid only during the call.
        case body(UnsafeRawBufferPointer)
        /// The delimiter after a part's body, and the byte after it, have been read.
        case partEnd
    }

    /// The body is not form data with this boundary.
    public struct SyntaxError: Error, Equatable {
        public let reason: String
    }

    /// A header line longer than this is refused (names and file names are far shorter).
    public static let maximumHeaderLength = 16 * 1024

    private enum State {
        /// Looking for `--boundary`; `matched` bytes of it seen.
        case preamble(matched: Int)
        /// Just after a delimiter: `\r\n` starts headers, `-` closes the body.
        case afterDelimiter(first: Bool)
        case afterDelimiterCR
        case headers
        case headerLF
        case body(matched: Int)
        case epilogue
    }

    private let opening: [UInt8]
    /// `\r\n--boundary`, which ends each part's body.
    private let delimiter: [UInt8]
    private let delimiterFallback: [Int]
    private let openingFallback: [Int]
    private var state = State.preamble(matched: 0)
    private var line: [UInt8] = []

    public init(boundary: String) {
        opening = Array("--\(boundary)".utf8)
        delimiter = Array("\r\n--\(boundary)".utf8)
        delimiterFallback = Self.fallback(delimiter)
        openingFallback = Self.fallback(opening)
    }

    public mutating func feed(_ bytes: UnsafeRawBufferPointer, _ handle: (Event) throws -> Void) throws {
        var index = 0
        while index < bytes.count {
            switch state {
            case .preamble(let matched):
                var matched = matched
                while index < bytes.count && matched < opening.count {
                    matched = Self.advance(matched, with: bytes[index], in: opening, fallback: openingFallback)
                    index += 1
                }
                state = matched == opening.count ? .afterDelimiter(first: true) : .preamble(matched: matched)
            case .afterDelimiter(let first):
                let byte = bytes[index]
                index += 1
                if !first && (byte == .cr || byte == .hyphen) { try handle(.partEnd) }
                switch byte {
                case .cr: state = .afterDelimiterCR
                case .hyphen where !first: state = .epilogue
                default: throw SyntaxError(reason: "expected CRLF after the boundary")
                }
            case .afterDelimiterCR:
                guard bytes[index] == .lf else { throw SyntaxError(reason: "expected CRLF after the boundary") }
                index += 1
                line.removeAll(keepingCapacity: true)
                state = .headers
            case .headers:
                let start = index
                while index < bytes.count && bytes[index] != .cr { index += 1 }
                guard line.count + (index - start) <= Self.maximumHeaderLength else {
                    throw SyntaxError(reason: "a header line is too long")
                }
                line.append(contentsOf: bytes[start..<index])
                if index < bytes.count {
                    index += 1
                    state = .headerLF
                }
            case .headerLF:
                guard bytes[index] == .lf else { throw SyntaxError(reason: "a header line does not end in CRLF") }
                index += 1
                if line.isEmpty {
                    state = .body(matched: 0)
                } else {
                    try handle(try Self.header(line))
                    line.removeAll(keepingCapacity: true)
                    state = .headers
                }
            case .body(let matched):
                index = try body(bytes, from: index, matched: matched, handle)
            case .epilogue:
                return
            }
        }
    }

    /// Passes on body bytes up to a delimiter, withholding what may be the start of one until it is decided.
    private mutating func body(
        _ bytes: UnsafeRawBufferPointer, from start: Int, matched: Int, _ handle: (Event) throws -> Void
    ) throws -> Int {
        var index = start
        var matched = matched
        var run = start
        while index < bytes.count {
            if matched == 0 {
                // Fast path: plain body bytes up to the next CR.
                while index < bytes.count && bytes[index] != .cr { index += 1 }
                guard index < bytes.count else { break }
            }
            let byte = bytes[index]
            if byte == delimiter[matched] {
                if matched == 0 && index > run { try handle(.body(UnsafeRawBufferPointer(rebasing: bytes[run..<index]))) }
                matched += 1
                index += 1
                run = index
                if matched == delimiter.count {
                    state = .afterDelimiter(first: false)
                    return index
                }
                continue
            }
            // Of the withheld bytes (a prefix of the delimiter) and this one, those that can no longer
            // start a delimiter are body; with none left, this byte is body too and goes with the next run.
            let kept = Self.advance(matched, with: byte, in: delimiter, fallback: delimiterFallback)
            let released = kept == 0 ? matched : matched + 1 - kept
            try delimiter.withUnsafeBytes { try handle(.body(UnsafeRawBufferPointer(rebasing: $0[0..<released]))) }
            matched = kept
            if kept > 0 { index += 1 }
            run = index
        }
        if matched == 0 && index > run { try handle(.body(UnsafeRawBufferPointer(rebasing: bytes[run..<index]))) }
        state = .body(matched: matched)
        return index
    }

    private static func header(_ line: [UInt8]) throws -> Event {
        guard let colon = line.firstIndex(of: .colon), colon > 0 else { throw SyntaxError(reason: "a header line has no name") }
        guard line[..<colon].allSatisfy(\.isTokenCharacter) else { throw SyntaxError(reason: "a header name is not a token") }
        var valueStart = colon + 1
        while valueStart < line.count && (line[valueStart] == .space || line[valueStart] == .tab) { valueStart += 1 }
        let name = String(decoding: line[..<colon], as: UTF8.self)
        let value = String(validating: line[valueStart...], as: UTF8.self) ?? ""
        return .header(name: name, value: value)
    }

    /// Knuth–Morris–Pratt: for each matched length, the longest proper prefix of the pattern that is also
    /// a suffix of what was matched.
    private static func fallback(_ pattern: [UInt8]) -> [Int] {
        var table = [Int](repeating: 0, count: pattern.count + 1)
        var length = 0
        for index in 1..<max(pattern.count, 1) {
            while length > 0 && pattern[index] != pattern[length] { length = table[length] }
            if pattern[index] == pattern[length] { length += 1 }
            table[index + 1] = length
        }
        return table
    }

    /// The matched length after one more byte.
    private static func advance(_ matched: Int, with byte: UInt8, in pattern: [UInt8], fallback: [Int]) -> Int {
        var matched = matched
        while matched > 0 && byte != pattern[matched] { matched = fallback[matched] }
        return byte == pattern[matched] ? matched + 1 : 0
    }
}

extension UInt8 {
    fileprivate static let cr = UInt8(ascii: "\r")
    fileprivate static let lf = UInt8(ascii: "\n")
    fileprivate static let colon = UInt8(ascii: ":")
    fileprivate static let hyphen = UInt8(ascii: "-")
    fileprivate static let space = UInt8(ascii: " ")
    fileprivate static let tab = UInt8(ascii: "\t")

    /// RFC 822's token characters: printable ASCII except the specials.
    fileprivate var isTokenCharacter: Bool {
        guard self > 32 && self < 127 else { return false }
        return !"()<>@,;:\\\"/[]?={}".utf8.contains(self)
    }
}
