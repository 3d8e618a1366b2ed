import Entities
import EntityScenarios
import Foundation
import HTTPTypes
import Testing

@testable import Ingest

/// What Power BI, Excel and pyodk read from `…/forms/{id}.svc`, as Central serves it.
@Suite struct SubmissionODataTests {
    static let svc = "/v1/projects/1/forms/households_repeat.svc"

    /// Households 1…n, each with three members, submitted in order (so the newest is n).
    func households(_ harness: Harness, count: Int) async throws {
        let project = try await harness.createProject()
        #expect(project == 1)
        try await harness.publishForm("households_repeat", project: project)
        let template = String(decoding: try SampleFiles.submission("households_repeat", "household-1"), as: UTF8.self)
        for number in 1...count {
            var xml = template.replacingOccurrences(of: "uuid:44440000-0000-4000-8000-000000000001", with: "uuid:h\(number)")
                .replacingOccurrences(of: "Kamau household", with: "household \(number)")
            for member in 1...3 {
                xml = xml.replacingOccurrences(
                    of: "9e000000-0000-4000-8000-00000000000\(member)",
                    with: String(format: "9e000000-0000-4000-8000-%012d", number * 10 + member))
            }
            let response = try await harness.submitOpenRosa(project: project, xml: Data(xml.utf8))
            #expect(response.status == .created)
        }
    }

