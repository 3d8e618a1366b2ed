import Foundation
import GRDB
import Synchronization

/// The one writer: writes that arrive while a transaction is committing wait, and are then committed
/// together in one transaction, each in its own savepoint. A write that fails undoes only itself; a
/// caller is answered only after the transaction holding its write has committed (and, with
/// `synchronous=FULL`, reached the disk), so acknowledged still means durable, at one sync per batch.
final class GroupCommit: Sendable {
    private struct Job: Sendable {
        let run: @Sendable (Database) throws -> Void
        let finish: @Sendable ((any Error)?) -> Void
    }

    private struct Queue {
        var jobs: [Job] = []
        var draining = false
    }

    private let pool: DatabasePool
    private let queue = Mutex(Queue())
    /// The largest number of writes one transaction takes, so one batch cannot grow without bound.
    private let maximumBatch: Int

    private let observer: StoreObserver?

    init(pool: DatabasePool, maximumBatch: Int = 256, observer: StoreObserver? = nil) {
        self.pool = pool
        self.observer = observer
        self.maximumBatch = maximumBatch
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let result = ResultBox<T>()
            enqueue(
                Job(
                    run: { db in result.value = try body(db) },
                    finish: { error in
                        if let error { continuation.resume(throwing: error) } else { continuation.resume(returning: result.value!) }
                    }))
        }
    }

    private func enqueue(_ job: Job) {
        let start = queue.withLock { state -> Bool in
            state.jobs.append(job)
            guard !state.draining else { return false }
            state.draining = true
            return true
        }
        if start { Task.detached { await self.drain() } }
    }

    private func drain() async {
        while true {
            let batch = queue.withLock { state -> [Job] in
                let taken = Array(state.jobs.prefix(maximumBatch))
                state.jobs.removeFirst(taken.count)
                if taken.isEmpty { state.draining = false }
                return taken
            }
            guard !batch.isEmpty else { return }
            do {
                let started = ContinuousClock.now
                let outcomes = try await pool.write { db -> [(any Error)?] in
                    batch.map { job in
                        do {
                            try db.inSavepoint {
                                try job.run(db)
                                return .commit
                            }
                            return nil
                        } catch {
                            return error
                        }
                    }
                }
                let elapsed = ContinuousClock.now - started
                observer?.transaction(batch.count, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
                for (job, outcome) in zip(batch, outcomes) { job.finish(outcome) }
            } catch {
                for job in batch { job.finish(error) }
            }
        }
    }
}

/// Carries a write's result from the writer to its caller; set before the caller is resumed.
private final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}
