import Domain
import Foundation
import PostgresNIO

/// The export job queue as workers see it: claim, hold a lease, finish exactly once.
///
/// Claims and lease renewals run in the worker scope (every tenant's queue, no tenant's
/// data); finishing runs in the job's tenant scope, so the requester's notification can
/// be written in the same transaction (`NotificationRepository`).
public struct ExportQueue: Sendable {
    let database: Database
    /// Names this worker in `locked_by`; a lease is only renewed or finished by its holder.
    public let workerID: String

    public init(database: Database, workerID: String) {
        self.database = database
        self.workerID = workerID
    }

    /// Takes the next due job: a queued one, or a running one whose lease ran out (its
    /// worker died). `nil` when there is none. Each claim counts an attempt.
    public func claim(lease: Duration) async throws -> ExportJobRecord? {
        try await database.withScope(.worker) { tx in
            let now = tx.clock.now()
            let until = now.addingTimeInterval(lease.seconds)
            let rows = try await tx.query("""
                UPDATE export_jobs j
                SET status = 'running', locked_by = \(workerID), locked_until = \(until), attempts = j.attempts + 1,
                    started_at = COALESCE(j.started_at, \(now)), rows_done = 0
                FROM (SELECT tenant_id, id FROM export_jobs
                      WHERE status IN ('queued', 'running') AND run_after <= \(now)
                        AND (status = 'queued' OR locked_until < \(now))
                      ORDER BY run_after
                      LIMIT 1
                      FOR UPDATE SKIP LOCKED) next
                WHERE j.tenant_id = next.tenant_id AND j.id = next.id
                RETURNING \(unescaped: ExportJobRecord.columns.replacingOccurrences(of: "tenant_id, id,", with: "j.tenant_id, j.id,"))
                """)
            return try await ExportJobRecord.decode(rows).first
        }
    }

    /// Extends the lease and records progress. `false` when the job is no longer this
    /// worker's to finish: cancelled, or taken over after the lease ran out.
    public func renew(_ job: ExportJobRecord, lease: Duration, rowsDone: Int) async throws -> Bool {
        try await database.withScope(.worker) { tx in
            let until = tx.clock.now().addingTimeInterval(lease.seconds)
            let rows = try await tx.query("""
                UPDATE export_jobs SET locked_until = \(until), rows_done = \(rowsDone)
                WHERE tenant_id = \(job.tenantID) AND id = \(job.id) AND status = 'running' AND locked_by = \(workerID)
                RETURNING 1
                """)
            return try await !rows.decode(Int.self).all().isEmpty
        }
    }

    /// Marks the job succeeded and runs `alongside` (the notification) in the same
    /// transaction. `false`, with nothing written, when the lease was lost meanwhile.
    public func succeed(_ job: ExportJobRecord, rows: Int, bytes: Int64,
                        alongside: @Sendable (Transaction) async throws -> Void) async throws -> Bool {
        try await finish(job) { tx in
            let now = tx.clock.now()
            return try await tx.query("""
                UPDATE export_jobs
                SET status = 'succeeded', rows_done = \(rows), bytes = \(bytes), finished_at = \(now), error = NULL,
                    locked_by = NULL, locked_until = NULL
                WHERE tenant_id = \(job.tenantID) AND id = \(job.id) AND status = 'running' AND locked_by = \(workerID)
                RETURNING 1
                """)
        } alongside: { tx in try await alongside(tx) }
    }

    /// Records a failure. With `retryAt` and attempts left, the job goes back to the queue
    /// (not claimable before `retryAt`); otherwise it fails for good and `alongside` (the
    /// notification) runs in the same transaction. Returns the status written, `nil` when
    /// the lease was lost.
    public func fail(_ job: ExportJobRecord, reason: String, retryAt: Date?,
                     alongside: @Sendable (Transaction) async throws -> Void) async throws -> ExportJobStatus? {
        let retry = retryAt != nil && job.attempts < job.maxAttempts
        let status: ExportJobStatus = retry ? .queued : .failed
        let written = try await finish(job) { tx in
            let now = tx.clock.now()
            return try await tx.query("""
                UPDATE export_jobs
                SET status = \(status.rawValue), error = \(String(reason.prefix(1_000))),
                    run_after = COALESCE(\(retry ? retryAt : nil), run_after),
                    finished_at = CASE WHEN \(retry) THEN NULL ELSE \(now) END,
                    locked_by = NULL, locked_until = NULL
                WHERE tenant_id = \(job.tenantID) AND id = \(job.id) AND status = 'running' AND locked_by = \(workerID)
                RETURNING 1
                """)
        } alongside: { tx in
            if !retry { try await alongside(tx) }
        }
        return written ? status : nil
    }

    /// Whether the job is still this worker's (for a last check before uploading).
    public func status(of job: ExportJobRecord) async throws -> ExportJobStatus? {
        try await database.withScope(.worker) { tx in
            try await tx.query("SELECT status FROM export_jobs WHERE tenant_id = \(job.tenantID) AND id = \(job.id)")
                .decode(String.self).all().first.flatMap(ExportJobStatus.init(rawValue:))
        }
    }

    private func finish(_ job: ExportJobRecord, update: @Sendable (Transaction) async throws -> PostgresRowSequence,
                        alongside: @Sendable (Transaction) async throws -> Void) async throws -> Bool {
        try await database.withScope(.tenant(job.tenantID)) { tx in
            let rows = try await update(tx)
            guard try await !rows.decode(Int.self).all().isEmpty else { return false }
            try await alongside(tx)
            return true
        }
    }
}

extension Duration {
    var seconds: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
