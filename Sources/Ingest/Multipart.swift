import Foundation
import Hummingbird

/// Reading `multipart/form-data` headers.
enum Multipart {
    /// A `key=value` or `key="value"` parameter of a header value (keys compared without ASCII case).
    /// Read as bytes: three lookups per part ran at 2 µs each through `Character`s.
    static func parameter(_ key: String, in header: String) -> String? {
        var header = header
        return header.withUTF8 { bytes in parameter(key.utf8, in: bytes) }
    }

    private static func parameter(_ key: String.UTF8View, in bytes: UnsafeBufferPointer<UInt8>) -> String? {
        let semicolon = UInt8(ascii: ";")
        var start = (bytes.firstIndex(of: semicolon) ?? bytes.count) + 1
        while start <= bytes.count {
            let end = bytes[start...].firstIndex(of: semicolon) ?? bytes.count
            if let equals = bytes[start..<end].firstIndex(of: UInt8(ascii: "=")),
                equalsIgnoringASCIICase(bytes[trimmed(bytes, start..<equals)], key)
            {
                var value = trimmed(bytes, (equals + 1)..<end)
                let quote = UInt8(ascii: "\"")
                if value.count >= 2, bytes[value.lowerBound] == quote, bytes[value.upperBound - 1] == quote {
                    value = (value.lowerBound + 1)..<(value.upperBound - 1)
                }
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[value]), as: UTF8.self)
            }
            start = end + 1
        }
        return nil
    }

    /// Without surrounding spaces and tabs.
    private static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper, isBlank(bytes[lower]) { lower += 1 }
        while upper > lower, isBlank(bytes[upper - 1]) { upper -= 1 }
        return lower..<upper
    }

    private static func equalsIgnoringASCIICase(_ bytes: UnsafeBufferPointer<UInt8>.SubSequence, _ key: String.UTF8View) -> Bool {
        guard bytes.count == key.count else { return false }
        return zip(bytes, key).allSatisfy { byte, expected in
            let lowered = (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
            return lowered == expected
        }
    }
}
