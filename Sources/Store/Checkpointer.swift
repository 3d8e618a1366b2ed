import Foundation
import GRDB

/// Copies the write-ahead log back into the database file on a connection and thread of its own.
///
/// SQLite's automatic checkpoint runs inside whichever commit crosses the threshold, so every
/// thousand pages one batch of writers waited for the copy and its sync: the benchmark's latency tail.
/// A passive checkpoint from another connection never blocks the writer; the writer's own automatic
/// checkpoint stays on, at a much larger size, only as a backstop should this thread fall behind.
/// Small and frequent beats large and rare: a large checkpoint writes back a lot at once, and a commit
/// writing the log meanwhile waits in the kernel for pages and the block layer's writeback throttling
/// (the benchmark's p99 at 1,500/s: 35 ms with a checkpoint every 200 ms, 19 ms every 20 ms).
///
/// It writes the database file, so it syncs at the writer's level: below NORMAL, a checkpoint would copy
/// frames into the file without syncing it, and the writer could then reuse the log that still held them.
final class Checkpointer: Sendable {
    private let stop = StopSignal()
    /// The checkpointing connection, open for as long as the thread runs.
    let connection: DatabaseQueue

    init(path: String, durability: Durability, interval: Duration) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        let connection = try DatabaseQueue(path: path, configuration: configuration)
        try connection.writeWithoutTransaction { db in try durability.apply(to: db) }
        self.connection = connection
        let thread = Thread { [stop] in
            // An idle server is looked at less often, down to four times a second (a burst that starts meanwhile
            // waits at most that long for its first checkpoint).
            var wait = interval
            var lastFrames = -1
            while !stop.wait(wait) {
                let result = try? connection.writeWithoutTransaction { db in try db.checkpoint(.passive) }
                let idle = result.map { $0.walFrameCount == lastFrames && $0.checkpointedFrameCount == $0.walFrameCount } ?? true
                lastFrames = result?.walFrameCount ?? -1
                wait = idle ? min(wait * 2, .milliseconds(250)) : interval
            }
        }
        thread.name = "ingest-checkpointer"
        thread.start()
    }

    deinit { stop.signal() }

    /// The writer's automatic checkpoint threshold, in pages, when this thread does the regular work.
    static let backstopPages = 50_000
}

/// Set once; waiting on it sleeps until it is set or the time is up.
private final class StopSignal: @unchecked Sendable {
    private let condition = NSCondition()
    private var stopped = false

    /// True once stopped.
    func wait(_ interval: Duration) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: interval.seconds)
        while !stopped, condition.wait(until: deadline) {}
        return stopped
    }

    func signal() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }
}
