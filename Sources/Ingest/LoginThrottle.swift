import Foundation
import Synchronization

/// Failed password checks, counted per account and per peer address. After `freeFailures` a key must wait
/// before its next check: 1 s, then twice as long after each further failure, at most `longestWait`. A good
/// password clears its account's count (not its address's, or one known account would unlock guessing at
/// every other). Central has no such limit.
final class LoginThrottle: Sendable {
    struct Policy: Sendable {
        var freeFailures: Int
        var longestWait: TimeInterval
    }

    static let account = Policy(freeFailures: 5, longestWait: 15 * 60)
    /// Higher than per account: many honest people can share one address behind a NAT.
    static let address = Policy(freeFailures: 30, longestWait: 15 * 60)

    private struct Record {
        var failures: Int
        var last: Date
    }

    private let records = Mutex<[String: Record]>([:])
    private let now: @Sendable () -> Date

    init(now: @escaping @Sendable () -> Date = Date.init) { self.now = now }

    /// Seconds until an attempt for this account from this address may be checked; nil when it may be now.
    func wait(email: String, address: String) -> Int? {
        let keys = Self.keys(email: email, address: address)
        let waits = records.withLock { records in
            keys.compactMap { key, policy in records[key].flatMap { Self.remaining($0, policy, at: now()) } }
        }
        return waits.max().map { Int($0.rounded(.up)) }
    }

    func failed(email: String, address: String) {
        let time = now()
        records.withLock { records in
            if records.count > 100_000 {
                records = records.filter { time.timeIntervalSince($0.value.last) < Self.account.longestWait }
            }
            for (key, policy) in Self.keys(email: email, address: address) {
                var record = records[key] ?? Record(failures: 0, last: time)
                if time.timeIntervalSince(record.last) > policy.longestWait * 2 { record.failures = 0 }
                record.failures += 1
                record.last = time
                records[key] = record
            }
        }
    }

    func succeeded(email: String) {
        _ = records.withLock { $0.removeValue(forKey: "account:" + email.lowercased()) }
    }

    private static func keys(email: String, address: String) -> [(String, Policy)] {
        [("account:" + email.lowercased(), account), ("address:" + address, Self.address)]
    }

    private static func remaining(_ record: Record, _ policy: Policy, at time: Date) -> TimeInterval? {
        let over = record.failures - policy.freeFailures
        guard over >= 0 else { return nil }
        let wait = min(policy.longestWait, pow(2, Double(min(over, 30))))
        let left = wait - time.timeIntervalSince(record.last)
        return left > 0 ? left : nil
    }
}
