import Testing

@testable import OData

@Suite struct ODataFilterParserTests {
    @Test func andBindsTighterThanOrAndNotTakesTheRest() throws {
        let parsed = try ODataFilterParser.parse("a eq 1 or not b eq 2 and c eq 3")
        let a = ODataExpression.comparison(.eq, .member("a", at: 0), .literal(.integer(1)))
        let b = ODataExpression.comparison(.eq, .member("b", at: 14), .literal(.integer(2)))
        let c = ODataExpression.comparison(.eq, .member("c", at: 25), .literal(.integer(3)))
        #expect(parsed == .or(a, .not(.and(b, c))))
    }

    @Test func parenthesesRegroup() throws {
        let parsed = try ODataFilterParser.parse("(a eq 1 or b eq 2) and c eq 3")
        guard case .and(.or, .comparison) = parsed else {
            Issue.record("parsed as \(parsed)")
            return
        }
    }

    @Test func readsEveryKindOfLiteral() throws {
        let cases: [(String, ODataLiteral)] = [
            ("null", .null), ("true", .boolean(true)), ("42", .integer(42)), ("-7", .integer(-7)), ("2.5", .decimal(2.5)),
            ("'it''s'", .string("it's")), ("2024-01-31", .dateTime("2024-01-31")),
            ("2024-01-31T10:00:00.5+02:00", .dateTime("2024-01-31T10:00:00.5+02:00")),
        ]
        for (text, literal) in cases {
            let parsed = try ODataFilterParser.parse("x eq \(text)")
            #expect(parsed == .comparison(.eq, .member("x", at: 0), .literal(literal)), "\(text)")
        }
    }

    @Test func readsSystemPathsAndFunctions() throws {
        let parsed = try ODataFilterParser.parse("year($root/Submissions/__system/submissionDate) le year(now())")
        #expect(
            parsed
                == .comparison(
                    .le, .call("year", [.member("$root/Submissions/__system/submissionDate", at: 5)], at: 0),
                    .call("year", [.call("now", [], at: 56)], at: 51)))
    }

    @Test func textThatIsNotODataIsUnparseable() {
        for text in [
            "", "eq 1", "a eq", "a eq 1 and", "(a eq 1", "a eq 1)", "a eq 'open", "a eq 1 2", "a eq #", "a eq 2024-13-01",
            "a eq 12abc", "frobnicate(a) eq 1", "year(a, b) eq 1", "a/ eq 1", "a eq ,",
        ] {
            #expect(failure { _ = try ODataFilterParser.parse(text) }?.isUnparseable == true, "\(text)")
        }
    }

    @Test func odataThisServerDoesNotEvaluateIsUnsupported() {
        for text in ["a add 1 eq 2", "contains(a, 'x')", "a has 'x'", "a in ('x')", "geo.distance(a, b) lt 1"] {
            #expect(failure { _ = try ODataFilterParser.parse(text) }?.isUnsupportedExpression == true, "\(text)")
        }
    }

    @Test func expressionsNestedTooDeepOrTooLongAreUnparseableNotAStackOverflow() throws {
        let limit = ODataFilterParser.maximumDepth
        let nested = { (depth: Int) in String(repeating: "(", count: depth) + "__id eq 'x'" + String(repeating: ")", count: depth) }
        #expect(throws: Never.self) { _ = try ODataFilterParser.parse(nested(limit - 1)) }
        for text in [
            nested(limit), nested(20_000), String(repeating: "not ", count: 20_000) + "a eq 1",
            String(repeating: "year(", count: 20_000) + "a" + String(repeating: ")", count: 20_000),
        ] {
            #expect(failure { _ = try ODataFilterParser.parse(text) }?.isUnparseable == true, "\(text.prefix(12))… nested")
        }
        let chain = { (terms: Int) in Array(repeating: "a eq 1", count: terms).joined(separator: " and ") }
        #expect(throws: Never.self) { _ = try ODataFilterParser.parse(chain(200)) }
        #expect(failure { _ = try ODataFilterParser.parse(chain(20_000)) }?.isUnparseable == true)
    }
}
