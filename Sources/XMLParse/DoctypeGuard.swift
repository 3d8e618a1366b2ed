/// Refuses documents with a document type declaration before libxml2 sees them.
///
/// A DTD is the only way to declare entities, so refusing it closes both external
/// entity (XXE) reads and entity-expansion bombs. Neither XForms nor submissions use one.
enum DoctypeGuard {
    static func containsDoctype(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        let count = bytes.count
        // Skip a UTF-8 byte order mark.
        if count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { index = 3 }
        while index < count {
            let byte = bytes[index]
            if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1; continue }
            guard byte == UInt8(ascii: "<"), index + 1 < count else { return false }
            let next = bytes[index + 1]
            if next == UInt8(ascii: "?") {
                guard let end = find([0x3F, 0x3E], in: bytes, from: index + 2) else { return false }
                index = end + 2
            } else if next == UInt8(ascii: "!") {
                if matches([0x21, 0x2D, 0x2D], in: bytes, at: index + 1) {
                    guard let end = find([0x2D, 0x2D, 0x3E], in: bytes, from: index + 4) else { return false }
                    index = end + 3
                } else {
                    return true  // <!DOCTYPE (or any other markup declaration) in the prolog
                }
            } else {
                return false  // the root element starts: the prolog is over
            }
        }
        return false
    }

    private static func matches(_ pattern: [UInt8], in bytes: UnsafeRawBufferPointer, at start: Int) -> Bool {
        guard start + pattern.count <= bytes.count else { return false }
        for (offset, byte) in pattern.enumerated() where bytes[start + offset] != byte { return false }
        return true
    }

    private static func find(_ pattern: [UInt8], in bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        var index = start
        while index + pattern.count <= bytes.count {
            if matches(pattern, in: bytes, at: index) { return index }
            index += 1
        }
        return nil
    }
}
