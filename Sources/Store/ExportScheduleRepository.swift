import Domain
import Foundation
import PostgresNIO

/// What an admin sets on a schedule (`POST`/`PATCH /v1/export-schedules`), checked by the API.
public struct ExportScheduleSettings: Sendable, Equatable {
    public var name: String
    public var period: ExportSchedulePeriod
    public var window: ExportWindow
    public var format: ExportFormat
    public var rowKind: ExportRowKind
    /// The filter's parameters as given (names of `GET /v1/conversations`, no time), shown back.
    public var filter: [String: String]
    /// The same filter as Store resolves it; each run sets `from`/`to` to its window.
    public var selection: ConversationQuery
    public var includeAttachments: Bool
    public var includeCustomerInfo: Bool
    public var embedImages: Bool
    /// PDF only. `nil`: the default ("owner · time"); "": none.
    public var watermark: String?
    public var fileNamePattern: String
    public var paused: Bool

    public init(name: String, period: ExportSchedulePeriod, window: ExportWindow, format: ExportFormat, rowKind: ExportRowKind,
                filter: [String: String], selection: ConversationQuery, includeAttachments: Bool, includeCustomerInfo: Bool,
                embedImages: Bool, watermark: String?, fileNamePattern: String, paused: Bool) {
        self.name = name
        self.period = period
        self.window = window
        self.format = format
        self.rowKind = rowKind
        self.filter = filter
        self.selection = selection
        self.includeAttachments = includeAttachments
        self.includeCustomerInfo = includeCustomerInfo
        self.embedImages = embedImages
        self.watermark = watermark
        self.fileNamePattern = fileNamePattern
        self.paused = paused
    }
}

public struct ExportScheduleRecord: Sendable, Equatable {
    public let tenantID: UUID
    public let id: UUID
    public let ownerID: UUID
    public let settings: ExportScheduleSettings
    /// The scheduled instant of the next run.
    public let nextRunAt: Date
    /// The scheduled instant of the last period handled, the job it queued, and why the last
    /// period queued nothing (`nil` when it queued its job).
    public let lastRunAt: Date?
    public let lastJobID: UUID?
    public let lastError: String?
    public let createdAt: Date
    public let updatedAt: Date
    /// Set on a schedule a worker claimed: the claim its run must still hold to commit.
    public let claimID: UUID?
}

/// Export schedules as admins manage them (API side), in the caller's transaction; who
/// sees which is the `export_schedules_visible` policy's decision (sql/0012_export_schedules.sql).
public struct ExportScheduleRepository: Sendable {
    let tx: Transaction
    let tenantID: UUID

    public init(_ tx: Transaction, tenantID: UUID) {
        self.tx = tx
        self.tenantID = tenantID
    }

    /// The tenant's zone (IANA name; UTC for a name this system does not know).
    public func timeZone() async throws -> TimeZone {
        let names = try await tx.query("SELECT time_zone FROM tenants WHERE id = \(tenantID)").decode(String.self).all()
        guard let name = names.first else { throw StoreError.notFound("tenant") }
        return TimeZone(identifier: name) ?? .gmt
    }

    /// A new schedule owned by `ownerID`; its first run is the first scheduled instant from now.
    public func create(owner ownerID: UUID, _ settings: ExportScheduleSettings) async throws -> ExportScheduleRecord {
        let now = tx.clock.now()
        let id = tx.ids.make()
        let next = settings.period.nextRun(after: now, in: try await timeZone())
        let values = try Columns(settings)
        try await tx.execute("""
            INSERT INTO export_schedules (tenant_id, id, owner_id, name, frequency, weekday, day_of_month, local_time, window_kind,
                                          format, row_kind, filter, selection, include_attachments, include_customer_info,
                                          embed_images, watermark, file_name_pattern, paused, next_run_at, created_at, updated_at)
            VALUES (\(tenantID), \(id), \(ownerID), \(settings.name), \(values.frequency), \(values.weekday), \(values.dayOfMonth),
                    \(values.time), \(settings.window.rawValue), \(settings.format.rawValue), \(settings.rowKind.rawValue),
                    \(values.filter)::jsonb, \(values.selection)::jsonb, \(settings.includeAttachments),
                    \(settings.includeCustomerInfo), \(settings.embedImages), \(settings.watermark), \(settings.fileNamePattern),
                    \(settings.paused), \(next), \(now), \(now))
            """)
        return try await schedule(id)
    }

