import Domain
import Foundation
import Logging
import Store
import Synchronization
import Worker

/// `parley bench retention`: the retention job deleting what clean-up rules reach across the
/// seeded bench tenants (`parley seed --tenants …`), through `RetentionService` as the worker
/// runs it. Prints messages deleted per second, the longest deleting transaction (the longest
/// any row lock on `messages` is held: every lock a batch takes is released at its commit),
/// and the latency of ingestion batches pushed meanwhile into one tenant, against baselines
/// measured in the same run: the same ingestion before the job, and one set-based DELETE of a
/// tenant's expired messages (rolled back). Destructive: what the rules reach is deleted.
struct RetentionBenchmark {
    struct Options: Sendable {
        /// Conversations ended more than this many days ago are deleted.
        let olderThanDays: Int
        /// Messages per ingestion batch, and the pause between batches.
        let ingestBatch: Int
        let ingestPause: Duration
        /// How long ingestion is measured before the job starts.
        let baselineSeconds: Double
        /// Conversations per deleting transaction (RetentionService's default: 200).
        let batchSize: Int
    }

    let runtime: Runtime
    let options: Options
    var database: Database { runtime.database }
    var logger: Logger { runtime.logger }

    struct Tenant: Sendable {
        let id: UUID
        let slug: String
        let adminID: UUID
        let expiredMessages: Int
        let messages: Int
    }

    func run() async throws {
        let tenants = try await benchTenants()
        guard !tenants.isEmpty else {
            throw BenchError("no bench-* tenants: seed them first (parley seed --tenants 200 --messages 2000000)")
        }
        let expired = tenants.reduce(0) { $0 + $1.expiredMessages }
        let total = tenants.reduce(0) { $0 + $1.messages }
        Console.line("\(tenants.count) bench tenants, \(total) messages; \(expired) in conversations ended more than "
                     + "\(options.olderThanDays) days ago")
        guard expired > 0 else { throw BenchError("nothing to delete: reseed, or pass a smaller --older-than-days") }

        // The probe writes into the smallest tenant, which the job also deletes from.
        let probe = try await ProbeIngestion(database: database, tenant: tenants.last!, batch: options.ingestBatch,
                                             pause: options.ingestPause)
        Console.line(String(format: "ingestion alone (%.0f s, batches of %d)…", options.baselineSeconds, options.ingestBatch))
        let alone = try await probe.measure(for: options.baselineSeconds)

        let baseline = try await setBasedDelete(tenants[min(1, tenants.count - 1)])
        try await createRules(tenants)

        var settings = RetentionService.Settings()
        settings.batchSize = options.batchSize
        settings.rulesPerRound = tenants.count
        let batches = BatchLog()
        settings.onBatch = { count, duration in batches.entries.withLock { $0.append((count, duration)) } }
        let service = RetentionService(database: database, workerID: "bench-retention", settings: settings, logger: logger)
        Console.line("running the retention job while ingesting…")
        let started = ContinuousClock.now
        let (runs, during) = try await withThrowingTaskGroup(of: JobOrProbe.self) { group in
            let stop = BatchLog()
            group.addTask { .probe(try await probe.measure(until: { stop.done.load(ordering: .relaxed) })) }
            group.addTask {
                var runs: [RetentionRunRecord] = []
                while true {
                    let round = try await service.runRound()
                    if round.isEmpty { break }
                    runs += round
                }
                stop.done.store(true, ordering: .relaxed)
                return .job(runs)
            }
            var runs: [RetentionRunRecord] = []
            var during: [Double] = []
            for try await result in group {
                switch result {
                case .job(let done): runs = done
                case .probe(let latencies): during = latencies
                }
            }
            return (runs, during)
        }
        let seconds = Self.milliseconds(ContinuousClock.now - started) / 1_000
        let deleted = runs.reduce(0) { $0 + $1.messagesDeleted }
        let left = try await leftBehind(tenants)
        try await dropRules(tenants)

        let durations = batches.entries.withLock { $0 }.map { Self.milliseconds($0.1) }
        Console.line("")
        Console.line("retention job: \(runs.count) runs, \(durations.count) batches of up to \(options.batchSize) conversations")
        Console.line(String(format: "  deleted %d messages (%d conversations) in %.1f s: %.0f messages/s",
                            deleted, runs.reduce(0) { $0 + $1.conversationsDeleted }, seconds, Double(deleted) / seconds))
        Console.line(String(format: "  baseline, one set-based DELETE of %@'s %d expired messages (rolled back): %.0f messages/s; job/baseline %.2f",
                            baseline.slug, baseline.rows, baseline.rowsPerSecond, Double(deleted) / seconds / baseline.rowsPerSecond))
        Console.line(String(format: "  deleting transaction (longest lock on messages rows): p50 %.1f ms, p99 %.1f ms, max %.1f ms",
                            BenchReport.percentile(durations, 0.5), BenchReport.percentile(durations, 0.99), durations.max() ?? .nan))
        Console.line("  expired messages left behind (no holds, no minimums in the bench): \(left)")
        Console.line(String(format: "ingestion of %d-message batches: alone p50 %.1f ms, p99 %.1f ms (%d batches); "
                            + "during the job p50 %.1f ms, p99 %.1f ms (%d batches); p99 during/alone %.2f",
                            options.ingestBatch, BenchReport.percentile(alone, 0.5), BenchReport.percentile(alone, 0.99), alone.count,
                            BenchReport.percentile(during, 0.5), BenchReport.percentile(during, 0.99), during.count,
                            BenchReport.percentile(during, 0.99) / BenchReport.percentile(alone, 0.99)))
        if let load = BenchReport.loadAverage() { Console.line("load average at the end: \(load)") }
    }

