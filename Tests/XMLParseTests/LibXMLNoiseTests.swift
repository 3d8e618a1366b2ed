import Foundation
import Testing

@testable import XMLParse

@Suite(.serialized) struct LibXMLNoiseTests {
    /// What `body` writes to the process's stderr.
    private func standardError(of body: () -> Void) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("stderr-\(UUID().uuidString)").path
        let capture = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0o600)
        let saved = dup(2)
        dup2(capture, 2)
        body()
        fflush(nil)
        dup2(saved, 2)
        close(saved)
        close(capture)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    /// libxml2 printed a line per bad byte sequence of a declared encoding ("encoding error : input conversion
    /// failed"), whatever the parser options: one request could write thousands of lines to the server's log.
    @Test func badBytesInADeclaredEncodingAreRefusedWithoutWritingToStderr() throws {
        let body =
            Data(#"<?xml version="1.0" encoding="Shift_JIS"?><data id="x"><a>"#.utf8) + Data([0x00, 0x00, 0xFF, 0x80])
            + Data("</a></data>".utf8)
        let printed = try standardError {
            _ = try? SubmissionParser.header(body)
            _ = try? SubmissionParser.instance(body)
        }
        #expect(printed == "")
    }
}
