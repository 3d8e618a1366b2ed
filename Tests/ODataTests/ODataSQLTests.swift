import Foundation
import Testing

@testable import OData

@Suite struct ODataSQLTests {
    let columns: [String: ODataColumn] = [
        "__id": ODataColumn("s.instance_id", .text),
        "__system/submissionDate": ODataColumn("s.created_at", .timestamp),
        "__system/submitterId": ODataColumn("s.submitter_id", .integer),
        "__system/deletedAt": ODataColumn("s.deleted_at", .timestamp),
    ]
    let now = Date(timeIntervalSince1970: 1_700_000_000)

    func sql(_ text: String) throws(ODataError) -> SQLFragment {
        try ODataSQL.condition(try ODataFilter(text), columns: columns, now: now)
    }

    @Test func everyValueTheClientWroteIsAnArgument() throws {
        let fragment = try sql("__id eq 'x'' OR 1=1 --' or __system/submitterId ne 5")
        #expect(fragment.sql == "((s.instance_id IS ?) OR (s.submitter_id IS NOT ?))")
        #expect(fragment.arguments == [.text("x' OR 1=1 --"), .integer(5)])
    }

    @Test func nullComparisonsAreIsNull() throws {
        #expect(try sql("__system/deletedAt eq null").sql == "(s.deleted_at IS NULL)")
        #expect(try sql("null ne __system/deletedAt").sql == "(s.deleted_at IS NOT NULL)")
    }

    @Test func datesAreComparedInTheStoredUTCForm() throws {
        let fragment = try sql("__system/submissionDate ge 2024-01-31T10:00:00+02:00 and __system/submissionDate lt '2024-02-01'")
        #expect(fragment.sql == "((s.created_at >= ?) AND (s.created_at < ?))")
        #expect(fragment.arguments == [.text("2024-01-31T08:00:00.000Z"), .text("2024-02-01T00:00:00.000Z")])
    }

    @Test func nowIsTheGivenClock() throws {
        let fragment = try sql("__system/submissionDate lt now()")
        #expect(fragment.arguments == [.text("2023-11-14T22:13:20.000Z")])
    }

    @Test func datePartsAreExtracted() throws {
        let fragment = try sql("year(__system/submissionDate) eq 2024 and second(__system/submissionDate) lt 30")
        #expect(
            fragment.sql
                == "((CAST(strftime('%Y', s.created_at) AS INTEGER) IS ?) AND (CAST(strftime('%f', s.created_at) AS REAL) < ?))")
    }

    @Test func unknownFieldsAreUnsupportedWithTheirPosition() {
        #expect(throws: ODataError.unsupportedField(text: "age", at: 0)) { try sql("age gt 5") }
        #expect(throws: ODataError.unsupportedField(text: "__system/status", at: 15)) { try sql("__id eq 'a' or __system/status eq null") }
    }

    @Test func aTimeThatIsNotATimeIsUnparseable() {
        #expect(failure { _ = try sql("__system/submissionDate gt 'yesterday'") }?.isUnparseable == true)
    }

    @Test func valuesUsedAsConditionsAreUnsupported() {
        for text in ["__id", "5", "__id eq 'a' and __id", "(__id eq 'a') eq true"] {
            #expect(failure { _ = try sql(text) }?.isUnsupportedExpression == true, "\(text)")
        }
        let always = try? sql("true")
        #expect(always?.sql == "1")
    }

    @Test func deletedAtAnywhereInTheFilterIsNoticed() throws {
        #expect(ODataSQL.mentionsDeletedAt(try ODataFilter("not (__system/deletedAt eq null) or __id eq 'a'")))
        #expect(!ODataSQL.mentionsDeletedAt(try ODataFilter("__id eq 'a'")))
        #expect(!ODataSQL.mentionsDeletedAt(nil))
    }
}
