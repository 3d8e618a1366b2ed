import Dispatch
import Synchronization

/// Runs blocking work on at most `width` threads at once; callers beyond that wait, in order, without
/// holding a thread.
final class BoundedWork: Sendable {
    let width: Int
    private let queue = DispatchQueue(label: "ingest.bounded-work", attributes: .concurrent)
    private let state = Mutex<(running: Int, waiting: [CheckedContinuation<Void, Never>])>((0, []))

    init(width: Int) { self.width = width }

    func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await acquire()
        let result = await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: work()) }
        }
        release()
        return result
    }

    private func acquire() async {
        let admitted = state.withLock { state -> Bool in
            guard state.running < width else { return false }
            state.running += 1
            return true
        }
        if admitted { return }
        await withCheckedContinuation { continuation in
            let admittedNow = state.withLock { state -> Bool in
                if state.running < width {
                    state.running += 1
                    return true
                }
                state.waiting.append(continuation)
                return false
            }
            if admittedNow { continuation.resume() }
        }
    }

    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiting.isEmpty {
                state.running -= 1
                return nil
            }
            return state.waiting.removeFirst()  // the slot passes straight to the next caller
        }
        next?.resume()
    }
}
