import Crypto
import Foundation

public enum Hashing {
    public static func md5(_ data: Data) -> String { Insecure.MD5.hash(data: data).hex }

    /// Lower-case hex, by table: `String(format: "%02x")` per byte showed in profiles of the submission path.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension Digest {
    public var hex: String { Hashing.hex(self) }
}
