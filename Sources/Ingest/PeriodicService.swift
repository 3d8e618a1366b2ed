import Foundation
import Logging
import ServiceLifecycle
import Store

/// Runs a piece of work every interval until the server shuts down; a shutdown ends the wait at once.
struct PeriodicService: Service {
    let name: String
    let interval: Duration
    let logger: Logger
    let work: @Sendable () async throws -> Void

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            do {
                try await work()
            } catch {
                logger.error("\(name) failed", metadata: ["error": "\(error)"])
            }
        }
    }
}

extension PeriodicService {
    /// Every `--backlog-sweep-seconds`, force-applies what has waited longer than `--backlog-hold-seconds`.
    static func backlogSweep(store: GatewayStore, configuration: GatewayConfiguration, logger: Logger) -> PeriodicService {
        PeriodicService(name: "backlog sweep", interval: .seconds(max(1, configuration.backlogSweepSeconds)), logger: logger) {
            let cutoff = Date().addingTimeInterval(-Double(configuration.backlogHoldSeconds))
            let processed = try await store.processBacklog(heldBefore: cutoff, actorId: nil)
            if processed > 0 { logger.info("backlog sweep force-applied held entity updates", metadata: ["processed": "\(processed)"]) }
        }
    }

    /// Every `--consistency-sweep-seconds`, a full consistency pass in bounded batches.
    static func consistencySweep(store: GatewayStore, configuration: GatewayConfiguration, logger: Logger) -> PeriodicService {
        PeriodicService(name: "consistency pass", interval: .seconds(max(1, configuration.consistencySweepSeconds)), logger: logger) {
            // One reader at a time: the sweep runs beside live traffic.
            let report = try await store.consistencyReport(projectId: nil, workers: 1)
            let level: Logger.Level = report.invalid > 0 ? .warning : .info
            logger.log(level: level, "consistency pass", metadata: ["checked": "\(report.checked)", "invalid": "\(report.invalid)"])
        }
    }

    /// Hourly, sessions past their expiry are deleted: they can no longer log anyone in, and a table that
    /// only grows would keep every token ever issued.
    static func sessionPruning(store: GatewayStore, logger: Logger) -> PeriodicService {
        PeriodicService(name: "session pruning", interval: .seconds(3600), logger: logger) {
            let pruned = try await store.pruneSessions(expiredBefore: Date())
            if pruned > 0 { logger.info("expired sessions deleted", metadata: ["count": "\(pruned)"]) }
        }
    }
}
