import Domain
import Foundation
import Logging
import ServiceLifecycle
import Store

/// The retention job: every `pollInterval` it claims the clean-up rules that are due, across
/// tenants, and runs each — deleting what the rule reaches in batches of `batchSize`
/// conversations (each with its messages, keys, transfers and stars, in one transaction),
/// never what a legal hold or the tenant's compliance minimum keeps (`RetentionRepository`).
/// A run is recorded (`retention_runs`), audited, and summarised to the tenant's admins
/// when it deleted anything; the rule is due again `runEvery` later.
///
/// Killed at any point, nothing is half done: a batch commits whole or not at all, the
/// claim's lease runs out, and the next run selects what is still there.
public struct RetentionService: Service {
    let queue: RetentionQueue
    let settings: Settings
    let logger: Logger

    public struct Settings: Sendable {
        public var pollInterval: Duration = .seconds(300)
        /// How often each rule runs.
        public var runEvery: Duration = .seconds(86_400)
        /// Conversations deleted per transaction: each batch holds its rows' locks only briefly.
        public var batchSize = 200
        /// How long a claim keeps other workers off a rule; renewed by every batch.
        public var claimLease: Duration = .seconds(600)
        /// Rules claimed at once.
        public var rulesPerRound = 10
        /// Told of every batch: what it deleted and how long its transaction (and so its row
        /// locks on `messages`) lasted. `parley bench retention` reads it.
        public var onBatch: (@Sendable (RetentionCount, Duration) -> Void)?
        /// What the service waits on between rounds: the system's clock, or a test's.
        public var waits: any _Concurrency.Clock<Duration> = ContinuousClock()
        public init() {}
    }

    public init(database: Database, workerID: String, settings: Settings = Settings(), logger: Logger) {
        self.queue = RetentionQueue(database: database, workerID: workerID)
        self.settings = settings
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await runRound()
            } catch {
                logger.error("could not claim due clean-up rules", metadata: ["error": "\(String(reflecting: error))"])
            }
            try? await cancelWhenGracefulShutdown { try await settings.waits.sleep(for: settings.pollInterval) }
        }
    }

    /// One round: claims the due rules and runs each to its end. Returns the runs that
    /// finished. Also what tests drive directly.
    @discardableResult
    public func runRound() async throws -> [RetentionRunRecord] {
        var finished: [RetentionRunRecord] = []
        for rule in try await queue.claim(lease: settings.claimLease, limit: settings.rulesPerRound) {
            if let run = await runRule(rule) { finished.append(run) }
        }
        return finished
    }

    /// Runs one claimed rule; `nil` when it stopped early (the claim was lost, the database
    /// failed, or the worker is shutting down: the lease runs out and a later round goes on).
    func runRule(_ rule: CleanupRuleRecord, stopAfterBatches: Int? = nil) async -> RetentionRunRecord? {
        var logger = logger
        logger[metadataKey: "tenant_id"] = "\(rule.tenantID.uuidString.lowercased())"
        logger[metadataKey: "cleanup_rule_id"] = "\(rule.id.uuidString.lowercased())"
        do {
            guard let run = try await queue.start(rule) else { return nil }
            var batches = 0
            while true {
                if Task.isShuttingDownGracefully { return nil }
                if let stopAfterBatches, batches >= stopAfterBatches { return nil }
                let started = ContinuousClock.now
                guard let count = try await queue.deleteBatch(rule, run: run, limit: settings.batchSize,
                                                              lease: settings.claimLease) else { return nil }
                settings.onBatch?(count, ContinuousClock.now - started)
                batches += 1
                if count.isEmpty { break }
            }
            let record = try await queue.finish(rule, run: run, every: settings.runEvery)
            if let record {
                logger.info("clean-up rule ran", metadata: [
                    "conversations": "\(record.conversationsDeleted)", "messages": "\(record.messagesDeleted)",
                    "visits": "\(record.visitsDeleted)",
                    "held": "\(record.conversationsHeld)",
                ])
            }
            return record
        } catch {
            logger.error("clean-up rule run failed", metadata: ["error": "\(String(reflecting: error))"])
            return nil
        }
    }
}
