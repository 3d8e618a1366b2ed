import Foundation
import GRDB

/// The one writer: writes that arrive while a transaction is committing wait, and are then committed
/// together in one transaction. A write that fails undoes only itself; a caller is answered only after
/// the transaction holding its write has committed and, at `Durability.full`, its log frames have been
/// synced: acknowledged means durable, at one sync per batch.
///
/// Writes rarely fail, so a batch first runs without a savepoint per write (a savepoint copies every
/// page a write touches into its undo journal: about 7 % of the writer's time). If one fails, the
/// transaction is rolled back and the batch runs again with a savepoint each, so only the failing write
/// is undone. Writes are plain functions of the database, so running one twice is safe.
///
/// The writer runs on a thread of its own rather than as a task: on a 2-core machine the cooperative
/// pool has two threads, busy parsing requests, and a writer task waited behind them between batches
/// (the benchmark measured a third of its time per write spent so).
final class GroupCommit: Sendable {
    private let inbox: Inbox

    /// The most writes one transaction takes, so one batch cannot grow without bound.
    private static let maximumBatch = 256

    init(pool: DatabasePool, observer: StoreObserver? = nil) {
        inbox = Inbox()
        let thread = Thread { [inbox] in
            Self.run(inbox: inbox, pool: pool, observer: observer)
        }
        thread.name = "ingest-writer"
        thread.start()
    }

    deinit { inbox.close() }

    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let result = ResultBox<T>()
            let accepted = inbox.post(
                Job(
                    run: { db in result.value = try body(db) },
                    finish: { error in
                        if let error { continuation.resume(throwing: error) } else { continuation.resume(returning: result.value!) }
                    }))
            if !accepted { continuation.resume(throwing: GroupCommitError.closed) }
        }
    }

    private static func run(inbox: Inbox, pool: DatabasePool, observer: StoreObserver?) {
        while let batch = inbox.next(maximumBatch) {
            do {
                let started = ContinuousClock.now
                let outcomes = try runOptimistically(batch, pool: pool)
                let elapsed = ContinuousClock.now - started
                observer?.transaction(batch.count, elapsed.seconds)
                for (job, outcome) in zip(batch, outcomes) { job.finish(outcome) }
            } catch {
                for job in batch { job.finish(error) }
            }
        }
    }
}

extension GroupCommit {
    /// Each write's error (nil when it succeeded); throws when the whole batch failed.
    fileprivate static func runOptimistically(_ batch: [Job], pool: DatabasePool) throws -> [(any Error)?] {
        do {
            try pool.write { db in
                for job in batch {
                    try job.run(db)
                    // Past a rollback, later writes would run outside any transaction, each committing alone.
                    guard db.isInsideTransaction else { throw SavepointError.transactionEnded }
                }
            }
            return Array(repeating: nil, count: batch.count)
        } catch {
            // Alone in its transaction, a write's failure is its own (or the commit's, which is its too).
            if batch.count == 1 { return [error] }
        }
        return try pool.write { db -> [(any Error)?] in
            try batch.map { job in
                do {
                    try db.inCachedSavepoint { try job.run(db) }
                    return nil
                } catch SavepointError.transactionEnded {
                    // The whole batch fails: its transaction is gone.
                    throw SavepointError.transactionEnded
                } catch {
                    return error
                }
            }
        }
    }
}

enum GroupCommitError: Error {
    /// The store was closed before the write could run.
    case closed
}

private struct Job: Sendable {
    let run: @Sendable (Database) throws -> Void
    let finish: @Sendable ((any Error)?) -> Void
}

/// The writes waiting for the writer thread.
private final class Inbox: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [Job] = []
    private var closed = false

    /// False once closed: the job will never run.
    func post(_ job: Job) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !closed else { return false }
        jobs.append(job)
        condition.signal()
        return true
    }

    /// Waits for work; nil once closed and drained.
    func next(_ maximum: Int) -> [Job]? {
        condition.lock()
        defer { condition.unlock() }
        while jobs.isEmpty {
            if closed { return nil }
            condition.wait()
        }
        let taken = Array(jobs.prefix(maximum))
        jobs.removeFirst(taken.count)
        return taken
    }

    func close() {
        condition.lock()
        closed = true
        condition.signal()
        condition.unlock()
    }
}

/// Carries a write's result from the writer to its caller; set before the caller is resumed.
private final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}