    /// What the job's batches report, and when the job is done (the probe then stops).
    private final class BatchLog: Sendable {
        let entries = Mutex<[(RetentionCount, Duration)]>([])
        let done = Atomic(false)
    }

    private enum JobOrProbe: Sendable {
        case job([RetentionRunRecord])
        case probe([Double])
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1_000 + Double(duration.components.attoseconds) / 1e15
    }

    private var cutoff: Date { database.clock.now().addingTimeInterval(-Double(options.olderThanDays) * 86_400) }

    /// Every bench tenant with its admin and what the rule will reach, biggest first.
    private func benchTenants() async throws -> [Tenant] {
        let listed = try await database.withScope(.platformOperator) { tx in
            try await tx.connection.query("SELECT id, slug FROM tenants WHERE slug LIKE \(SyntheticSeeder.slugPattern) ORDER BY slug",
                                          logger: tx.logger).decode((UUID, String).self).all()
        }
        var tenants: [Tenant] = []
        for (id, slug) in listed {
            let cutoff = self.cutoff
            let tenant = try await database.withScope(.tenant(id)) { tx in
                let (admin, messages) = try await tx.connection.query("""
                    SELECT (SELECT u.id FROM users u WHERE u.tenant_id = \(id) AND u.role = 'admin' ORDER BY u.created_at LIMIT 1),
                           (SELECT coalesce(sum(c.message_count), 0)::int8 FROM conversations c WHERE c.tenant_id = \(id))
                    """, logger: tx.logger).decode((UUID, Int).self).all()[0]
                let expired = try await RetentionRepository(tx, tenantID: id)
                    .preview(RetentionTarget(cutoff: cutoff, channel: nil, departmentID: nil)).messages
                return Tenant(id: id, slug: slug, adminID: admin, expiredMessages: expired, messages: messages)
            }
            tenants.append(tenant)
        }
        return tenants.sorted { $0.messages > $1.messages }
    }

    /// One DELETE of a tenant's expired messages in one statement, timed and rolled back.
    private func setBasedDelete(_ tenant: Tenant) async throws -> (slug: String, rows: Int, rowsPerSecond: Double) {
        struct RollBack: Error { let rows: Int; let seconds: Double }
        let cutoff = self.cutoff
        do {
            try await database.withScope(.tenant(tenant.id)) { tx in
                let started = ContinuousClock.now
                let rows = try await tx.connection.query("""
                    WITH gone AS (
                        DELETE FROM messages m USING conversations c
                        WHERE m.tenant_id = \(tenant.id) AND c.tenant_id = \(tenant.id) AND c.id = m.conversation_id
                          AND c.ended_at IS NOT NULL AND c.ended_at < \(cutoff) AND c.last_message_at < \(cutoff)
                        RETURNING 1)
                    SELECT count(*)::int8 FROM gone
                    """, logger: tx.logger).decode(Int.self).all()[0]
                throw RollBack(rows: rows, seconds: Self.milliseconds(ContinuousClock.now - started) / 1_000)
            }
        } catch let rollBack as RollBack {
            return (tenant.slug, rollBack.rows, Double(rollBack.rows) / rollBack.seconds)
        }
        throw BenchError("the baseline DELETE did not run")
    }

