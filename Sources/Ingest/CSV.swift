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
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
