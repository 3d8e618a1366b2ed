import Foundation

/// The release `ingest` server on a fresh database in a temporary folder, on a free loopback port.
final class ServerProcess {
    let directory: URL
    let port: Int
    let process = Process()
    let base: String
    static let email = "bench@example.com"
    static let password = "benchmark password"

    init(binary: String, holdSeconds: Int = 432_000, extra: [String] = []) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        port = Int.random(in: 20_000...40_000)
        base = "http://127.0.0.1:\(port)"
        let db = directory.appendingPathComponent("bench.sqlite").path
        let create = Process()
        create.executableURL = URL(fileURLWithPath: binary)
        create.arguments = ["user-create", "--db", db, "--email", Self.email, "--password", Self.password, "--admin"]
        create.standardOutput = FileHandle.nullDevice
        try create.run()
        create.waitUntilExit()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--db", db, "--port", String(port), "--backlog-hold-seconds", String(holdSeconds)] + extra
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: ProcessInfo.processInfo.environment["BENCH_SERVER_LOG"] ?? "/dev/null")
        try process.run()
    }

    var databasePath: String { directory.appendingPathComponent("bench.sqlite").path }

    /// CPU time the server has used so far (user and system), in seconds.
    func cpuSeconds() -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return 0 }
        // Fields after the command name; utime and stime are the 14th and 15th of the whole line.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The server's peak resident memory so far (VmHWM), in bytes.
    func peakRSS() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return 0 }
        return (Int(line.split(whereSeparator: { $0 == " " || $0 == "\t" })[1]) ?? 0) * 1024
    }

    /// Starts the peak over: the kernel resets VmHWM to the present RSS.
    func resetPeakRSS() {
        try? "5".write(toFile: "/proc/\(process.processIdentifier)/clear_refs", atomically: false, encoding: .utf8)
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }
}
