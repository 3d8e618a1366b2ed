import FormData
import Foundation
import FuzzSupport

/// A form-data body as a phone's network may deliver it. The first line, when it names form data, is the
/// request's content type; otherwise the boundary is `B`. Read whole and read in chunks of a size the
/// input picks, the body must give the same parts (headers and bytes) and the same verdict.
struct Reading: Equatable {
    var parts: [(headers: [String], body: [UInt8])] = []
    var failed = false
    var open = false

    static func == (a: Reading, b: Reading) -> Bool {
        a.failed == b.failed && a.open == b.open && a.parts.count == b.parts.count
            && zip(a.parts, b.parts).allSatisfy { $0.headers == $1.headers && $0.body == $1.body }
    }
}

func read(_ body: [UInt8], boundary: String, chunk: Int) -> Reading {
    var parser = FormDataParser(boundary: boundary)
    var reading = Reading()
    var current: (headers: [String], body: [UInt8])?
    do {
        var offset = 0
        while offset < body.count {
            let end = min(offset + chunk, body.count)
            try body[offset..<end].withUnsafeBytes { bytes in
                try parser.feed(bytes) { event in
                    switch event {
                    case .header(let name, let value): current = ((current?.headers ?? []) + ["\(name): \(value)"], current?.body ?? [])
                    case .body(let bytes): current = (current?.headers ?? [], (current?.body ?? []) + bytes)
                    case .partEnd:
                        reading.parts.append(current ?? ([], []))
                        current = nil
                    }
                }
            }
            offset = end
        }
    } catch {
        reading.failed = true
    }
    reading.open = current != nil
    return reading
}

func fuzzMultipart(_ data: Data) {
    var input = [UInt8](data)
    var boundary = "B"
    if let newline = input.firstIndex(of: UInt8(ascii: "\n")), input.starts(with: Array("multipart/".utf8)) {
        let header = String(decoding: input[..<newline], as: UTF8.self)
        if let range = header.range(of: "boundary="), !header[range.upperBound...].isEmpty {
            boundary = String(header[range.upperBound...])
        }
        input.removeSubrange(...newline)
    }
    let whole = read(input, boundary: boundary, chunk: max(input.count, 1))
    let chunked = read(input, boundary: boundary, chunk: 1 + Int(input.first ?? 0) % 17)
    guard whole == chunked else { fatalError("reading in chunks changed the parts: \(whole.parts.count) vs \(chunked.parts.count)") }
}

@main enum FuzzMain {
    static func main() { FuzzTarget.main(fuzzMultipart) }
}
