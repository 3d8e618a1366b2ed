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
