import Foundation

/// Times are stored and served as ISO-8601 UTC with milliseconds, as Central serves them;
/// such strings also sort in time order.
public enum Timestamp {
    public static func string(_ date: Date) -> String {
        date.formatted(
            .iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true)
                .timeSeparator(.colon).timeZone(separator: .omitted))
    }

    public static func now() -> String { string(Date()) }

    public static func date(_ text: String) -> Date? {
        try? Date(text, strategy: .iso8601.year().month().day().dateSeparator(.dash)
            .time(includingFractionalSeconds: true).timeSeparator(.colon).timeZone(separator: .omitted))
    }
}
