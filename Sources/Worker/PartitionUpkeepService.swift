import Domain
import Foundation
import Logging
import ServiceLifecycle
import Store

/// The worker's first job: keep monthly message partitions created ahead of time, and drop
/// old months that retention emptied. Runs at start and then every `interval`, until
/// graceful shutdown; drops at most every `dropEvery` (a detach locks `messages` briefly, and
/// a daily look is plenty for months that empty over years), the first one `dropEvery` after start.
public struct PartitionUpkeepService: Service {
    let maintenance: PartitionMaintenance
    let clock: Domain.Clock
    let monthsAhead: Int
    let interval: Duration
    let dropEvery: Duration
    /// What the service waits on between rounds: the system's clock, or a test's.
    let waits: any _Concurrency.Clock<Duration>
    let logger: Logger

    public init(maintenance: PartitionMaintenance, clock: Domain.Clock = .system, monthsAhead: Int = 3,
                interval: Duration = .seconds(3600), dropEvery: Duration = .seconds(86_400),
                waits: any _Concurrency.Clock<Duration> = ContinuousClock(), logger: Logger) {
        self.maintenance = maintenance
        self.clock = clock
        self.monthsAhead = monthsAhead
        self.interval = interval
        self.dropEvery = dropEvery
        self.waits = waits
        self.logger = logger
    }

    public func run() async throws {
        var lastDrop = clock.now()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let partitions = try await maintenance.ensureAhead(from: clock.now(), monthsAhead: monthsAhead, logger: logger)
                logger.info("message partitions ensured", metadata: ["through": "\(partitions.last ?? "-")"])
            } catch {
                // A failed round is retried at the next interval; ingestion creates a missing month itself.
                logger.error("partition upkeep failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            if clock.now().timeIntervalSince(lastDrop) >= TimeInterval(dropEvery.components.seconds) {
                lastDrop = clock.now()
                do {
                    let dropped = try await maintenance.dropEmpty(now: clock.now(), logger: logger)
                    if !dropped.isEmpty { logger.info("empty message partitions dropped", metadata: ["partitions": "\(dropped)"]) }
                } catch {
                    // A busy table (lock timeout) or a failure: the next look tries again.
                    logger.error("dropping empty partitions failed", metadata: ["error": "\(String(reflecting: error))"])
                }
            }
            // Wakes early on shutdown: cancelOnGracefulShutdown ends the sleep.
            try? await cancelWhenGracefulShutdown { try await waits.sleep(for: interval) }
        }
    }
}
