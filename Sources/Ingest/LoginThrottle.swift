import Foundation
import Synchronization

/// Failed password checks, counted per account from one address, per account, and per address. Past a
/// key's free failures, its next check waits 1 s, then twice as long after each further failure, at most
/// `longestWait`. An attempt is counted as a failure before its password is checked (so guesses sent at
/// once cannot all slip through one opening) and taken back when the password is right. A good password
/// clears its account's counts, but not its address's: one known account must not unlock guessing at
/// every other. Central has no such limit.
final class LoginThrottle: Sendable {
    struct Policy: Sendable {
        var freeFailures: Int
        var longestWait: TimeInterval
    }

    /// One account from one address: the person typing, or someone guessing at them.
    static let accountFromAddress = Policy(freeFailures: 5, longestWait: 15 * 60)
    /// One account from anywhere: guessing spread over many addresses; high, so a stranger cannot easily
    /// keep the owner out.
    static let account = Policy(freeFailures: 50, longestWait: 15 * 60)
    /// One address at many accounts. Behind a proxy every client has the proxy's address, so this is
    /// kept high too.
    static let address = Policy(freeFailures: 50, longestWait: 15 * 60)

    private struct Record {
        var failures: Int
        var last: Date
    }

    private let records = Mutex<[String: Record]>([:])
    private let now: @Sendable () -> Date

    init(now: @escaping @Sendable () -> Date = Date.init) { self.now = now }

    /// Seconds to wait before this attempt may be checked; nil when it may be now, in which case it is
    /// counted as a failure until `succeeded` says otherwise.
    func admit(email: String, address: String) -> Int? {
        let time = now()
        return records.withLock { records -> Int? in
            let keys = Self.keys(email: email, address: address)
            let waits = keys.compactMap { key, policy in records[key].flatMap { Self.remaining($0, policy, at: time) } }
            if let wait = waits.max() { return Int(wait.rounded(.up)) }
            if records.count > 100_000 {
                records = records.filter { time.timeIntervalSince($0.value.last) < Self.account.longestWait * 2 }
            }
            for (key, policy) in keys {
                var record = records[key] ?? Record(failures: 0, last: time)
                if time.timeIntervalSince(record.last) > policy.longestWait * 2 { record.failures = 0 }
                record.failures += 1
                record.last = time
                records[key] = record
            }
            return nil
        }
    }

    /// The admitted attempt had the right password.
    func succeeded(email: String, address: String) {
        records.withLock { records in
            records["account:" + email.lowercased()] = nil
            records["account-address:" + email.lowercased() + " " + address] = nil
            if var record = records["address:" + address] {
                record.failures = max(0, record.failures - 1)
                records["address:" + address] = record
            }
        }
    }

    private static func keys(email: String, address: String) -> [(String, Policy)] {
        let account = email.lowercased()
        return [
            ("account-address:" + account + " " + address, accountFromAddress), ("account:" + account, Self.account),
            ("address:" + address, Self.address),
        ]
    }

    private static func remaining(_ record: Record, _ policy: Policy, at time: Date) -> TimeInterval? {
        let over = record.failures - policy.freeFailures
        guard over >= 0 else { return nil }
        let wait = min(policy.longestWait, pow(2, Double(min(over, 30))))
        let left = wait - time.timeIntervalSince(record.last)
        return left > 0 ? left : nil
    }
}
