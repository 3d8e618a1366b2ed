import FormData
import Testing

/// What a reader of the events would keep: each part's headers and bytes.
private struct Part: Equatable {
    var headers: [String] = []
    var body: [UInt8] = []
}

private func parts(_ text: String, boundary: String = "B", chunk: Int = .max) throws -> (parts: [Part], open: Part?) {
    var parser = FormDataParser(boundary: boundary)
    var parts: [Part] = []
    var current: Part?
    let bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
        let end = min(offset + min(chunk, bytes.count), bytes.count)
        try bytes[offset..<end].withUnsafeBytes { slice in
            try parser.feed(slice) { event in
                switch event {
                case .header(let name, let value):
                    current = Part(headers: (current?.headers ?? []) + ["\(name)=\(value)"], body: current?.body ?? [])
                case .body(let piece): current = Part(headers: current?.headers ?? [], body: (current?.body ?? []) + piece)
                case .partEnd:
                    parts.append(current ?? Part())
                    current = nil
                }
            }
        }
        offset = end
    }
    return (parts, current)
}

@Suite struct FormDataParserTests {
    static let collect =
        "--B\r\nContent-Disposition: form-data; name=\"xml_submission_file\"; filename=\"s.xml\"\r\nContent-Type: text/xml\r\n\r\n<data/>\r\n"
        + "--B\r\nContent-Disposition: form-data; name=\"tree.jpg\"; filename=\"tree.jpg\"\r\n\r\n\u{1}\r\n\r\n-B--x\r\n--B--\r\nignored"

    @Test func readsPartsAsCollectSendsThemWhateverTheChunking() throws {
        let expected = [
            Part(
                headers: ["Content-Disposition=form-data; name=\"xml_submission_file\"; filename=\"s.xml\"", "Content-Type=text/xml"],
                body: Array("<data/>".utf8)),
            Part(
                headers: ["Content-Disposition=form-data; name=\"tree.jpg\"; filename=\"tree.jpg\""], body: Array("\u{1}\r\n\r\n-B--x".utf8)
            ),
        ]
        for chunk in 1...Self.collect.utf8.count {
            let read = try parts(Self.collect, chunk: chunk)
            #expect(read.parts == expected, "chunks of \(chunk)")
            #expect(read.open == nil)
        }
    }

    @Test func bodyBytesThatOnlyStartLikeTheDelimiterAreKept() throws {
        // "\r\n-", "\r\n--", "\r\r\n" and a boundary with a repeated prefix all overlap the delimiter.
        let body = "a\r\n-b\r\n--c\r\r\n\r\n-\r"
        let text = "--B\r\n\r\n" + body + "\r\n--B--"
        for chunk in 1...text.utf8.count {
            #expect(try parts(text, chunk: chunk).parts == [Part(body: Array(body.utf8))], "chunks of \(chunk)")
        }
        let repeated = "--BB\r\n\r\nx\r\n--B\r\n--BB--"
        #expect(try parts(repeated, boundary: "BB").parts == [Part(body: Array("x\r\n--B".utf8))])
    }

    @Test func aHeaderNameWithBytesPastASCIIIsASyntaxErrorNotACrash() throws {
        // MultipartKit 4.7.1 trapped on this (an index past its 128-entry table) and took the server down.
        for name in ["\u{80}x", "é", "na me", "", "a\u{7F}"] {
            #expect(throws: FormDataParser.SyntaxError.self) { try parts("--B\r\n\(name): y\r\n\r\nz\r\n--B--") }
        }
        #expect(
            try parts("--B\r\nContent-Disposition: form-data; filename=\"árbol.jpg\"\r\n\r\nz\r\n--B--").parts[0].headers == [
                "Content-Disposition=form-data; filename=\"árbol.jpg\""
            ])
    }

    @Test func malformedFramingIsRefused() throws {
        let refused = [
            "--B\r\nA: b\r\r\n\r\nz\r\n--B--",  // CR without LF after a header
            "--B\nA: b\r\n\r\nz\r\n--B--",  // LF alone after the boundary
            "--B--\r\n",  // closed before any part
            "--B\r\n\r\nz\r\n--Bq",  // neither CRLF nor "--" after a delimiter
            "--B\r\nA: " + String(repeating: "v", count: FormDataParser.maximumHeaderLength) + "\r\n\r\n",
        ]
        for text in refused {
            #expect(throws: FormDataParser.SyntaxError.self, "\(text.prefix(40).debugDescription)") { try parts(text) }
        }
    }

    @Test func aBodyCutShortLeavesThePartOpen() throws {
        let cut = try parts("--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nhalf a bo")
        #expect(cut.parts.isEmpty)
        #expect(cut.open == Part(headers: ["Content-Disposition=form-data; name=\"a\""], body: Array("half a bo".utf8)))
        // Without any delimiter the whole body is preamble: no parts at all.
        #expect(try parts("no boundary here").parts.isEmpty)
    }
}