    @Test func serviceDocumentAndMetadataNameEveryTable() async throws {
        try await Harness.run { harness in
            try await households(harness, count: 1)
            let service = try await harness.send(.get, Self.svc)
            #expect(service.headers[.contentType] == "application/json; charset=utf-8; odata.metadata=minimal")
            #expect(service.headers[HTTPField.Name("OData-Version")!] == "4.0")
            let names = try service.json()["value"]?.arrayValue?.map { $0["name"]?.stringValue }
            #expect(names == ["Submissions", "Submissions.members"])
            let metadata = try await harness.send(.get, "\(Self.svc)/$metadata").text
            #expect(metadata.contains("<EntityType Name=\"Submissions.members\">"))
            #expect(metadata.contains("<Property Name=\"__Submissions-id\" Type=\"Edm.String\"/>"))
            #expect(metadata.contains("<Property Name=\"age\" Type=\"Edm.Int64\"/>"))
            #expect(
                metadata.contains(
                    "<NavigationProperty Name=\"members\" Type=\"Collection(org.opendatakit.user.households_repeat.Submissions.members)\"/>"
                ))
        }
    }

    @Test func rowsAreTypedWithSystemFieldsAndRepeatLinks() async throws {
        try await Harness.run { harness in
            try await households(harness, count: 2)
            let body = try await harness.send(.get, "\(Self.svc)/Submissions").json()
            let rows = body["value"]?.arrayValue ?? []
            #expect(rows.map { $0["__id"]?.stringValue } == ["uuid:h2", "uuid:h1"])
            #expect(rows[0]["household_name"]?.stringValue == "household 2")
            #expect(rows[0]["members@odata.navigationLink"]?.stringValue == "Submissions('uuid%3Ah2')/members")
            #expect(rows[0]["__system"]?["submitterId"]?.stringValue == "1")
            #expect(rows[0]["__system"]?["formVersion"]?.stringValue == "1")
            #expect(rows[0]["__system"]?["edits"]?.intValue == 0)
            #expect(
                body["@odata.context"]?.stringValue?.hasSuffix("/v1/projects/1/forms/households_repeat.svc/$metadata#Submissions") == true)

            let members = try await harness.send(.get, "\(Self.svc)/Submissions.members").json()["value"]?.arrayValue ?? []
            #expect(members.count == 6)
            #expect(members.first?["name"]?.stringValue == "Amina Njeri")
            #expect(members.first?["age"]?.intValue == 41)
            #expect(members.first?["__Submissions-id"]?.stringValue == "uuid:h2")
            // Central's id: sha1 of "Submissions#uuid:h2%%members#0".
            #expect(members.first?["__id"]?.stringValue?.count == 40)

            let expanded = try await harness.send(.get, "\(Self.svc)/Submissions?$expand=*").json()["value"]?.arrayValue ?? []
            #expect(
                expanded.first?["members"]?.arrayValue?.map { $0["__id"]?.stringValue } == members.prefix(3).map { $0["__id"]?.stringValue }
            )

            let one = try await harness.send(.get, "\(Self.svc)/Submissions('uuid:h1')").json()["value"]?.arrayValue ?? []
            #expect(one.map { $0["__id"]?.stringValue } == ["uuid:h1"])
            let nested = try await harness.send(.get, "\(Self.svc)/Submissions('uuid:h1')/members").json()["value"]?.arrayValue ?? []
            #expect(nested.map { $0["__Submissions-id"]?.stringValue } == ["uuid:h1", "uuid:h1", "uuid:h1"])
            #expect(try await harness.send(.get, "\(Self.svc)/Submissions('uuid:nope')").problemCode == 404.1)
        }
    }

    @Test func pagesFollowTheirNextLinkToTheEnd() async throws {
        try await Harness.run { harness in
            try await households(harness, count: 5)
            var url: String? = "\(Self.svc)/Submissions?$top=2&$count=true"
            var seen: [String] = []
            while let next = url {
                let body = try await harness.send(.get, next).json()
                #expect(body["@odata.count"]?.intValue == 5)
                seen += body["value"]?.arrayValue?.compactMap { $0["__id"]?.stringValue } ?? []
                url = body["@odata.nextLink"]?.stringValue.map { String($0[$0.range(of: "/v1/")!.lowerBound...]) }
            }
            #expect(seen == ["uuid:h5", "uuid:h4", "uuid:h3", "uuid:h2", "uuid:h1"])
            // A page that ends where the server's own read batch ends (3 rows in debug builds) still knows that more follow.
            let exact = try await harness.send(.get, "\(Self.svc)/Submissions?$top=\(SubmissionODataFeed.pageSize)").json()
            #expect(exact["value"]?.arrayValue?.count == SubmissionODataFeed.pageSize)
            #expect(exact["@odata.nextLink"] != nil)
            url = "\(Self.svc)/Submissions.members?$top=4"
            var members: [String] = []
            while let next = url {
                let body = try await harness.send(.get, next).json()
                members += body["value"]?.arrayValue?.compactMap { $0["__id"]?.stringValue } ?? []
                url = body["@odata.nextLink"]?.stringValue.map { String($0[$0.range(of: "/v1/")!.lowerBound...]) }
            }
            #expect(members.count == 15 && Set(members).count == 15)
        }
    }

    @Test func filterSelectAndOrderAreApplied() async throws {
        try await Harness.run { harness in
            try await households(harness, count: 3)
            try await harness.sendJSON(.patch, "/v1/projects/1/forms/households_repeat/submissions/uuid:h2", ["reviewState": "rejected"])
            let kept = try await harness.send(.get, "\(Self.svc)/Submissions?$filter=not+__system/reviewState+eq+'rejected'").json()
            #expect(kept["value"]?.arrayValue?.map { $0["__id"]?.stringValue } == ["uuid:h3", "uuid:h1"])
            let thisYear = try await harness.send(.get, "\(Self.svc)/Submissions?$filter=year(__system/submissionDate)%20eq%20year(now())")
            #expect(try thisYear.json()["value"]?.arrayValue?.count == 3)
            let rejectedMembers = try await harness.send(
                .get,
                "\(Self.svc)/Submissions.members?$filter=$root/Submissions/__system/reviewState eq 'rejected'".replacingOccurrences(
                    of: " ", with: "%20"))
            #expect(try rejectedMembers.json()["value"]?.arrayValue?.count == 3)
            let selected = try await harness.send(.get, "\(Self.svc)/Submissions?$select=__id,household_name,__system/reviewState&$top=1")
            #expect(
                try selected.json()["value"]?.arrayValue?.first == [
                    "household_name": "household 3", "__id": "uuid:h3", "__system": ["reviewState": .null],
                ])
            let ordered = try await harness.send(.get, "\(Self.svc)/Submissions?$orderby=__system/reviewState%20desc").json()
            #expect(ordered["value"]?.arrayValue?.first?["__id"]?.stringValue == "uuid:h2")
        }
    }

    @Test func queriesItCannotAnswerAreRefusedWithCentralsCodes() async throws {
        try await Harness.run { harness in
            try await households(harness, count: 1)
            let cases: [(String, Double)] = [
                ("Submissions?$filter=__system/reviewState%20eq", 400.18),
                ("Submissions?$filter=household_name%20eq%20'x'", 501.5),
                ("Submissions.members?$filter=__system/reviewState%20eq%20null", 501.5),
                ("Submissions?$filter=contains(__id,'h')", 501.4),
                ("Submissions?$expand=members", 501.6),
                ("Submissions?$expand=*&$select=__id", 501.11),
                ("Submissions?$inlinecount=allpages", 501.1),
                ("Submissions?$select=nothing", 400.23),
                ("Submissions?$select=members/name", 400.24),
                ("Submissions?$skiptoken=nonsense", 400.35),
                ("Submissions?$orderby=__id&$skiptoken=01e30=", 501.1),
                ("Submissions?$orderby=household_name", 501.5),
                ("Submissions?$top=-1", 400.11),
                ("Submissions.nothing", 404.1),
            ]
            for (query, code) in cases {
                let response = try await harness.send(.get, "\(Self.svc)/\(query)")
                #expect(response.problemCode == code, "\(query)")
            }
        }
    }
}