    private func createRules(_ tenants: [Tenant]) async throws {
        for tenant in tenants {
            try await database.withScope(.tenant(tenant.id)) { tx in
                _ = try await CleanupRuleRepository(tx, tenantID: tenant.id).create(
                    CleanupRuleSettings(channel: nil, departmentID: nil, deleteAfterDays: options.olderThanDays, enabled: true),
                    by: tenant.adminID)
            }
        }
    }

    private func dropRules(_ tenants: [Tenant]) async throws {
        for tenant in tenants {
            try await database.withScope(.tenant(tenant.id)) { tx in
                try await tx.connection.query("DELETE FROM cleanup_rules WHERE tenant_id = \(tenant.id)", logger: tx.logger).collect()
            }
        }
    }

    /// Messages of expired, unheld conversations still there (must be 0).
    private func leftBehind(_ tenants: [Tenant]) async throws -> Int {
        var left = 0
        for tenant in tenants {
            let cutoff = self.cutoff
            left += try await database.withScope(.tenant(tenant.id)) { tx in
                try await RetentionRepository(tx, tenantID: tenant.id)
                    .preview(RetentionTarget(cutoff: cutoff, channel: nil, departmentID: nil)).messages
            }
        }
        return left
    }
}

/// Ingestion batches into one tenant, each timed (the repository the ingestion route calls).
final class ProbeIngestion: Sendable {
    let database: Database
    let integration: IntegrationPrincipal
    let batch: Int
    let pause: Duration
    let run = UUID().uuidString.prefix(8).lowercased()
    private let sequence = Atomic<Int>(0)

    init(database: Database, tenant: RetentionBenchmark.Tenant, batch: Int, pause: Duration) async throws {
        self.database = database
        self.batch = batch
        self.pause = pause
        let key = try await database.withScope(.tenant(tenant.id)) { tx in
            try await DirectoryRepository(tx, tenantID: tenant.id).createAPIKey(name: "bench-retention", channel: .web, createdBy: tenant.adminID)
        }
        integration = IntegrationPrincipal(tenantID: tenant.id, apiKeyID: key.0.id, channel: .web)
    }

    func measure(for seconds: Double) async throws -> [Double] {
        let end = ContinuousClock.now + .milliseconds(Int(seconds * 1_000))
        return try await measure(until: { ContinuousClock.now >= end })
    }

    func measure(until done: @Sendable () -> Bool) async throws -> [Double] {
        var latencies: [Double] = []
        while !done() {
            let number = sequence.add(1, ordering: .relaxed).newValue
            let now = database.clock.now()
            let messages = (0..<batch).map { index in
                IngestMessage(conversationExternalID: "probe-\(run)-\(number)-\(index / 10)", messageExternalID: "probe-\(run)-\(number)-\(index)",
                              customer: IngestCustomer(externalID: "probe-customer-\(index % 50)", name: nil, phone: nil, email: nil),
                              sentAt: now, senderSide: .customer, agentID: nil, departmentID: nil, kind: .text,
                              text: "探针消息 \(index) refund status", attachment: nil)
            }
            let started = ContinuousClock.now
            try await database.ensureMessagePartitions(for: [now], scope: .integration(integration))
            let integration = self.integration
            _ = try await database.withScope(.integration(integration)) { tx in
                try await IngestionRepository(tx, integration: integration).ingest(messages)
            }
            latencies.append(RetentionBenchmark.milliseconds(ContinuousClock.now - started))
            try await Task.sleep(for: pause)
        }
        return latencies
    }
}
