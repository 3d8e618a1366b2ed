import Foundation

/// Times are stored and served as ISO-8601 UTC with milliseconds, as Central serves them;
/// such strings also sort in time order.
public enum Timestamp {
    /// Formatted by hand: this runs several times for every submission, and Foundation's format styles showed in profiles.
    public static func string(_ date: Date) -> String {
        let interval = date.timeIntervalSince1970
        var seconds = time_t(interval.rounded(.down))
        let millis = min(999, Int(((interval - Double(seconds)) * 1000).rounded()))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        // "YYYY-MM-DDTHH:MM:SS.mmmZ", digits written straight into the string's storage.
        let fields: [(value: Int, width: Int, after: UInt8)] = [
            (Int(parts.tm_year) + 1900, 4, UInt8(ascii: "-")), (Int(parts.tm_mon) + 1, 2, UInt8(ascii: "-")),
            (Int(parts.tm_mday), 2, UInt8(ascii: "T")), (Int(parts.tm_hour), 2, UInt8(ascii: ":")),
            (Int(parts.tm_min), 2, UInt8(ascii: ":")), (Int(parts.tm_sec), 2, UInt8(ascii: ".")), (millis, 3, UInt8(ascii: "Z")),
        ]
        return String(unsafeUninitializedCapacity: 24) { buffer in
            var at = 0
            for field in fields {
                var value = field.value
                for offset in stride(from: field.width - 1, through: 0, by: -1) {
                    buffer[at + offset] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
                buffer[at + field.width] = field.after
                at += field.width + 1
            }
            return at
        }
    }

    public static func now() -> String { string(Date()) }

    public static func date(_ text: String) -> Date? {
        try? Date(
            text,
            strategy: .iso8601.year().month().day().dateSeparator(.dash)
                .time(includingFractionalSeconds: true).timeSeparator(.colon).timeZone(separator: .omitted))
    }
}
