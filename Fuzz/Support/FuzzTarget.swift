import Foundation

#if FUZZING
    import CFuzzDriver
#endif

/// A fuzz target's `main`: built with `-DFUZZING` (and `-sanitize=fuzzer`), libFuzzer drives `body`;
/// otherwise the inputs named on the command line are replayed through it (`FuzzReplay`).
/// Each target has its own `@main` calling this, because SwiftPM links an executable's entry point
/// under its module's name, so libFuzzer's own `main` cannot be used.
public enum FuzzTarget {
    nonisolated(unsafe) static var body: (Data) -> Void = { _ in }

    public static func main(_ body: @escaping (Data) -> Void) {
        #if FUZZING
            Self.body = body
            var argc = CommandLine.argc
            var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
            exit(
                LLVMFuzzerRunDriver(&argc, &argv) { start, count in
                    FuzzTarget.body(start.map { Data(bytes: $0, count: count) } ?? Data())
                    return 0
                })
        #else
            FuzzReplay.main(body)
        #endif
    }
}
