#if canImport(Glibc)
    import Glibc
#endif

/// Scheduling priority of the calling thread.
enum ThreadPriority {
    /// Lowers the calling thread's nice value (a higher priority) by `steps`; on Linux the nice value
    /// belongs to each thread, and `setpriority` with `who` 0 changes only the caller. Lowering it
    /// needs CAP_SYS_NICE (or a raised RLIMIT_NICE); without, the thread keeps its priority and this
    /// returns false.
    @discardableResult
    static func raise(by steps: Int32) -> Bool {
        #if os(Linux)
            let which = __priority_which_t(PRIO_PROCESS.rawValue)
            errno = 0
            let current = getpriority(which, 0)
            guard errno == 0 else { return false }
            return setpriority(which, 0, current - steps) == 0
        #else
            return false
        #endif
    }
}
