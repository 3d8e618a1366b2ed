import Foundation

/// OData date and date-time literals, normalized to the stored form (`YYYY-MM-DDTHH:MM:SS.mmmZ`, UTC) so that
/// they compare with stored times as text. A date alone is midnight UTC, as PostgreSQL reads it in Central.
public enum ODataDateTime {
    static func isValid(_ text: String) -> Bool { utc(text) != nil }

    public static func utc(_ text: String) -> String? {
        let pattern = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2}))?$/
        guard let match = text.wholeMatch(of: pattern) else { return nil }
        var components = DateComponents()
        components.calendar = Calendar(identifier: .gregorian)
        components.year = Int(match.1)
        components.month = Int(match.2)
        components.day = Int(match.3)
        components.hour = match.4.flatMap { Int($0) } ?? 0
        components.minute = match.5.flatMap { Int($0) } ?? 0
        components.second = match.6.flatMap { Int($0) } ?? 0
        let offset: Int
        switch match.8.map(String.init) {
        case nil, "Z": offset = 0
        case let zone?:
            let sign = zone.hasPrefix("-") ? -1 : 1
            let parts = zone.dropFirst().split(separator: ":").compactMap { Int($0) }
            guard parts.count == 2, parts[0] < 24, parts[1] < 60 else { return nil }
            offset = sign * (parts[0] * 3600 + parts[1] * 60)
        }
        components.timeZone = TimeZone(secondsFromGMT: offset)
        guard components.isValidDate, let date = components.date else { return nil }
        let fraction = match.7.map { Double("0.\($0)") ?? 0 } ?? 0
        return string(date.addingTimeInterval(fraction))
    }

    /// The stored format, written here so that this module needs nothing of the store.
    public static func string(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .nanosecond], from: date)
        let millis = min(999, Int((Double(parts.nanosecond ?? 0) / 1_000_000).rounded()))
        func pad(_ value: Int?, _ width: Int) -> String {
            let text = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.year, 4))-\(pad(parts.month, 2))-\(pad(parts.day, 2))T\(pad(parts.hour, 2)):\(pad(parts.minute, 2)):"
            + "\(pad(parts.second, 2)).\(pad(millis, 3))Z"
    }
}