    public func schedule(_ id: UUID) async throws -> ExportScheduleRecord {
        let rows = try await tx.query("""
            SELECT \(unescaped: ExportScheduleRecord.columns) FROM export_schedules WHERE tenant_id = \(tenantID) AND id = \(id)
            """)
        guard let schedule = try await ExportScheduleRecord.decode(rows).first else { throw StoreError.notFound("export schedule") }
        return schedule
    }

    /// Newest first.
    public func list(after cursor: KeysetCursor?, limit: Int) async throws -> Page<ExportScheduleRecord> {
        let rows = try await tx.query("""
            SELECT \(unescaped: ExportScheduleRecord.columns) FROM export_schedules
            WHERE tenant_id = \(tenantID) AND (\(cursor?.id)::uuid IS NULL OR id < \(cursor?.id))
            ORDER BY id DESC
            LIMIT \(limit + 1)
            """)
        let schedules = try await ExportScheduleRecord.decode(rows)
        // Ids are UUIDv7: id order is creation order, and the cursor carries the id.
        return Page(items: Array(schedules.prefix(limit)),
                    nextCursor: schedules.count > limit ? KeysetCursor(time: schedules[limit - 1].createdAt, id: schedules[limit - 1].id) : nil)
    }

    /// Replaces the settings. The next run is computed again from now when the timing
    /// changed or the schedule is resumed (a resumed schedule does not catch up on the
    /// periods it was paused for); any change drops a worker's claim, so a run counted under
    /// the old settings is not committed (the next round runs it under the new ones).
    public func update(_ id: UUID, _ settings: ExportScheduleSettings) async throws -> ExportScheduleRecord {
        let rows = try await tx.query("""
            SELECT \(unescaped: ExportScheduleRecord.columns) FROM export_schedules
            WHERE tenant_id = \(tenantID) AND id = \(id) FOR UPDATE
            """)
        guard let current = try await ExportScheduleRecord.decode(rows).first else { throw StoreError.notFound("export schedule") }
        let now = tx.clock.now()
        let reschedule = current.settings.period != settings.period || (current.settings.paused && !settings.paused)
        let next = reschedule ? settings.period.nextRun(after: now, in: try await timeZone()) : current.nextRunAt
        let values = try Columns(settings)
        try await tx.execute("""
            UPDATE export_schedules
            SET name = \(settings.name), frequency = \(values.frequency), weekday = \(values.weekday),
                day_of_month = \(values.dayOfMonth), local_time = \(values.time), window_kind = \(settings.window.rawValue),
                format = \(settings.format.rawValue), row_kind = \(settings.rowKind.rawValue), filter = \(values.filter)::jsonb,
                selection = \(values.selection)::jsonb, include_attachments = \(settings.includeAttachments),
                include_customer_info = \(settings.includeCustomerInfo), embed_images = \(settings.embedImages),
                watermark = \(settings.watermark), file_name_pattern = \(settings.fileNamePattern), paused = \(settings.paused),
                next_run_at = \(next), claimed_by = NULL, claim_id = NULL, claimed_until = NULL, updated_at = \(now)
            WHERE tenant_id = \(tenantID) AND id = \(id)
            """)
        return try await schedule(id)
    }

    /// Deletes the schedule; jobs it queued stay (they name it in `schedule_id`).
    public func delete(_ id: UUID) async throws {
        let rows = try await tx.query("DELETE FROM export_schedules WHERE tenant_id = \(tenantID) AND id = \(id) RETURNING 1")
        guard try await !rows.decode(Int.self).all().isEmpty else { throw StoreError.notFound("export schedule") }
    }

    /// The settings as column values.
    private struct Columns {
        let frequency: String
        let weekday: Int?
        let dayOfMonth: Int?
        let time: String
        let filter: String
        let selection: String

        init(_ settings: ExportScheduleSettings) throws {
            frequency = settings.period.frequency.rawValue
            switch settings.period.recurrence {
            case .daily: (weekday, dayOfMonth) = (nil, nil)
            case .weekly(let day): (weekday, dayOfMonth) = (day.isoNumber, nil)
            case .monthly(let day): (weekday, dayOfMonth) = (nil, day)
            }
            time = settings.period.time.text
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            filter = String(decoding: try encoder.encode(settings.filter), as: UTF8.self)
            var selection = settings.selection
            selection.filter.from = nil
            selection.filter.to = nil
            self.selection = String(decoding: try encoder.encode(selection), as: UTF8.self)
        }
    }
}

/// What a worker decided for a claimed schedule's due period (`ExportScheduleQueue.complete`).
public enum ScheduledRunDecision: Sendable {
    /// Queue this job (once per period: ON CONFLICT DO NOTHING).
    case queue(NewExportJob)
    /// Queue nothing for the period; record why.
    case skip(reason: String)
    /// Queue nothing for the period; record why and tell the owner (`export.schedule_failed`).
    case refuse(reason: String)
}

