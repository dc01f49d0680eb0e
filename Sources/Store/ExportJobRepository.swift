import Domain
import Foundation
import PostgresNIO

/// Export jobs as their requesters and admins see them (API side). Who sees which job is
/// the `export_jobs_visible` policy's decision (sql/0010_exports.sql).
public struct ExportJobRepository: Sendable {
    let tx: Transaction
    let tenantID: UUID

    public init(_ tx: Transaction, tenantID: UUID) {
        self.tx = tx
        self.tenantID = tenantID
    }

    /// What the plan and the tenant's own limits allow (the smaller of each), and the facts a
    /// new job's document needs, in one round trip.
    public func limits(for userID: UUID) async throws -> ExportLimits {
        let rows = try await tx.query("""
            SELECT p.code, p.export_enabled, p.export_row_cap, l.export_row_cap, l.export_roles,
                   t.name, t.slug, t.time_zone, u.display_name
            FROM tenants t
            JOIN plans p ON p.code = t.plan_code
            JOIN users u ON u.tenant_id = \(tenantID) AND u.id = \(userID)
            LEFT JOIN tenant_limits l ON l.tenant_id = \(tenantID)
            WHERE t.id = \(tenantID)
            """)
        for try await (plan, enabled, planCap, tenantCap, roles, tenantName, slug, zone, userName)
            in rows.decode((String, Bool, Int, Int?, [String]?, String, String, String, String).self) {
            // No row of its own: the tenant has the plan's limits (TenantLimits.planDefaults).
            var limits = TenantLimits.planDefaults
            limits.exportRowCap = tenantCap
            if let roles { limits.exportRoles = Set(roles.compactMap(UserRole.init(rawValue:))) }
            return ExportLimits(planCode: plan, exportEnabled: enabled, planRowCap: planCap,
                                rowCap: limits.exportRowCap(underPlanCap: planCap), exportRoles: limits.exportRoles,
                                tenantName: tenantName, tenantSlug: slug, timeZone: zone, userName: userName)
        }
        throw StoreError.principalGone
    }

    public func create(_ job: NewExportJob) async throws -> ExportJobRecord {
        let now = tx.clock.now()
        let selection = try String(decoding: JSONEncoder().encode(job.selection), as: UTF8.self)
        let options = try String(decoding: JSONEncoder().encode(job.options), as: UTF8.self)
        let key = ExportJobRecord.objectKey(tenantID: tenantID, jobID: job.id, format: job.format)
        try await tx.execute("""
            INSERT INTO export_jobs (tenant_id, id, requested_by, format, row_kind, selection, options, file_name,
                                     object_key, rows_total, run_after, created_at, schedule_id, period_start)
            VALUES (\(tenantID), \(job.id), \(job.requestedBy), \(job.format.rawValue), \(job.rowKind.rawValue),
                    \(selection)::jsonb, \(options)::jsonb, \(job.fileName), \(key), \(job.rowsTotal), \(now), \(now),
                    \(job.scheduleID), \(job.periodStart))
            """)
        return try await self.job(job.id)
    }

    public func job(_ id: UUID) async throws -> ExportJobRecord {
        let rows = try await tx.query("SELECT \(unescaped: ExportJobRecord.columns) FROM export_jobs WHERE tenant_id = \(tenantID) AND id = \(id)")
        guard let job = try await ExportJobRecord.decode(rows).first else { throw StoreError.notFound("export") }
        return job
    }

    /// Newest first. `requestedBy` narrows to one user's jobs (everyone's own list; an
    /// admin's view of the whole tenant passes `nil`, and the policy shows others' only to them).
    public func list(requestedBy: UUID?, after cursor: KeysetCursor?, limit: Int) async throws -> Page<ExportJobRecord> {
        let rows = try await tx.query("""
            SELECT \(unescaped: ExportJobRecord.columns) FROM export_jobs
            WHERE tenant_id = \(tenantID)
              AND (\(requestedBy)::uuid IS NULL OR requested_by = \(requestedBy))
              AND (\(cursor?.id)::uuid IS NULL OR id < \(cursor?.id))
            ORDER BY id DESC
            LIMIT \(limit + 1)
            """)
        let jobs = try await ExportJobRecord.decode(rows)
        // Ids are UUIDv7, so id order is creation order; the cursor carries the id.
        return Page(items: Array(jobs.prefix(limit)),
                    nextCursor: jobs.count > limit ? KeysetCursor(time: jobs[limit - 1].createdAt, id: jobs[limit - 1].id) : nil)
    }

