import Foundation
import Testing

@testable import Entities
import EntityScenarios

@Suite struct JSONValueTests {
    @Test func serialisationKeepsKeyOrderAndIntegers() {
        let value: JSONValue = ["b": 1, "a": ["x": "y\n\"z\""], "c": [true, .null, 404.1]]
        #expect(value.serialized() == #"{"b":1,"a":{"x":"y\n\"z\""},"c":[true,null,404.1]}"#)
    }

    @Test func controlCharactersAreEscapedAndEveryIntegerIsWrittenExactly() throws {
        let text: JSONValue = .string("a\u{01}b\u{1f}\u{7f}é\t\r\\")
        #expect(text.serialized() == #""a\u0001b\u001f\#u{7f}é\t\r\\""#)
        #expect(try JSONValue.parse(text.serialized()) == text)
        let numbers: JSONValue = [.int(0), .int(-7), .int(Int64.max), .int(Int64.min), 2.0, 0.25]
        #expect(numbers.serialized() == "[0,-7,9223372036854775807,-9223372036854775808,2,0.25]")
    }

    @Test func parseRoundTripsWhatItSerialises() throws {
        let text = #"{"name":"Ünïcode \u00e9 😀","n":-12,"f":1.5,"list":[{},[]],"t":false}"#
        let value = try JSONValue.parse(text)
        #expect(value["name"]?.stringValue == "Ünïcode é 😀")
        #expect(value["n"]?.intValue == -12)
        #expect(try JSONValue.parse(value.serialized()) == value)
    }

    @Test func parseRefusesBrokenDocuments() {
        let brokenSurrogates = [#"["\ud800\u0041"]"#, #"["\ud800\ud800"]"#, #"["\udc00"]"#, #"["\ud800"]"#]
        for text in ["{", #"{"a":}"#, "[1,]", "tru", #"{"a":1} x"#] + brokenSurrogates {
            #expect(throws: (any Error).self) { try JSONValue.parse(text) }
        }
    }

    @Test func parseDecodesEscapesAndRefusesInvalidUTF8() throws {
        #expect(try JSONValue.parse(#"["\ud83d\ude00\t", 2e3, null]"#) == [.string("😀\t"), .double(2000), .null])
        let broken = Data([0x22, 0xFF, 0xFE, 0x22])
        #expect(throws: (any Error).self) { try JSONValue.parse(broken) }
        #expect(try JSONValue.parse(Data(#"{"k":"v"}"#.utf8)) == ["k": "v"])
    }
}
