import Foundation

/// One scenario's figures, printed as a table row and written to JSON.
struct ScenarioResult {
    var name: String
    var synchronous: String
    var requests = 0
    var throughput = 0.0
    var p50 = 0.0, p90 = 0.0, p99 = 0.0, p999 = 0.0, max = 0.0
    var errors = 0
    var retries = 0
    var holds = 0.0, releases = 0.0, forced = 0.0, conflicts = 0.0
    var backlogAfter = 0
    var peakRSSMB = 0.0
    var consistencyChecked = 0
    var consistencyInvalid = 0
    var referenceTPS = 0.0
    var extra: [String: Double] = [:]
    var notes: [String] = []

    var ratio: Double { referenceTPS > 0 ? throughput / referenceTPS : 0 }

    var json: [String: Any] {
        [
            "scenario": name, "synchronous": synchronous, "requests": requests, "throughputPerSecond": throughput,
            "latencyMs": ["p50": p50, "p90": p90, "p99": p99, "p99.9": p999, "max": max],
            "errors": errors, "retries": retries,
            "entityWork": ["holds": holds, "releases": releases, "forced": forced, "conflicts": conflicts],
            "backlogAfter": backlogAfter, "peakRSSMB": peakRSSMB,
            "consistency": ["checked": consistencyChecked, "invalid": consistencyInvalid],
            "sqliteReferenceTPS": referenceTPS, "ratioToReference": ratio, "extra": extra, "notes": notes,
        ]
    }
}

/// Sets a server up, runs one scenario against it, checks consistency and collects the figures.
struct ScenarioRunner {
    let binary: String
    let repository: URL
    let concurrency: Int
    let rate: Double?
    let scale: Double
    let seed: UInt64
    /// The server's `--synchronous` level, and the reference's.
    let synchronous: String

    func run(_ name: String) async throws -> ScenarioResult {
        let server = try ServerProcess(binary: binary, extra: ["--synchronous", synchronous])
        defer { server.stop() }
        var client = GatewayClient(base: server.base, connections: concurrency)
        defer { Task { [client] in await client.shutdown() } }
        try await waitUntilReady(client)
        try await client.logIn()
        let project = try await setUp(client)
        var result = ScenarioResult(name: name, synchronous: synchronous)
        result.referenceTPS = try SQLiteReference.transactionsPerSecond(in: server.directory, synchronous: synchronous)
        let driver = Driver(client: client, project: project, concurrency: concurrency, rate: rate, label: name)
        let count = { (n: Int) in Swift.max(1, Int(Double(n) * scale)) }

        var measured: Driver.Outcome
        switch name {
        case "in-order", "shuffled-30", "backwards", "conflict-heavy":
            let shape: Campaign.Shape
            switch name {
            case "conflict-heavy":
                shape = .init(
                    entities: count(20), branchesPerEntity: 50, updatesPerBranch: 2, shuffledShare: 0.3, backwards: false,
                    onlineShare: 0.05, seed: seed)
            case "backwards":
                shape = .init(
                    entities: count(2000), branchesPerEntity: 1, updatesPerBranch: 4, shuffledShare: 0, backwards: true, onlineShare: 0,
                    seed: seed)
            case "shuffled-30":
                shape = .init(
                    entities: count(2000), branchesPerEntity: 1, updatesPerBranch: 4, shuffledShare: 0.3, backwards: false,
                    onlineShare: 0.02, seed: seed)
            default:
                shape = .init(
                    entities: count(2000), branchesPerEntity: 1, updatesPerBranch: 4, shuffledShare: 0, backwards: false, onlineShare: 0,
                    seed: seed)
            }
            let campaign = Campaign.make(shape)
            let creates = await driver.run(campaign.creates)
            let cpu = CPUMeter(server: server)
            measured = await driver.run(campaign.updates)
            cpu.record(requests: measured.requests, into: &result)
            measured.errors += creates.errors
            result.extra["createsPerSecond"] = creates.throughput
        case "approval-backlog":
            _ = try await client.json(.PATCH, "/v1/projects/\(project)/datasets/trees", ["approvalRequired": true])
            let campaign = Campaign.make(
                .init(
                    entities: count(10_000), branchesPerEntity: 0, updatesPerBranch: 1, shuffledShare: 0, backwards: false, onlineShare: 0,
                    seed: seed))
            measured = await driver.run(campaign.creates)
            let started = ContinuousClock.now
            let convert = try await client.json(.PATCH, "/v1/projects/\(project)/datasets/trees?convert=true", ["approvalRequired": false])
            guard convert.status == 200 else { throw BenchError.failed("convert answered \(convert.status)") }
            result.extra["convertSeconds"] = (ContinuousClock.now - started).seconds
            let dataset = try await client.send(.GET, "/v1/projects/\(project)/datasets/trees").json as? [String: Any]
            result.extra["entitiesAfterConvert"] = Double(dataset?["entities"] as? Int ?? 0)
        case "big-form":
            let template = try bigSurveyTemplate()
            let work = (0..<count(3000)).map { Work.submission(Campaign.bigSurvey(template: template, number: $0)) }
            let cpu = CPUMeter(server: server)
            measured = await driver.run(work)
            cpu.record(requests: measured.requests, into: &result)
        case "report":
            let entities = count(1_000_000)
            let started = ContinuousClock.now
            var made = 0
            while made < entities {
                let chunk = Swift.min(1000, entities - made)
                let items = (0..<chunk).map { i in ["label": "Tree \(made + i)", "data": ["height": String(i % 50)]] as [String: Any] }
                let answer = try await client.json(
                    .POST, "/v1/projects/\(project)/datasets/trees/entities", ["entities": items, "source": ["name": "bench"]])
                guard answer.status == 200 else { throw BenchError.failed("bulk create answered \(answer.status)") }
                made += chunk
            }
            result.extra["seedSeconds"] = (ContinuousClock.now - started).seconds
            let reportStart = ContinuousClock.now
            let report = try await client.send(.GET, "/v1/consistency/report").json as? [String: Any]
            measured = Driver.Outcome()
            measured.requests = 1
            measured.seconds = (ContinuousClock.now - reportStart).seconds
            result.extra["reportSeconds"] = measured.seconds
            result.extra["reportEntities"] = Double(report?["checked"] as? Int ?? 0)
        case "export":
            measured = try await export(client, server: server, driver: driver, project: project, total: count(1_000_000), into: &result)
        default:
            throw BenchError.setup("unknown scenario \(name)")
        }

        result.requests = measured.requests
        result.throughput = measured.throughput
        (result.p50, result.p90, result.p99, result.p999) = (measured.ms(50), measured.ms(90), measured.ms(99), measured.ms(99.9))
        result.max = Double(measured.latency.max) / 1000
        result.errors = measured.errors
        result.retries = measured.retries
        result.notes += measured.errorSamples
        try await collect(client, into: &result)
        if name != "report" {
            let report = try await client.send(.GET, "/v1/consistency/report").json as? [String: Any]
            result.consistencyChecked = report?["checked"] as? Int ?? 0
            result.consistencyInvalid = report?["invalid"] as? Int ?? -1
        }
        result.peakRSSMB = Double(server.peakRSS()) / 1_048_576
        return result
    }

