import Foundation
import Histogram
import Synchronization

/// Sends a list of requests with C concurrent keep-alive clients, as fast as possible or at a fixed rate,
/// and measures each one (from its scheduled time in rate mode, so a slow server cannot hide its queue).
struct Driver {
    struct Outcome {
        var requests = 0
        var seconds = 0.0
        var errors = 0
        var retries = 0
        var latency = Histogram<UInt64>(highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: .three)
        var errorSamples: [String] = []

        var throughput: Double { seconds > 0 ? Double(requests) / seconds : 0 }
        /// A percentile in milliseconds.
        func ms(_ percentile: Double) -> Double { Double(latency.valueAtPercentile(percentile)) / 1000 }
    }

    let client: GatewayClient
    let project: Int
    let concurrency: Int
    /// Requests per second; nil means as fast as the server answers.
    let rate: Double?
    let label: String

    func run(_ work: [Work]) async -> Outcome {
        let next = Atomic<Int>(0)
        let done = Atomic<Int>(0)
        let start = ContinuousClock.now
        let progress = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                let count = done.load(ordering: .relaxed)
                let elapsed = (ContinuousClock.now - start).seconds
                FileHandle.standardError.write(
                    Data(String(format: "\r  %@: %d/%d (%.0f/s)   ", label, count, work.count, Double(count) / max(elapsed, 0.001)).utf8))
            }
        }
        let outcomes = await withTaskGroup(of: Outcome.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var outcome = Outcome()
                    while true {
                        let index = next.add(1, ordering: .relaxed).oldValue
                        guard index < work.count else { break }
                        var scheduled = ContinuousClock.now
                        if let rate {
                            scheduled = start + .seconds(Double(index) / rate)
                            if scheduled > ContinuousClock.now { try? await Task.sleep(until: scheduled, clock: .continuous) }
                        }
                        var attempt = 0
                        while true {
                            do {
                                let answer = try await send(work[index])
                                if !(200..<300).contains(answer.status) {
                                    outcome.errors += 1
                                    if outcome.errorSamples.count < 3 {
                                        outcome.errorSamples.append(
                                            "\(answer.status): \(String(decoding: answer.body.prefix(300), as: UTF8.self))")
                                    }
                                }
                                break
                            } catch {
                                attempt += 1
                                if attempt > 3 {
                                    outcome.errors += 1
                                    break
                                }
                                outcome.retries += 1
                            }
                        }
                        let micros = UInt64(max(1, (ContinuousClock.now - scheduled).seconds * 1_000_000))
                        _ = outcome.latency.record(micros)
                        outcome.requests += 1
                        done.add(1, ordering: .relaxed)
                    }
                    return outcome
                }
            }
            var total = Outcome()
            for await outcome in group {
                total.requests += outcome.requests
                total.errors += outcome.errors
                total.retries += outcome.retries
                total.latency.add(outcome.latency)
                total.errorSamples += outcome.errorSamples
            }
            return total
        }
        progress.cancel()
        FileHandle.standardError.write(Data("\n".utf8))
        var result = outcomes
        result.seconds = (ContinuousClock.now - start).seconds
        return result
    }

    private func send(_ work: Work) async throws -> GatewayClient.Answer {
        switch work {
        case .submission(let xml):
            return try await client.submit(project: project, xml: xml)
        case .onlineUpdate(let uuid):
            return try await client.json(
                .PATCH, "/v1/projects/\(project)/datasets/trees/entities/\(uuid)?force=true",
                ["data": ["circumference": String(Int.random(in: 0...999))]])
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