/// What `complete` did.
public enum ScheduledRunResult: Sendable, Equatable {
    /// The period's job was queued.
    case queued(UUID)
    /// The period already had its job (queued before the schedule was changed, or by a worker
    /// whose claim ran out): nothing new.
    case alreadyQueued
    /// The period queued nothing, as decided.
    case skipped
    /// The claim was gone (an admin changed, paused or deleted the schedule, or another worker
    /// took over): nothing was written.
    case superseded
}

/// Export schedules as workers see them: claim the due ones across tenants, then commit each
/// period exactly once.
public struct ExportScheduleQueue: Sendable {
    let database: Database
    /// Names this worker in `claimed_by` (for people; the claim id is what counts).
    public let workerID: String

    public init(database: Database, workerID: String) {
        self.database = database
        self.workerID = workerID
    }

    /// Claims up to `limit` due schedules (not paused, `next_run_at` passed, not claimed by a
    /// live claim), under a claim id of this call's, valid for `lease`, in the worker scope.
    /// Two workers never claim the same schedule at once: the rows are locked with FOR
    /// UPDATE SKIP LOCKED, and a claimed row is not claimable again before it runs out.
    public func claim(lease: Duration, limit: Int) async throws -> [ExportScheduleRecord] {
        try await database.withScope(.worker) { tx in
            let now = tx.clock.now()
            let until = now.addingTimeInterval(lease.seconds)
            // One claim id for the batch: it is this claim's, no other worker's or round's.
            let claim = UUID()
            let rows = try await tx.query("""
                UPDATE export_schedules s
                SET claimed_by = \(workerID), claim_id = \(claim), claimed_until = \(until)
                FROM (SELECT tenant_id, id FROM export_schedules
                      WHERE NOT paused AND next_run_at <= \(now) AND (claimed_until IS NULL OR claimed_until < \(now))
                      ORDER BY next_run_at
                      LIMIT \(limit)
                      FOR UPDATE SKIP LOCKED) due
                WHERE s.tenant_id = due.tenant_id AND s.id = due.id
                RETURNING \(unescaped: ExportScheduleRecord.columns.replacingOccurrences(of: "tenant_id, id,", with: "s.tenant_id, s.id,"))
                """)
            return try await ExportScheduleRecord.decode(rows).sorted { $0.nextRunAt < $1.nextRunAt }
        }
    }

    /// The tenant's zone, read in its own scope (for a run whose owner's scope is gone).
    public func timeZone(of tenantID: UUID) async throws -> TimeZone {
        try await database.withScope(.tenant(tenantID)) { tx in
            try await ExportScheduleRepository(tx, tenantID: tenantID).timeZone()
        }
    }

    /// Commits the period scheduled at `run`, in one transaction in the tenant's scope: if
    /// the schedule still holds this claim, queues the job (ON CONFLICT (tenant_id,
    /// schedule_id, period_start) DO NOTHING: one job per period whatever races), or records
    /// why not (and notifies the owner for `.refuse`), and moves `next_run_at` to `next`.
    public func complete(_ schedule: ExportScheduleRecord, run: Date, next: Date,
                         decision: ScheduledRunDecision) async throws -> ScheduledRunResult {
        guard let claim = schedule.claimID else { return .superseded }
        let tenantID = schedule.tenantID
        return try await database.withScope(.tenant(tenantID)) { tx in
            let held = try await tx.query("""
                SELECT 1 FROM export_schedules
                WHERE tenant_id = \(tenantID) AND id = \(schedule.id) AND claim_id = \(claim) AND NOT paused
                FOR UPDATE
                """).decode(Int.self).all()
            guard !held.isEmpty else { return .superseded }
            var result = ScheduledRunResult.skipped
            var error: String?
            switch decision {
            case .queue(let job):
                if let id = try await insert(job, tx: tx, tenantID: tenantID) {
                    result = .queued(id)
                    try await AuditLog(tx, tenantID: tenantID).record(
                        actor: schedule.ownerID, action: "export.created", targetType: "export", targetID: id,
                        details: ["scheduleId": schedule.id.uuidString.lowercased()])
                } else {
                    result = .alreadyQueued
                }
            case .skip(let reason):
                error = reason
            case .refuse(let reason):
                error = reason
                _ = try await NotificationRepository(tx, tenantID: tenantID).post(
                    to: schedule.ownerID, kind: "export.schedule_failed", title: "A scheduled export was skipped",
                    body: "\(schedule.settings.name): \(reason)",
                    link: "/v1/export-schedules/\(schedule.id.uuidString.lowercased())",
                    subjectType: "export_schedule", subjectID: schedule.id)
            }
            let jobID: UUID? = if case .queued(let id) = result { id } else { nil }
            try await tx.execute("""
                UPDATE export_schedules
                SET next_run_at = \(next), last_run_at = \(run), last_job_id = COALESCE(\(jobID), last_job_id),
                    last_error = \(error.map { String($0.prefix(1_000)) }), claimed_by = NULL, claim_id = NULL, claimed_until = NULL
                WHERE tenant_id = \(tenantID) AND id = \(schedule.id)
                """)
            return result
        }
    }