    private func waitUntilReady(_ client: GatewayClient) async throws {
        for _ in 0..<300 {
            if let answer = try? await client.send(.GET, "/healthz"), answer.status == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BenchError.setup("the server did not start")
    }

    private func setUp(_ client: GatewayClient) async throws -> Int {
        let project = try await client.json(.POST, "/v1/projects", ["name": "Benchmark"])
        guard let id = (project.json as? [String: Any])?["id"] as? Int else { throw BenchError.setup("no project") }
        for form in ["trees_upsert", "big_survey", "households_repeat"] {
            let xml = try Data(contentsOf: repository.appendingPathComponent("SampleForms/xforms/\(form).xml"))
            let answer = try await client.send(.POST, "/v1/projects/\(id)/forms?publish=true", body: xml, contentType: "application/xml")
            guard answer.status == 200 else { throw BenchError.setup("publishing \(form) answered \(answer.status)") }
        }
        return id
    }

    /// `total` households (three members each) submitted, then read back whole: OData a page of 1,000 at a time to the
    /// last nextLink, and the CSV download. Each phase reports its rows per second and the server's peak memory
    /// during that phase alone (the peak is reset after seeding).
    private func export(
        _ client: GatewayClient, server: ServerProcess, driver: Driver, project: Int, total: Int, into result: inout ScenarioResult
    ) async throws -> Driver.Outcome {
        let template = try String(
            contentsOf: repository.appendingPathComponent("SampleForms/submissions/households_repeat/household-1.xml"), encoding: .utf8)
        let seedStart = ContinuousClock.now
        var seeded = Driver.Outcome()
        var made = 0
        while made < total {
            let chunk = (made..<Swift.min(total, made + 20_000)).map { n -> Work in
                var xml = template.replacingOccurrences(of: "uuid:44440000-0000-4000-8000-000000000001", with: "uuid:house-\(n)")
                for member in 1...3 {
                    xml = xml.replacingOccurrences(
                        of: "9e000000-0000-4000-8000-00000000000\(member)",
                        with: String(format: "9e000000-0000-4000-8000-%012d", n * 10 + member))
                }
                return .submission(Data(xml.utf8))
            }
            let outcome = await driver.run(chunk)
            seeded.errors += outcome.errors
            made += chunk.count
        }
        result.extra["seedSeconds"] = (ContinuousClock.now - seedStart).seconds
        result.extra["seedErrors"] = Double(seeded.errors)
        let form = "/v1/projects/\(project)/forms/households_repeat"

        server.resetPeakRSS()
        var next: String? = "\(form).svc/Submissions?%24top=1000"
        var rows = 0
        var pageSeconds: [Double] = []
        let odataStart = ContinuousClock.now
        while let path = next {
            let pageStart = ContinuousClock.now
            let answer = try await client.send(.GET, path)
            guard answer.status == 200, let body = answer.json as? [String: Any] else {
                throw BenchError.failed("OData page answered \(answer.status)")
            }
            pageSeconds.append((ContinuousClock.now - pageStart).seconds)
            rows += (body["value"] as? [Any])?.count ?? 0
            next = (body["@odata.nextLink"] as? String).flatMap { link in link.range(of: "/v1/").map { String(link[$0.lowerBound...]) } }
        }
        let odataSeconds = (ContinuousClock.now - odataStart).seconds
        result.extra["odataRows"] = Double(rows)
        result.extra["odataSeconds"] = odataSeconds
        result.extra["odataRowsPerSecond"] = Double(rows) / odataSeconds
        result.extra["odataFirstPageMs"] = (pageSeconds.first ?? 0) * 1000
        result.extra["odataLastPageMs"] = (pageSeconds.last ?? 0) * 1000
        result.extra["odataPeakRSSMB"] = Double(server.peakRSS()) / 1_048_576

        server.resetPeakRSS()
        let csvStart = ContinuousClock.now
        let csv = try await client.send(.GET, "\(form)/submissions.csv")
        guard csv.status == 200 else { throw BenchError.failed("CSV answered \(csv.status)") }
        let csvSeconds = (ContinuousClock.now - csvStart).seconds
        let lines = csv.body.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) } - 1
        result.extra["csvRows"] = Double(lines)
        result.extra["csvBytes"] = Double(csv.body.count)
        result.extra["csvSeconds"] = csvSeconds
        result.extra["csvRowsPerSecond"] = Double(lines) / csvSeconds
        result.extra["csvPeakRSSMB"] = Double(server.peakRSS()) / 1_048_576

