import Domain
import Foundation
import PostgresNIO

/// One run of a clean-up rule, as recorded in `retention_runs`.
public struct RetentionRunRecord: Sendable, Equatable {
    public let id: UUID
    public let ruleID: UUID
    public let startedAt: Date
    public let finishedAt: Date?
    public let cutoff: Date
    public let status: String
    public let conversationsDeleted: Int
    public let messagesDeleted: Int
    public let conversationsHeld: Int
    public let error: String?
    public let visitsDeleted: Int

    static let columns = """
        id, rule_id, started_at, finished_at, cutoff, status, conversations_deleted, messages_deleted, conversations_held, error,
        visits_deleted
        """

    static func decode(_ rows: PostgresRowSequence) async throws -> [RetentionRunRecord] {
        var runs: [RetentionRunRecord] = []
        for try await row in rows.decode((UUID, UUID, Date, Date?, Date, String, Int, Int, Int, String?, Int).self) {
            runs.append(RetentionRunRecord(id: row.0, ruleID: row.1, startedAt: row.2, finishedAt: row.3, cutoff: row.4,
                                           status: row.5, conversationsDeleted: row.6, messagesDeleted: row.7,
                                           conversationsHeld: row.8, error: row.9, visitsDeleted: row.10))
        }
        return runs
    }
}

/// The record of retention runs in the tenant's scope.
public struct RetentionRunRepository: Sendable {
    let tx: Transaction
    let tenantID: UUID

    public init(_ tx: Transaction, tenantID: UUID) {
        self.tx = tx
        self.tenantID = tenantID
    }

    /// Newest first, continuing strictly after `cursor`.
    public func list(after cursor: KeysetCursor?, limit: Int) async throws -> Page<RetentionRunRecord> {
        let rows = try await tx.query("""
            SELECT \(unescaped: RetentionRunRecord.columns) FROM retention_runs
            WHERE tenant_id = \(tenantID)
              AND (\(cursor?.microseconds)::bigint IS NULL OR (started_at, id) < ((timestamptz 'epoch' + \(cursor?.microseconds)::bigint * interval '1 microsecond'), \(cursor?.id)))
            ORDER BY started_at DESC, id DESC
            LIMIT \(limit + 1)
            """)
        return ConversationRepository.page(try await RetentionRunRecord.decode(rows), limit: limit) {
            KeysetCursor(time: $0.startedAt, id: $0.id)
        }
    }

    /// Starts a run of `rule`. Runs of it left `running` by a worker that died are marked
    /// `interrupted` and audited with what they deleted, which is returned (this run's
    /// summary to the admins includes it).
    func start(rule: UUID, cutoff: Date) async throws -> (run: UUID, interrupted: RetentionCount) {
        let now = tx.clock.now()
        let stale = try await tx.query("""
            UPDATE retention_runs SET status = 'interrupted', finished_at = \(now)
            WHERE tenant_id = \(tenantID) AND rule_id = \(rule) AND status = 'running'
            RETURNING id, conversations_deleted, messages_deleted
            """).decode((UUID, Int, Int).self).all()
        var interrupted = RetentionCount()
        for (id, conversations, messages) in stale {
            interrupted.conversations += conversations
            interrupted.messages += messages
            try await AuditLog(tx, tenantID: tenantID).record(
                actor: nil, action: "retention.run", targetType: "cleanup_rule", targetID: rule,
                details: ["run": id.uuidString.lowercased(), "status": "interrupted", "conversations": "\(conversations)",
                          "messages": "\(messages)"])
        }
        let id = tx.ids.make()
        try await tx.execute("""
            INSERT INTO retention_runs (tenant_id, id, rule_id, started_at, cutoff, status)
            VALUES (\(tenantID), \(id), \(rule), \(now), \(cutoff), 'running')
            """)
        return (id, interrupted)
    }

    func add(_ count: RetentionCount, to run: UUID) async throws {
        try await tx.execute("""
            UPDATE retention_runs SET conversations_deleted = conversations_deleted + \(count.conversations),
                                      messages_deleted = messages_deleted + \(count.messages),
                                      visits_deleted = visits_deleted + \(count.visits)
            WHERE tenant_id = \(tenantID) AND id = \(run)
            """)
    }

