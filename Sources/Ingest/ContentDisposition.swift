/// `Content-Disposition: attachment` for a download whose name came from a client.
///
/// The quoted `filename=` is plain ASCII with anything that could end the quote, split the header or name a
/// path replaced by `_`; `filename*=` (RFC 5987) carries the real name, percent-encoded, for browsers that read it.
enum ContentDisposition {
    static func attachment(filename: String) -> String {
        "attachment; filename=\"\(asciiFallback(filename))\"; filename*=UTF-8''\(percentEncoded(filename))"
    }

    static func asciiFallback(_ name: String) -> String {
        var out = ""
        for scalar in name.unicodeScalars {
            let unsafe = !scalar.isASCII || scalar.value < 0x20 || scalar.value == 0x7F || "\"\\/;%".unicodeScalars.contains(scalar)
            out.unicodeScalars.append(unsafe ? "_" : scalar)
        }
        let trimmed = String(out.drop { $0 == "." })
        return trimmed.isEmpty ? "download" : trimmed
    }

    /// RFC 5987's `attr-char` left as is, every other byte of the UTF-8 as `%XX`.
    static func percentEncoded(_ name: String) -> String {
        let attrChars = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$&+-.^_`|~".utf8)
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for byte in name.utf8 {
            if attrChars.contains(byte) {
                out.append(byte)
            } else {
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