        server.resetPeakRSS()
        let zipStart = ContinuousClock.now
        let zip = try await client.send(.GET, "\(form)/submissions.csv.zip")
        guard zip.status == 200 else { throw BenchError.failed("ZIP answered \(zip.status)") }
        let zipSeconds = (ContinuousClock.now - zipStart).seconds
        result.extra["zipBytes"] = Double(zip.body.count)
        result.extra["zipSeconds"] = zipSeconds
        result.extra["zipSubmissionsPerSecond"] = Double(lines) / zipSeconds
        result.extra["zipPeakRSSMB"] = Double(server.peakRSS()) / 1_048_576

        var outcome = Driver.Outcome()
        outcome.requests = pageSeconds.count + 2
        outcome.seconds = odataSeconds + csvSeconds + zipSeconds
        outcome.errors = seeded.errors
        return outcome
    }

    private func bigSurveyTemplate() throws -> String {
        let xml = try String(contentsOf: repository.appendingPathComponent("SampleForms/xforms/big_survey.xml"), encoding: .utf8)
        guard let start = xml.range(of: "<instance>"), let end = xml.range(of: "</instance>", range: start.upperBound..<xml.endIndex) else {
            throw BenchError.setup("big_survey has no primary instance")
        }
        return String(xml[start.upperBound..<end.lowerBound])
    }

    /// Entity work and the backlog, from the server's own metrics and summary.
    private func collect(_ client: GatewayClient, into result: inout ScenarioResult) async throws {
        let metrics = String(decoding: try await client.send(.GET, "/metrics").body, as: UTF8.self)
        func sum(_ prefix: String) -> Double {
            metrics.split(separator: "\n").filter { $0.hasPrefix(prefix) && !$0.hasPrefix("#") }
                .compactMap { Double($0.split(separator: " ").last ?? "") }.reduce(0, +)
        }
        result.holds = sum("ingest_entity_holds_total")
        result.releases = sum("ingest_entity_releases_total")
        result.forced = sum("ingest_entity_forced_total")
        result.conflicts = sum("ingest_entity_conflicts_total")
        // The single writer's share: how many writes each transaction carried and how long each write held it.
        let transactions = sum("ingest_transaction_writes_count"), writes = sum("ingest_transaction_writes_sum")
        if transactions > 0, writes > 0 {
            result.extra["writesPerTransaction"] = writes / transactions
            result.extra["writerMicrosecondsPerWrite"] = sum("ingest_transaction_duration_seconds_sum") / writes * 1e6
        }
        let summary = try await client.send(.GET, "/v1/backlog/summary").json as? [String: Any]
        result.backlogAfter = summary?["held"] as? Int ?? -1
    }
}

/// CPU time per request of the server and of this benchmark's own clients over one measured phase:
/// on a small machine the two share the cores, so together they bound the throughput.
struct CPUMeter {
    let server: ServerProcess
    let serverStart: Double
    let clientStart: Double

    init(server: ServerProcess) {
        self.server = server
        serverStart = server.cpuSeconds()
        clientStart = Self.ownCPUSeconds()
    }

    func record(requests: Int, into result: inout ScenarioResult) {
        guard requests > 0 else { return }
        result.extra["serverCPUMicrosecondsPerRequest"] = (server.cpuSeconds() - serverStart) / Double(requests) * 1e6
        result.extra["clientCPUMicrosecondsPerRequest"] = (Self.ownCPUSeconds() - clientStart) / Double(requests) * 1e6
    }

    static func ownCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}