    func finish(_ run: UUID, status: String, held: Int, error: String?) async throws -> RetentionRunRecord {
        let rows = try await tx.query("""
            UPDATE retention_runs SET status = \(status), finished_at = \(tx.clock.now()), conversations_held = \(held), error = \(error)
            WHERE tenant_id = \(tenantID) AND id = \(run)
            RETURNING \(unescaped: RetentionRunRecord.columns)
            """)
        guard let record = try await RetentionRunRecord.decode(rows).first else { throw StoreError.notFound("retention run") }
        return record
    }
}

/// Clean-up rules as workers see them: the due ones claimed across tenants (worker scope,
/// FOR UPDATE SKIP LOCKED, a lease), each then run batch by batch in its tenant's scope,
/// every batch its own transaction that first checks this worker still holds the rule.
/// A worker that dies mid-run leaves its lease to run out; the next claim starts a new run,
/// and since each batch selects what is still there, nothing is deleted twice or skipped.
public struct RetentionQueue: Sendable {
    let database: Database
    public let workerID: String

    public init(database: Database, workerID: String) {
        self.database = database
        self.workerID = workerID
    }

    public func claim(lease: Duration, limit: Int) async throws -> [CleanupRuleRecord] {
        try await database.withScope(.worker) { tx in
            let now = tx.clock.now()
            let rows = try await tx.query("""
                UPDATE cleanup_rules r SET locked_by = \(workerID), locked_until = \(now.addingTimeInterval(lease.seconds))
                FROM (SELECT tenant_id, id FROM cleanup_rules
                      WHERE enabled AND next_run_at <= \(now) AND (locked_until IS NULL OR locked_until < \(now))
                      ORDER BY next_run_at LIMIT \(limit)
                      FOR UPDATE SKIP LOCKED) due
                WHERE r.tenant_id = due.tenant_id AND r.id = due.id
                RETURNING \(unescaped: CleanupRuleRecord.columns.replacingOccurrences(of: "tenant_id, id,", with: "r.tenant_id, r.id,"))
                """)
            return try await CleanupRuleRecord.decode(rows)
        }
    }

    /// A run under way: its id, what it deletes, and what the interrupted runs before it deleted.
    public struct Run: Sendable {
        public let id: UUID
        public let target: RetentionTarget
        public let interrupted: RetentionCount
    }

    /// Starts a run: the cutoff from the rule and the tenant's compliance minimum as they are now.
    /// `nil` when the claim is gone (the rule was disabled or deleted, or taken over).
    public func start(_ rule: CleanupRuleRecord) async throws -> Run? {
        try await database.withScope(.tenant(rule.tenantID)) { tx in
            guard let current = try await stillClaimed(rule, tx) else { return nil }
            let target = try await target(of: current, tx)
            let (run, interrupted) = try await RetentionRunRepository(tx, tenantID: rule.tenantID)
                .start(rule: rule.id, cutoff: target.cutoff)
            return Run(id: run, target: target, interrupted: interrupted)
        }
    }

    /// One batch in its own transaction, if the claim still holds (renewed for `lease`);
    /// `nil` when it does not. The rule and the compliance minimum are read again for every
    /// batch, so a rule an admin narrows, or a minimum the operator raises, holds the run
    /// back from its next batch on. The run's counters move in the same transaction.
    public func deleteBatch(_ rule: CleanupRuleRecord, run: Run, limit: Int, lease: Duration) async throws -> RetentionCount? {
        try await database.withScope(.tenant(rule.tenantID)) { tx in
            guard let current = try await stillClaimed(rule, tx, renewFor: lease) else { return nil }
            let retention = RetentionRepository(tx, tenantID: rule.tenantID)
            let target = try await target(of: current, tx)
            var count = try await retention.deleteBatch(target, limit: limit)
            // Conversations first; then the rule's visits, a larger batch at a time (small rows).
            if count.conversations == 0 { count.visits = try await retention.deleteVisitBatch(target, limit: limit * 10) }
            if !count.isEmpty { try await RetentionRunRepository(tx, tenantID: rule.tenantID).add(count, to: run.id) }
            return count
        }
    }

