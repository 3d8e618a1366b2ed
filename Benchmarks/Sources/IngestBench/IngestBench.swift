import ArgumentParser
import Foundation

@main
struct IngestBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest-bench",
        abstract: "Measures the gateway under disorderly offline load: throughput, latency, reliability, memory, consistency.")

    static let all = ["in-order", "shuffled-30", "backwards", "conflict-heavy", "approval-backlog", "big-form", "report", "export"]

    @Option(help: "Scenarios to run, comma-separated, or 'all': \(all.joined(separator: ", ")).")
    var scenarios = "all"

    @Option(help: "Path of the release ingest binary.")
    var server = ".build/release/ingest"

    @Option(help: "The repository root (for SampleForms).")
    var repository = "."

    @Option(help: "Concurrent keep-alive clients.")
    var concurrency = 64

    @Option(help: "Fixed arrival rate in requests per second; as fast as possible when left out.")
    var rate: Double?

    @Option(help: "Scales every scenario's size (1 = the documented sizes).")
    var scale = 1.0

    @Option(help: "Seed of the synthetic campaign.")
    var seed: UInt64 = 42

    @Option(help: "Where to write the results as JSON.")
    var out = "benchmark-results.json"

    @Option(
        help:
            "The server's --synchronous levels, comma-separated: each scenario runs once per level (the SQLite reference at the same level), e.g. full,normal."
    )
    var synchronous = "full"

    func run() async throws {
        let names = scenarios == "all" ? Self.all : scenarios.split(separator: ",").map(String.init)
        let levels = synchronous.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard !levels.isEmpty, levels.allSatisfy({ ["full", "normal"].contains($0) }) else {
            throw ValidationError("--synchronous takes full and/or normal, not '\(synchronous)'.")
        }
        var results: [ScenarioResult] = []
        var failed = false
        for name in names {
            for level in levels {
                let runner = ScenarioRunner(
                    binary: URL(fileURLWithPath: server).path, repository: URL(fileURLWithPath: repository), concurrency: concurrency,
                    rate: rate, scale: scale, seed: seed, synchronous: level)
                FileHandle.standardError.write(Data("scenario \(name) (synchronous=\(level))\n".utf8))
                let result = try await runner.run(name)
                results.append(result)
                if result.consistencyInvalid != 0 || result.errors > 0 || (name == "backwards" && result.backlogAfter != 0) {
                    failed = true
                }
            }
        }
        print(Self.table(results))
        let document: [String: Any] = [
            "date": ISO8601DateFormatter().string(from: Date()), "concurrency": concurrency, "rate": rate ?? 0, "scale": scale,
            "seed": seed, "synchronous": levels, "results": results.map(\.json),
        ]
        try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: out))
        print("results written to \(out)")
        if failed { throw ExitCode(1) }
    }

    static func table(_ results: [ScenarioResult]) -> String {
        var lines = [
            "| scenario | synchronous | requests | req/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | errors | holds | releases | forced | conflicts | backlog after | peak RSS MB | consistency | SQLite tx/s | ratio |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |",
        ]
        for r in results {
            lines.append(
                String(
                    format:
                        "| %@ | %@ | %d | %.0f | %.1f | %.1f | %.1f | %.1f | %.1f | %d | %.0f | %.0f | %.0f | %.0f | %d | %.0f | %@ | %.0f | %.0f%% |",
                    r.name, r.synchronous, r.requests, r.throughput, r.p50, r.p90, r.p99, r.p999, r.max, r.errors, r.holds, r.releases,
                    r.forced,
                    r.conflicts,
                    r.backlogAfter, r.peakRSSMB,
                    r.consistencyInvalid == 0 ? "clean (\(r.consistencyChecked))" : "INVALID \(r.consistencyInvalid)",
                    r.referenceTPS, r.ratio * 100))
            for (key, value) in r.extra.sorted(by: { $0.key < $1.key }) { lines.append("|   \(key) = \(String(format: "%.2f", value)) |") }
            for note in r.notes { lines.append("|   note: \(note) |") }
        }
        return lines.joined(separator: "\n")
    }
}
