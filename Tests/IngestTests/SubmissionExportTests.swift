import Entities
import EntityScenarios
import Foundation
import HTTPTypes
import Testing
import XMLParse

@testable import Ingest

/// Central's CSV export: the columns, their order and the values, as the analyst opens them.
@Suite struct SubmissionExportTests {
    @Test func repeatRowsAreKeyedAsCentralKeysThem() throws {
        let fields = [
            FormField(name: "name", path: "/name", type: "string", binary: false, selectMultiple: false),
            FormField(name: "children", path: "/children", type: "structure", binary: false, selectMultiple: false),
            FormField(name: "child", path: "/children/child", type: "repeat", binary: false, selectMultiple: false),
            FormField(name: "name", path: "/children/child/name", type: "string", binary: false, selectMultiple: false),
            FormField(name: "where", path: "/where", type: "geopoint", binary: false, selectMultiple: false),
        ]
        let layout = SubmissionTableLayout(fields: fields, xmlFormId: "family", groupPaths: true)
        #expect(layout.tables.map(\.fileName) == ["family.csv", "family-child.csv"])
        #expect(
            layout.header(of: 0).prefix(6) == [
                "SubmissionDate", "name", "where-Latitude", "where-Longitude", "where-Altitude", "where-Accuracy",
            ])
        #expect(layout.header(of: 1) == ["name", "PARENT_KEY", "KEY"])
        let xml = """
            <data id="family"><name>Bob</name><children><child><name>Billy</name></child></children>\
            <children><child><name>Blaine</name></child></children><where>1.5 2.5 3</where><extra><name>no</name></extra></data>
            """
        let rows = SubmissionTableRows(try SubmissionParser.instance(Data(xml.utf8)), instanceId: "two", layout: layout)
        #expect(rows.submission == ["Bob", "1.5", "2.5", "3", ""])
        #expect(rows.repeats[1] == [["Billy", "two", "two/children/child[1]"], ["Blaine", "two", "two/children/child[2]"]])
    }

    @Test func csvHasCentralsColumnsNewestFirstAndFilters() async throws {
        try await Harness.run { harness in
            try await SubmissionODataTests().households(harness, count: 2)
            try await harness.sendJSON(.patch, "/v1/projects/1/forms/households_repeat/submissions/uuid:h1", ["reviewState": "approved"])
            let response = try await harness.send(.get, "/v1/projects/1/forms/households_repeat/submissions.csv")
            #expect(response.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(response.headers[.contentDisposition]?.contains("households_repeat.csv") == true)
            let lines = response.text.split(separator: "\n").map {
                $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            }
            #expect(
                lines[0] == [
                    "SubmissionDate", "household_name", "meta-instanceID", "KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent",
                    "AttachmentsExpected", "Status", "ReviewState", "DeviceID", "Edits", "FormVersion",
                ])
            #expect(lines.dropFirst().map { $0[3] } == ["uuid:h2", "uuid:h1"])
            #expect(lines[2][1...] == ["household 1", "uuid:h1", "uuid:h1", "1", "Admin", "0", "0", "", "approved", "", "0", "1"][...])
            let filtered = try await harness.send(
                .get, "/v1/projects/1/forms/households_repeat/submissions.csv?$filter=__system/reviewState+eq+'approved'")
            #expect(filtered.text.split(separator: "\n").count == 2)
            let bad = try await harness.send(.get, "/v1/projects/1/forms/households_repeat/submissions.csv?$filter=nope+eq+1")
            #expect(bad.problemCode == 501.5)
            let audits = try await harness.audits("form.submission.export")
            #expect(audits.count == 2)
        }
    }
}

/// The `.csv.zip` download, read back by two readers that share no code with ours: Python's zipfile and Info-ZIP's unzip.
@Suite struct SubmissionZipExportTests {
    /// Runs a program and returns what it printed, or nil when it is not installed.
    func run(_ program: String, _ arguments: [String]) throws -> (status: Int32, output: String)? {
        guard let path = ["/usr/bin/\(program)", "/bin/\(program)"].first(where: { FileManager.default.isExecutableFile(atPath: $0) })
        else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    func check(_ zip: Data) throws -> [String: JSONValue] {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString).zip").path
        try zip.write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let unzip = try #require(try run("unzip", ["-t", path]), "unzip is installed by scripts/test.sh")
        #expect(unzip.status == 0, "\(unzip.output)")
        let script = """
            import csv, io, json, sys, zipfile
            z = zipfile.ZipFile(sys.argv[1])
            assert z.testzip() is None
            out = {}
            for name in z.namelist():
                data = z.read(name)
                out[name] = list(csv.reader(io.StringIO(data.decode()))) if name.endswith(".csv") else len(data)
            print(json.dumps(out))
            """
        let python = try #require(try run("python3", ["-c", script, path]))
        #expect(python.status == 0, "\(python.output)")
        return try JSONValue.parse(Data(python.output.utf8)).objectValue.map {
            Dictionary(uniqueKeysWithValues: $0.pairs.map { ($0.key, $0.value) })
        } ?? [:]
    }

    @Test func everyTableIsAFileWithCentralsKeys() async throws {
        try await Harness.run { harness in
            try await SubmissionODataTests().households(harness, count: 4)
            let response = try await harness.send(.post, "/v1/projects/1/forms/households_repeat/submissions.csv.zip")
            #expect(response.headers[.contentType] == "application/zip")
            #expect(response.headers[.contentDisposition]?.contains("households_repeat.zip") == true)
            let files = try check(response.data)
            #expect(files.keys.sorted() == ["households_repeat-members.csv", "households_repeat.csv"])
            let main = files["households_repeat.csv"]?.arrayValue ?? []
            #expect(main.count == 5)
            let members = files["households_repeat-members.csv"]?.arrayValue ?? []
            #expect(members.first == ["name", "age", "meta-entity-label", "PARENT_KEY", "KEY"])
            #expect(members.count == 13)
            #expect(members[1] == ["Amina Njeri", "41", "Amina Njeri", "uuid:h4", "uuid:h4/members[1]"])
            let plain = try await harness.send(.get, "/v1/projects/1/forms/households_repeat/submissions.csv.zip?attachments=false")
            #expect(plain.headers[.contentDisposition]?.contains("households_repeat.csv.zip") == true)
        }
    }

    @Test func mediaFilesAreAddedUnlessAskedNotTo() async throws {
        try await Harness.run { harness in
            let project = try await harness.createProject()
            try await harness.publishForm("site_photo", project: project)
            let photo = try SampleFiles.file("submissions/site_photo/tree.jpg")
            _ = try await harness.submitOpenRosa(
                project: project, xml: SampleFiles.submission("site_photo", "site-1"), files: [("tree.jpg", "image/jpeg", photo)])
            let base = "/v1/projects/\(project)/forms/site_photo/submissions.csv.zip"
            let full = try check(try await harness.send(.get, base).data)
            #expect(full["media/tree.jpg"] == .int(Int64(photo.count)))
            let main = full["site_photo.csv"]?.arrayValue ?? []
            let header = main.first?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(main[1].arrayValue?[header.firstIndex(of: "AttachmentsPresent")!] == "1")
            let plain = try check(try await harness.send(.get, "\(base)?attachments=false").data)
            #expect(plain.keys.sorted() == ["site_photo.csv"])
        }
    }
}
