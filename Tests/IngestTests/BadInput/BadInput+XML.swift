import Entities
import EntityScenarios
import Foundation
import HTTPTypes
import Testing

@testable import Ingest

/// Submissions whose XML is broken, hostile or too big, over OpenRosa and REST.
@Suite struct BadInputXMLTests {
    static func unparseable(_ xml: Data) -> String { "Could not parse the given data (\(xml.count) chars) as xml." }

    /// Sends `xml` over both paths and checks the answers are 400.1 (REST) and its OpenRosa envelope.
    static func expectUnparseableOnBothPaths(_ harness: Harness, project: Int64, _ xml: Data, _ name: String) async throws {
        let openRosa = try await harness.submitOpenRosa(project: project, xml: xml)
        expectOpenRosa(openRosa, 400, unparseable(xml), "\(name) over OpenRosa")
        expectProblem(try await harness.postREST(project: project, form: "site_photo", xml: xml), 400.1, "\(name) over REST")
    }

    @Test func malformedXMLIs400Point1AndStoresNothing() async throws {
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            let before = try await harness.storedCounts()
            let unclosed = Data(#"<data id="site_photo" version="1"><meta><instanceID>uuid:m1</instanceID></meta>"#.utf8)
            try await Self.expectUnparseableOnBothPaths(harness, project: project, unclosed, "unclosed root")
            let mismatched = Data(try BadInput.sitePhoto(description: "<b>oak</i>").utf8)
            try await Self.expectUnparseableOnBothPaths(harness, project: project, mismatched, "mismatched tags")
            let bare = Data("<test".utf8)  // Central's own example, for which it answers 400.2
            try await Self.expectUnparseableOnBothPaths(harness, project: project, bare, "no root")
            #expect(try await harness.storedCounts() == before)
        }
    }

