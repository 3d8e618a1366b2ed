import Foundation
import Testing

@testable import Store

@Suite struct ThreadPriorityTests {
    /// The writer runs ahead of request handling where the process may raise a thread's priority (root or
    /// CAP_SYS_NICE), and says so; elsewhere it says it could not. Only the writer's own thread changes.
    @Test func writerThreadIsRaisedWhereAllowedAndSaysSo() throws {
        let temporary = try TemporaryStore()
        let mayRaise = Self.processMayRaisePriority()
        #expect(temporary.store.writerPriorityRaised == mayRaise)
        errno = 0
        #expect(getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0) == 0, "the calling thread keeps its priority")
    }

    /// Whether a throwaway thread can lower its nice value.
    static func processMayRaisePriority() -> Bool {
        let result = ResultBox()
        let done = DispatchSemaphore(value: 0)
        Thread {
            result.value = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, -1) == 0
            done.signal()
        }.start()
        done.wait()
        return result.value
    }

    private final class ResultBox: @unchecked Sendable { var value = false }
}