    /// Ends a run: recorded, audited, the tenant's admins notified when it deleted anything,
    /// the rule released and due again after `every`. `nil` when the claim is gone.
    public func finish(_ rule: CleanupRuleRecord, run: Run, every: Duration) async throws -> RetentionRunRecord? {
        try await database.withScope(.tenant(rule.tenantID)) { tx in
            guard let current = try await stillClaimed(rule, tx) else { return nil }
            let tenantID = rule.tenantID
            let target = try await target(of: current, tx)
            let held = try await RetentionRepository(tx, tenantID: tenantID).preview(target).held
            let record = try await RetentionRunRepository(tx, tenantID: tenantID).finish(run.id, status: "finished", held: held, error: nil)
            try await AuditLog(tx, tenantID: tenantID).record(
                actor: nil, action: "retention.run", targetType: "cleanup_rule", targetID: rule.id,
                details: ["run": run.id.uuidString.lowercased(), "status": "finished", "conversations": "\(record.conversationsDeleted)",
                          "messages": "\(record.messagesDeleted)", "visits": "\(record.visitsDeleted)", "held": "\(held)"])
            // The summary covers what interrupted runs before this one deleted, too.
            let conversations = record.conversationsDeleted + run.interrupted.conversations
            let messages = record.messagesDeleted + run.interrupted.messages
            if conversations > 0 {
                let admins = try await tx.query("""
                    SELECT id FROM users WHERE tenant_id = \(tenantID) AND role = 'admin' AND NOT disabled
                    """).decode(UUID.self).all()
                let notifications = NotificationRepository(tx, tenantID: tenantID)
                for admin in admins {
                    _ = try await notifications.post(
                        to: admin, kind: "retention.run", title: "Clean-up deleted \(conversations) conversations",
                        body: "A clean-up rule deleted \(conversations) conversations and \(messages) "
                            + "messages ended before \(RFC3339.format(target.cutoff))"
                            + (held > 0 ? "; \(held) conversations were kept by legal holds." : "."),
                        link: "/v1/admin/retention-runs", subjectType: "retention_run", subjectID: run.id)
                }
            }
            try await tx.execute("""
                UPDATE cleanup_rules SET locked_by = NULL, locked_until = NULL,
                                         next_run_at = \(tx.clock.now().addingTimeInterval(every.seconds))
                WHERE tenant_id = \(tenantID) AND id = \(rule.id)
                """)
            return record
        }
    }

    /// What `rule` reaches now: its days or the floor (the compliance minimum or the plan's
    /// minimum retention, re-read every batch), whichever reaches less far.
    private func target(of rule: CleanupRuleRecord, _ tx: Transaction) async throws -> RetentionTarget {
        let limits = try await CleanupRuleRepository(tx, tenantID: rule.tenantID).limits()
        let cutoff = RetentionRules.cutoff(now: tx.clock.now(), deleteAfterDays: rule.deleteAfterDays,
                                           minimumDays: limits.bounds.minimumDays)
        return RetentionTarget(cutoff: cutoff, channel: rule.channel, departmentID: rule.departmentID)
    }

    /// The rule as it is now, locked, if this worker still holds it (renewing the lease when
    /// asked); `nil` otherwise. A rule changed since the claim is still held (and its run
    /// goes on with the change).
    private func stillClaimed(_ rule: CleanupRuleRecord, _ tx: Transaction, renewFor lease: Duration? = nil) async throws -> CleanupRuleRecord? {
        let now = tx.clock.now()
        let rows = try await tx.query("""
            SELECT \(unescaped: CleanupRuleRecord.columns) FROM cleanup_rules
            WHERE tenant_id = \(rule.tenantID) AND id = \(rule.id) AND enabled AND locked_by = \(workerID) AND locked_until >= \(now)
            FOR UPDATE
            """)
        guard let current = try await CleanupRuleRecord.decode(rows).first else { return nil }
        if let lease {
            try await tx.execute("""
                UPDATE cleanup_rules SET locked_until = \(now.addingTimeInterval(lease.seconds))
                WHERE tenant_id = \(rule.tenantID) AND id = \(rule.id)
                """)
        }
        return current
    }
}
