import Foundation

/// RFC 4180 text: fields quoted only when they must be, lines ended by a newline.
enum CSV {
    static func document(header: [String], rows: [[String]]) -> Data {
        var text = ""
        for line in [header] + rows {
            text += line.map(field).joined(separator: ",")
            text += "\n"
        }
        return Data(text.utf8)
    }

    static func field(_ value: String) -> String {
        // Bytes, not Characters: exports run this for every cell.
        guard value.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
