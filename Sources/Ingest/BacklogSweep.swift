import Foundation
import Logging
import ServiceLifecycle
import Store

/// Every `--backlog-sweep-seconds`, force-applies what has waited longer than `--backlog-hold-seconds`.
struct BacklogSweep: Service {
    let store: GatewayStore
    let configuration: GatewayConfiguration
    let logger: Logger

    func run() async throws {
        let interval = Duration.seconds(max(1, configuration.backlogSweepSeconds))
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                // A shutdown ends the wait at once instead of after up to a whole interval.
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            do {
                let cutoff = Date().addingTimeInterval(-Double(configuration.backlogHoldSeconds))
                let processed = try await store.processBacklog(heldBefore: cutoff, actorId: nil)
                if processed > 0 { logger.info("backlog sweep force-applied held entity updates", metadata: ["processed": "\(processed)"]) }
            } catch {
                logger.error("backlog sweep failed", metadata: ["error": "\(error)"])
            }
        }
    }
}
