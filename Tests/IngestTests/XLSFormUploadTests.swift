import Entities
import EntityScenarios
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import Ingest

/// XLSForm uploads go through the configured converter (pyxform's `xls2xform`; here a stand-in script
/// that answers as it does, so these tests need no Python). The real converter runs in the end-to-end test.
@Suite struct XLSFormUploadTests {
    static let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    /// A converter that reads the spreadsheet as `<form id>|<warning or empty>` (or `bad`), writes a site_photo
    /// XForm with that id, and reports in pyxform's JSON; the file name it was given is its fallback id.
    static func converter(in directory: URL) throws -> String {
        let form = String(decoding: try SampleFiles.form("site_photo"), as: UTF8.self)
        let script = directory.appendingPathComponent("xls2xform")
        try """
        #!/bin/sh
        content=$(cat "$1")
        if [ "$content" = bad ]; then echo '{"code": 999, "message": "There should be a choices sheet.", "warnings": []}'; exit 1; fi
        id=${content%%|*}; warning=${content#*|}
        [ -z "$id" ] && id=$(basename "$1" .xlsx)
        cat > "$2" <<'XFORM'
        \(form)
        XFORM
        sed -i "s/id=\\"site_photo\\"/id=\\"$id\\"/" "$2"
        if [ -n "$warning" ]; then echo "{\\"code\\": 100, \\"message\\": \\"Ok!\\", \\"warnings\\": [\\"$warning\\"]}"
        else echo '{"code": 100, "message": "Ok!", "warnings": []}'; fi
        """.write(to: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        return script.path
    }

    static func run(_ body: @escaping @Sendable (Harness) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("xls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let configuration = GatewayConfiguration(scratchDirectory: directory.path, xlsformConverter: try converter(in: directory))
        try await Harness.run(configuration: configuration, body)
    }

    @Test func anXLSFormIsConvertedAndPublished() async throws {
        try await Self.run { harness in
            let project = try await harness.createProject()
            let created = try await harness.send(
                .post, "/v1/projects/\(project)/forms?publish=true", body: Data("trees_count|".utf8), contentType: Self.xlsx)
            #expect(created.status == .ok)
            #expect(try created.json()["xmlFormId"]?.stringValue == "trees_count")
            let xml = try await harness.send(.get, "/v1/projects/\(project)/forms/trees_count.xml")
            #expect(xml.text.contains(#"id="trees_count""#))
        }
    }

    @Test func theFallbackIdNamesAFormWhoseSettingsGiveNone() async throws {
        try await Self.run { harness in
            let project = try await harness.createProject()
            let created = try await harness.send(
                .post, "/v1/projects/\(project)/forms", headers: [HeaderNames.xlsformFormIdFallback: "tree%20survey"],
                body: Data("|".utf8), contentType: Self.xlsx)
            #expect(try created.json()["xmlFormId"]?.stringValue == "treesurvey")
        }
    }

    @Test func warningsRefuseTheUploadUnlessIgnored() async throws {
        try await Self.run { harness in
            let project = try await harness.createProject()
            let warned = try await harness.send(
                .post, "/v1/projects/\(project)/forms", body: Data("warned|Note has no label".utf8), contentType: Self.xlsx)
            #expect(warned.problemCode == 400.16)
            #expect(try warned.json()["details"]?["warnings"]?["xlsFormWarnings"] == ["Note has no label"])
            #expect(try await harness.send(.get, "/v1/projects/\(project)/forms/warned").problemCode == 404.1, "nothing stored")
            let accepted = try await harness.send(
                .post, "/v1/projects/\(project)/forms?ignoreWarnings=true", body: Data("warned|Note has no label".utf8),
                contentType: Self.xlsx)
            #expect(accepted.status == .ok)
        }
    }

    @Test func anInvalidXLSFormIs400Point15WithTheConvertersError() async throws {
        try await Self.run { harness in
            let project = try await harness.createProject()
            let bad = try await harness.send(.post, "/v1/projects/\(project)/forms", body: Data("bad".utf8), contentType: Self.xlsx)
            #expect(bad.problemCode == 400.15)
            #expect(try bad.json()["details"]?["error"]?.stringValue == "There should be a choices sheet.")
        }
    }

    @Test func withoutAConverterAnXLSFormIs501Point3() async throws {
        try await Harness.run { harness in
            let project = try await harness.createProject()
            let refused = try await harness.send(.post, "/v1/projects/\(project)/forms", body: Data("x".utf8), contentType: Self.xlsx)
            #expect(refused.problemCode == 501.3)
        }
    }
}
