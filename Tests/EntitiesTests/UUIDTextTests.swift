import Testing

@testable import Entities

@Suite struct UUIDTextTests {
    @Test func version4UUIDsAreLowerCasedAndLoseTheirPrefix() {
        #expect(UUIDText.normalizedV4("uuid:E7000000-0000-4000-8000-00000000000A") == "e7000000-0000-4000-8000-00000000000a")
        #expect(UUIDText.normalizedV4("e7000000-0000-4000-b000-000000000001") == "e7000000-0000-4000-b000-000000000001")
    }

    @Test func otherVersionsVariantsAndShapesAreRefused() {
        for text in [
            "e7000000-0000-1000-8000-000000000001",  // version 1
            "e7000000-0000-4000-c000-000000000001",  // not the RFC variant
            "e7000000-0000-4000-8000-00000000001",  // a digit short
            "e7000000000040008000000000000001xxxx",  // no dashes
            "g7000000-0000-4000-8000-000000000001",  // not hex
            "é7000000-0000-4000-8000-00000000001",  // 36 bytes, not 36 ASCII characters
        ] {
            #expect(UUIDText.normalizedV4(text) == nil, "\(text)")
        }
    }

    @Test func trimmingRemovesUnicodeWhiteSpaceOnly() {
        #expect(" \t\n 12 \r\n".trimmed == "12")
        #expect("\u{00A0}a b\u{2003}".trimmed == "a b")
        #expect("  ".trimmed == "")
        #expect("x".trimmed == "x")
    }
}
