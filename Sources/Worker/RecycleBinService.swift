import Domain
import Foundation
import Logging
import ServiceLifecycle
import Store

/// The recycle bin's purge: every `pollInterval` it claims the entries whose 30 days are
/// over, across tenants, and deletes their conversations for good, tenant by tenant, through
/// `RetentionRepository` — so never one that a legal hold or the tenant's floor keeps (those
/// stay in the bin, hidden, and are looked at again a day later). Killed at any point,
/// nothing is half done: each tenant's purge is one transaction and the claim's lease runs out.
public struct RecycleBinService: Service {
    let queue: RecycleBinQueue
    let settings: Settings
    let logger: Logger

    public struct Settings: Sendable {
        public var pollInterval: Duration = .seconds(300)
        /// Entries claimed per round; a tenant's share is purged in one transaction.
        public var entriesPerRound = 200
        public var claimLease: Duration = .seconds(600)
        /// What the service waits on between rounds: the system's clock, or a test's.
        public var waits: any _Concurrency.Clock<Duration> = ContinuousClock()
        public init() {}
    }

    public init(database: Database, workerID: String, settings: Settings = Settings(), logger: Logger) {
        self.queue = RecycleBinQueue(database: database, workerID: workerID)
        self.settings = settings
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                // A full round may mean more are due: go on at once.
                while try await runRound().claimed == settings.entriesPerRound, !Task.isShuttingDownGracefully {}
            } catch {
                logger.error("could not purge the recycle bin", metadata: ["error": "\(String(reflecting: error))"])
            }
            try? await cancelWhenGracefulShutdown { try await settings.waits.sleep(for: settings.pollInterval) }
        }
    }

    public struct Round: Sendable, Equatable {
        public var claimed = 0
        public var purge = RecycleBinQueue.Purge()
    }

    /// One round: claims due entries and purges them, tenant by tenant. Also what tests drive.
    @discardableResult
    public func runRound() async throws -> Round {
        let claimed = try await queue.claim(lease: settings.claimLease, limit: settings.entriesPerRound)
        var round = Round(claimed: claimed.count)
        for (tenantID, entries) in Dictionary(grouping: claimed, by: \.tenantID) {
            do {
                let purged = try await queue.purge(tenantID: tenantID, entries)
                round.purge.conversations += purged.conversations
                round.purge.messages += purged.messages
                round.purge.kept += purged.kept
                if purged.conversations > 0 {
                    logger.info("recycle bin purged", metadata: [
                        "tenant_id": "\(tenantID.uuidString.lowercased())", "conversations": "\(purged.conversations)",
                        "messages": "\(purged.messages)", "kept": "\(purged.kept)",
                    ])
                }
            } catch {
                // The lease runs out and a later round tries again.
                logger.error("recycle bin purge failed", metadata: [
                    "tenant_id": "\(tenantID.uuidString.lowercased())", "error": "\(String(reflecting: error))",
                ])
            }
        }
        return round
    }
}