    /// Cancels a queued or running job (a running one stops within a lease renewal), or,
    /// for a finished job, records that its file is deleted. Returns the job as it is now
    /// and whether the caller must delete the file from storage.
    public func cancel(_ id: UUID) async throws -> (job: ExportJobRecord, deleteFile: Bool) {
        let current = try await job(id)
        let now = tx.clock.now()
        if current.status.isFinished {
            guard current.status == .succeeded, current.fileDeletedAt == nil else { return (current, false) }
            try await tx.execute("""
                UPDATE export_jobs SET file_deleted_at = \(now) WHERE tenant_id = \(tenantID) AND id = \(id)
                """)
            return (try await job(id), true)
        }
        try await tx.execute("""
            UPDATE export_jobs SET status = 'cancelled', finished_at = \(now), locked_by = NULL, locked_until = NULL
            WHERE tenant_id = \(tenantID) AND id = \(id) AND status IN ('queued', 'running')
            """)
        // A worker may have been writing the file: it deletes it when it sees the cancellation;
        // deleting here too covers a worker that died between upload and completion.
        return (try await job(id), current.status == .running)
    }
}

/// The export rules in force for a tenant (plan and tenant limits combined), and document facts.
public struct ExportLimits: Sendable, Equatable {
    public let planCode: String
    public let exportEnabled: Bool
    public let planRowCap: Int
    /// The smaller of the plan's cap and the tenant's own.
    public let rowCap: Int
    /// The roles the tenant's admins let export.
    public let exportRoles: Set<UserRole>
    public let tenantName: String
    public let tenantSlug: String
    public let timeZone: String
    public let userName: String

    /// Whose cap refuses an export over `rowCap`, for the refusal's reason.
    public var rowCapExplanation: String {
        rowCap < planRowCap
            ? "this tenant's limit is \(rowCap) per export (the \(planCode) plan allows \(planRowCap))"
            : "the plan allows \(rowCap) per export"
    }

    public func mayExport(_ role: UserRole) -> Bool { RoleAbilities.mayExport(role, exportRoles: exportRoles) }
}

extension ExportJobRecord {
    static let columns = """
        tenant_id, id, requested_by, status, format, row_kind, selection::text, options::text, file_name, object_key,
        rows_total, rows_done, bytes, error, attempts, max_attempts, created_at, started_at, finished_at, file_deleted_at
        """

    static func decode(_ rows: PostgresRowSequence) async throws -> [ExportJobRecord] {
        var jobs: [ExportJobRecord] = []
        let decoder = JSONDecoder()
        for try await row in rows {
            let cells = row.makeRandomAccess()
            func cell<T: PostgresDecodable>(_ index: Int, _ type: T.Type = T.self) throws -> T {
                try cells[index].decode(T.self, context: .default)
            }
            let id: UUID = try cell(1)
            guard let status = ExportJobStatus(rawValue: try cell(3)), let format = ExportFormat(rawValue: try cell(4)),
                  let rowKind = ExportRowKind(rawValue: try cell(5)) else {
                throw StoreError.corrupt("export job \(id) has an unknown status, format or row kind")
            }
            jobs.append(ExportJobRecord(
                tenantID: try cell(0), id: id, requestedBy: try cell(2), status: status, format: format, rowKind: rowKind,
                selection: try decoder.decode(ConversationQuery.self, from: Data((try cell(6, String.self)).utf8)),
                options: try decoder.decode(ExportOptions.self, from: Data((try cell(7, String.self)).utf8)),
                fileName: try cell(8), objectKey: try cell(9), rowsTotal: try cell(10), rowsDone: try cell(11),
                bytes: try cell(12), error: try cell(13), attempts: try cell(14), maxAttempts: try cell(15),
                createdAt: try cell(16), startedAt: try cell(17), finishedAt: try cell(18), fileDeletedAt: try cell(19)))
        }
        return jobs
    }
}
