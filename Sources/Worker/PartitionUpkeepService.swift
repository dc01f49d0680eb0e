import Domain
import Foundation
import Logging
import ServiceLifecycle
import Store

/// The worker's first job: keep monthly message partitions created ahead of time.
/// Runs at start and then every `interval`, until graceful shutdown.
public struct PartitionUpkeepService: Service {
    let maintenance: PartitionMaintenance
    let clock: Domain.Clock
    let monthsAhead: Int
    let interval: Duration
    let logger: Logger

    public init(maintenance: PartitionMaintenance, clock: Domain.Clock = .system, monthsAhead: Int = 3,
                interval: Duration = .seconds(3600), logger: Logger) {
        self.maintenance = maintenance
        self.clock = clock
        self.monthsAhead = monthsAhead
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let partitions = try await maintenance.ensureAhead(from: clock.now(), monthsAhead: monthsAhead, logger: logger)
                logger.info("message partitions ensured", metadata: ["through": "\(partitions.last ?? "-")"])
            } catch {
                // A failed round is retried at the next interval; ingestion creates a missing month itself.
                logger.error("partition upkeep failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            // Wakes early on shutdown: cancelOnGracefulShutdown ends the sleep.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