    /// The job, unless its period already has one; its id when inserted.
    private func insert(_ job: NewExportJob, tx: Transaction, tenantID: UUID) async throws -> UUID? {
        let now = tx.clock.now()
        let selection = try String(decoding: JSONEncoder().encode(job.selection), as: UTF8.self)
        let options = try String(decoding: JSONEncoder().encode(job.options), as: UTF8.self)
        let key = ExportJobRecord.objectKey(tenantID: tenantID, jobID: job.id, format: job.format)
        let rows = try await tx.query("""
            INSERT INTO export_jobs (tenant_id, id, requested_by, format, row_kind, selection, options, file_name,
                                     object_key, rows_total, run_after, created_at, schedule_id, period_start)
            VALUES (\(tenantID), \(job.id), \(job.requestedBy), \(job.format.rawValue), \(job.rowKind.rawValue),
                    \(selection)::jsonb, \(options)::jsonb, \(job.fileName), \(key), \(job.rowsTotal), \(now), \(now),
                    \(job.scheduleID), \(job.periodStart))
            ON CONFLICT (tenant_id, schedule_id, period_start) DO NOTHING
            RETURNING id
            """)
        return try await rows.decode(UUID.self).all().first
    }
}

extension ExportScheduleRecord {
    static let columns = """
        tenant_id, id, owner_id, name, frequency, weekday, day_of_month, local_time, window_kind, format, row_kind,
        filter::text, selection::text, include_attachments, include_customer_info, embed_images, watermark, file_name_pattern,
        paused, next_run_at, last_run_at, last_job_id, last_error, created_at, updated_at, claim_id
        """

    static func decode(_ rows: PostgresRowSequence) async throws -> [ExportScheduleRecord] {
        var schedules: [ExportScheduleRecord] = []
        let decoder = JSONDecoder()
        for try await row in rows {
            let cells = row.makeRandomAccess()
            func cell<T: PostgresDecodable>(_ index: Int, _ type: T.Type = T.self) throws -> T {
                try cells[index].decode(T.self, context: .default)
            }
            let id: UUID = try cell(1)
            let weekday: Int16? = try cell(5), day: Int16? = try cell(6)
            let recurrence: ExportSchedulePeriod.Recurrence?
            switch try cell(4, String.self) {
            case "daily": recurrence = .daily
            case "weekly": recurrence = weekday.flatMap { Weekday(isoNumber: Int($0)) }.map { .weekly($0) }
            case "monthly": recurrence = day.map { .monthly(day: Int($0)) }
            default: recurrence = nil
            }
            guard let recurrence, let time = LocalTime(try cell(7, String.self)),
                  let period = ExportSchedulePeriod(recurrence, at: time),
                  let window = ExportWindow(rawValue: try cell(8)), let format = ExportFormat(rawValue: try cell(9)),
                  let rowKind = ExportRowKind(rawValue: try cell(10)) else {
                throw StoreError.corrupt("export schedule \(id) has an unknown frequency, time, window, format or row kind")
            }
            let settings = ExportScheduleSettings(
                name: try cell(3), period: period, window: window, format: format, rowKind: rowKind,
                filter: try decoder.decode([String: String].self, from: Data((try cell(11, String.self)).utf8)),
                selection: try decoder.decode(ConversationQuery.self, from: Data((try cell(12, String.self)).utf8)),
                includeAttachments: try cell(13), includeCustomerInfo: try cell(14), embedImages: try cell(15),
                watermark: try cell(16), fileNamePattern: try cell(17), paused: try cell(18))
            schedules.append(ExportScheduleRecord(
                tenantID: try cell(0), id: id, ownerID: try cell(2), settings: settings, nextRunAt: try cell(19),
                lastRunAt: try cell(20), lastJobID: try cell(21), lastError: try cell(22), createdAt: try cell(23),
                updatedAt: try cell(24), claimID: try cell(25)))
        }
        return schedules
    }
}