    @Test func truncatedXMLAndATruncatedBodyAreRefusedAndStoreNothing() async throws {
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            let before = try await harness.storedCounts()
            let valid = try BadInput.sitePhoto()
            let half = Data(valid.prefix(valid.count / 2).utf8)
            try await Self.expectUnparseableOnBothPaths(harness, project: project, half, "cut in half")
            let cutBody = Data(
                "--b\r\nContent-Disposition: form-data; name=\"xml_submission_file\"; filename=\"s.xml\"\r\n\r\n\(valid)".utf8)
            let openRosa = try await harness.postOpenRosa(project: project, body: cutBody, contentType: "multipart/form-data; boundary=b")
            expectOpenRosa(openRosa, 400, "Multipart form content failed to parse.", "body cut before its closing boundary")
            #expect(try await harness.storedCounts() == before)
        }
    }

    @Test func invalidUTF8IsRefusedNotStoredMangled() async throws {
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            let before = try await harness.storedCounts()
            let parts = try BadInput.sitePhoto(description: "SPLIT").components(separatedBy: "SPLIT")
            for (name, bytes) in [
                ("overlong", [0xC0, 0xAF]), ("lone continuation", [0x80]), ("0xFF", [0xFF]), ("cut sequence", [0xC3, 0x28]),
            ] {
                let xml = Data(parts[0].utf8) + Data(bytes.map(UInt8.init)) + Data(parts[1].utf8)
                try await Self.expectUnparseableOnBothPaths(harness, project: project, xml, name)
            }
            #expect(try await harness.storedCounts() == before)
        }
    }

    @Test func documentTypeDeclarationsAreRefusedBeforeParsing() async throws {
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            let before = try await harness.storedCounts()
            let laughs =
                #"<!DOCTYPE data [<!ENTITY a "aaaaaaaaaa">"#
                + (1...9).map {
                    #"<!ENTITY \#(Character(UnicodeScalar(97 + $0)!)) "\#(String(repeating: "&\(Character(UnicodeScalar(96 + $0)!));", count: 10))">"#
                }
                .joined() + "]>"
            let doctypes: [(String, String, String)] = [
                ("external entity", #"<!DOCTYPE data [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>"#, "&xxe;"),
                ("external DTD", #"<!DOCTYPE data SYSTEM "http://127.0.0.1:1/evil.dtd">"#, "oak"),
                ("billion laughs", laughs, "&j;"),
                ("after a comment", "<!-- hello --><!DOCTYPE data>", "oak"),
            ]
            let refused = "Unexpected XML value <!DOCTYPE>; document type declarations are not accepted."
            for (name, doctype, description) in doctypes {
                let xml = Data(
                    try BadInput.sitePhoto(description: description).replacingOccurrences(of: "?><data", with: "?>\(doctype)<data").utf8)
                expectOpenRosa(try await harness.submitOpenRosa(project: project, xml: xml), 400, refused, name)
                let rest = try await harness.postREST(project: project, form: "site_photo", xml: xml)
                expectProblem(rest, 400.8, name)
                #expect(try rest.json()["details"]?["value"]?.stringValue == "<!DOCTYPE>", "\(name)")
            }
            let form = String(decoding: try SampleFiles.form("site_photo"), as: UTF8.self)
                .replacingOccurrences(
                    of: #"<?xml version="1.0"?>"#,
                    with: #"<?xml version="1.0"?><!DOCTYPE h:html [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>"#
                )
                .replacingOccurrences(of: #"id="site_photo""#, with: #"id="site_photo_xxe""#)
            let upload = try await harness.send(
                .post, "/v1/projects/\(project)/forms", body: Data(form.utf8), contentType: "application/xml")
            expectProblem(upload, 400.8, "a form with a DTD")
            #expect(try await harness.storedCounts() == before)
        }
    }

    @Test func elementsNestedDeeperThanLibxml2sLimitAreRefused() async throws {
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            let before = try await harness.storedCounts()
            let levels = 100_000
            let xml = Data(
                try BadInput.sitePhoto(description: String(repeating: "<a>", count: levels) + String(repeating: "</a>", count: levels)).utf8
            )
            try await Self.expectUnparseableOnBothPaths(harness, project: project, xml, "\(levels) levels")
            #expect(try await harness.storedCounts() == before)
        }
    }

    @Test func anAttributeValueOverLibxml2sLimitIsRefused() async throws {
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            let before = try await harness.storedCounts()
            let huge = Data(repeating: UInt8(ascii: "x"), count: 10 * 1024 * 1024)
            let root = try BadInput.sitePhoto().components(separatedBy: #"version="1">"#)
            let onRoot = Data((root[0] + #"version="1" junk=""#).utf8) + huge + Data(("\">" + root[1]).utf8)
            // One path each: reading 10 MB of form data takes seconds in a debug build.
            let openRosa = try await harness.submitOpenRosa(project: project, xml: onRoot)
            expectOpenRosa(openRosa, 400, Self.unparseable(onRoot), "10 MB attribute on the root, over OpenRosa")
            let description = try BadInput.sitePhoto(description: "SPLIT").components(separatedBy: "SPLIT")
            let inside = Data((description[0] + #"<b junk=""#).utf8) + huge + Data(("\"/>" + description[1]).utf8)
            let rest = try await harness.postREST(project: project, form: "site_photo", xml: inside)
            expectProblem(rest, 400.1, "10 MB attribute inside, over REST")
            #expect(try await harness.storedCounts() == before)
        }
    }

    @Test func aSubmissionOverTheBodyLimitIs400Point36() async throws {
        try await Harness.run(configuration: GatewayConfiguration(bodyLimit: 64 * 1024)) { harness in
            let project = try await harness.sitePhotoProject()
            let before = try await harness.storedCounts()
            let xml = Data(try BadInput.sitePhoto(description: String(repeating: "x", count: 70 * 1024)).utf8)
            expectOpenRosa(try await harness.submitOpenRosa(project: project, xml: xml), 400, "Request body too large.")
            expectProblem(try await harness.postREST(project: project, form: "site_photo", xml: xml), 400.36)
            let photo = Data(repeating: 0xFF, count: 70 * 1024)
            let withPhoto = try await harness.submitOpenRosa(
                project: project, xml: try SampleFiles.submission("site_photo", "site-1"), files: [("tree.jpg", "image/jpeg", photo)])
            expectOpenRosa(withPhoto, 400, "Request body too large.", "a small XML with a large photo")
            #expect(try await harness.storedCounts() == before)
        }
    }
}
