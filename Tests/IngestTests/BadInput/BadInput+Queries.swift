import Entities
import EntityScenarios
import Foundation
import HTTPTypes
import Testing

@testable import Ingest

/// Query strings that are out of range, not OData, or not ours to read.
@Suite struct BadInputQueryTests {
    /// Two households submitted and two trees made over the API: the submission feed's and the entity feed's URLs.
    static func twoOfEach(_ harness: Harness) async throws -> (submissions: String, entities: String) {
        try await SubmissionODataTests().households(harness, count: 2)
        let base = try await EntityAPITests().prepared(harness)
        for label in ["A oak", "B fir"] {
            #expect(try await harness.sendJSON(.post, "\(base)/entities", ["label": .string(label)]).status == .ok)
        }
        return (SubmissionODataTests.svc + "/Submissions", "\(base).svc/Entities")
    }

    @Test func topAndSkipOutOfRangeAreAnsweredNotTrapped() async throws {
        try await Harness.run { harness in
            let (submissions, entities) = try await Self.twoOfEach(harness)
            let before = try await harness.storedCounts()
            for feed in [submissions, entities, SubmissionODataTests.svc + "/Submissions.members"] {
                for top in ["9223372036854775807", "99999999999999999999", "1099511627776"] {
                    let all = try await harness.send(.get, "\(feed)?$top=\(top)&$count=true")
                    #expect(all.status == .ok, "\(feed) $top=\(top): \(all.text.prefix(200))")
                    let page = try all.json()
                    #expect(page["value"]?.arrayValue?.count == page["@odata.count"]?.intValue.map(Int.init), "\(feed) $top=\(top)")
                    #expect(page["@odata.nextLink"] == nil)
                    let skipped = try await harness.send(.get, "\(feed)?$skip=\(top)&$top=\(top)")
                    let skippedRows = try skipped.json()["value"]
                    #expect(skipped.status == .ok && skippedRows == [], "\(feed) $skip=\(top)")
                }
                let ordered = try await harness.send(.get, "\(feed)?$top=9223372036854775807&$skip=1&$orderby=__id")
                #expect(ordered.status == .ok, "\(feed) ordered: \(ordered.text.prefix(200))")
                for top in ["-1", "abc", "1.5", "", "0x10"] {
                    expectProblem(try await harness.send(.get, "\(feed)?$top=\(top)"), 400.11, "\(feed) $top=\(top)")
                    expectProblem(try await harness.send(.get, "\(feed)?$skip=\(top)"), 400.11, "\(feed) $skip=\(top)")
                }
            }
            #expect(try await harness.storedCounts() == before)
        }
    }

    @Test func aFilterThatIsNotODataIs400Point18() async throws {
        try await Harness.run { harness in
            let (submissions, entities) = try await Self.twoOfEach(harness)
            let before = try await harness.storedCounts()
            let broken = [
                "__id eq", "(((__id eq 'a'", "__id eq 'unterminated", "__id eq 'a' or", "eq 'a'", "__id === 'a'",
                "__id eq 'a'; DROP TABLE submissions;--", "__system/createdAt gt 2026-13-45",
            ]
            for feed in [submissions, entities] {
                for filter in broken {
                    let escaped = filter.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                    expectProblem(try await harness.send(.get, "\(feed)?$filter=\(escaped)"), 400.18, "\(feed) $filter=\(filter)")
                }
                // A quote doubled inside a literal is the literal's, not SQL's.
                let quoted = "__id eq 'x'' OR ''1''=''1'".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                let none = try await harness.send(.get, "\(feed)?$filter=\(quoted)")
                let noneRows = try none.json()["value"]
                #expect(none.status == .ok && noneRows == [], "\(feed): \(none.text.prefix(200))")
            }
            let csv = try await harness.send(.get, "/v1/projects/1/forms/households_repeat/submissions.csv?$filter=__id%20eq")
            expectProblem(csv, 400.18, "CSV download")
            #expect(try await harness.storedCounts() == before)
        }
    }

    @Test func unknownQueryParametersAreIgnoredOutsideOData() async throws {
        try await Harness.run { harness in
            let project = try await harness.sitePhotoProject()
            let key = try await harness.appUser(project: project, forms: ["site_photo"])
            let unknown = "utm_source=x&%24frobnicate=1&drop=';DROP%20TABLE%20projects;--"
            #expect(try await harness.send(.get, "/v1/projects?\(unknown)").status == .ok)
            #expect(try await harness.send(.get, "/v1/projects/\(project)/forms/site_photo/submissions?\(unknown)").status == .ok)
            let formList = try await harness.send(
                .get, "/v1/key/\(key)/projects/\(project)/formList?\(unknown)", token: .some(nil), headers: BadInput.openRosaHeaders)
            #expect(formList.status == .ok && formList.text.contains("<formID>site_photo</formID>"))
            let openRosa = try await harness.submitOpenRosa(
                project: project, xml: Harness.sitePhotoXML(suffix: "1"), prefix: "/v1/key/\(key)", token: .some(nil))
            #expect(openRosa.status == .created, "\(openRosa.text)")
            let resent = try await harness.send(
                .post, "/v1/projects/\(project)/forms/site_photo/submissions?\(unknown)", body: Harness.sitePhotoXML(suffix: "2"),
                contentType: "application/xml")
            #expect(resent.status == .ok, "\(resent.text)")
            #expect(try await harness.send(.get, "/v1/projects/\(project)/forms/site_photo/submissions").json().arrayValue?.count == 2)
            // OData refuses what it does not know, as Central: 501.1 names the option.
            let odata = try await harness.send(.get, "/v1/projects/\(project)/forms/site_photo.svc/Submissions?utm_source=x")
            expectProblem(odata, 501.1)
            #expect(try odata.json()["details"]?["feature"]?.stringValue == "utm_source")
        }
    }
}
