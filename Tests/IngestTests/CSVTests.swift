import Foundation
import Testing

@testable import Ingest

@Suite struct CSVTests {
    /// A spreadsheet or a form's pulldata must read back exactly what was stored, commas and quotes included.
    @Test func fieldsAreQuotedOnlyWhenTheyMustBeAndQuotesAreDoubled() {
        let document = CSV.document(
            header: ["name", "label"],
            rows: [["a", "Oak, old"], ["b", "The \"gate\" oak"], ["c", "two\nlines"], ["d", "plain"]])
        #expect(
            String(decoding: document, as: UTF8.self)
                == "name,label\na,\"Oak, old\"\nb,\"The \"\"gate\"\" oak\"\nc,\"two\nlines\"\nd,plain\n")
    }

    @Test func anEmptyListIsJustTheHeader() {
        #expect(
            String(decoding: CSV.document(header: ["name", "label", "__version"], rows: []), as: UTF8.self) == "name,label,__version\n")
    }
}
