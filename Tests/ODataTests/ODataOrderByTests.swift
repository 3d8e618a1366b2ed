import Testing

@testable import OData

@Suite struct ODataOrderByTests {
    let columns: [String: ODataColumn] = [
        "__system/createdAt": ODataColumn("e.created_at", .timestamp), "__id": ODataColumn("e.uuid", .text),
    ]

    @Test func termsKeepTheirDirectionAndTheStableColumnFollowsTheFirst() throws {
        let order = try ODataOrderBy("__system/createdAt desc, __id", columns: columns)
        #expect(order.sql(stable: "e.id") == "e.created_at DESC NULLS LAST, e.uuid ASC NULLS FIRST, e.id DESC")
    }

    @Test func unknownFieldsAndDirectionsAreUnsupported() {
        #expect(throws: ODataError.unsupportedField(text: "label", at: nil)) { try ODataOrderBy("label", columns: columns) }
        #expect(throws: ODataError.unsupportedField(text: "upward", at: nil)) {
            try ODataOrderBy("__id upward", columns: columns)
        }
        #expect(throws: ODataError.self) { try ODataOrderBy("__id,", columns: columns) }
        let extraWords = try? ODataOrderBy("__id ASC DESC OTHER", columns: columns)
        #expect(extraWords?.terms.first?.descending == false)
    }
}
