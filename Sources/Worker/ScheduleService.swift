import Domain
import Foundation
import Logging
import ServiceLifecycle
import Store

/// The export scheduler: every `pollInterval` (30 s) it claims the schedules that are due,
/// across tenants, and queues each one's export job for the period — exactly once, however
/// many workers run it. The job then runs through `ExportService` like any other export and
/// notifies the schedule's owner.
///
/// For each claimed schedule:
/// 1. Under the owner's own scope (`.user(owner)`, their role, departments and plan as stored
///    now): the plan's export rules, the owner's right to schedule, the period's window
///    applied to the filter, and the rows counted (`ExportReader`) against the plan's cap.
/// 2. In one transaction in the tenant's scope (`ExportScheduleQueue.complete`): if the claim
///    still holds, the job is inserted `ON CONFLICT (tenant_id, schedule_id, period_start) DO
///    NOTHING` and `next_run_at` advanced; or, when the period queues nothing, the reason is
///    recorded as the schedule's last error (and, over the cap, the owner is notified).
///
/// Missed periods (no worker ran for days): only the latest missed period runs, then the
/// schedule continues from its next instant after now — one file, not a burst of them, and
/// the file is the most recent complete period. Older missed periods are left out (logged);
/// an admin who needs one exports it by hand with `from`/`to`.
public struct ScheduleService: Service {
    let database: Database
    let queue: ExportScheduleQueue
    let settings: Settings
    let logger: Logger

    public struct Settings: Sendable {
        /// How often to look for due schedules.
        public var pollInterval: Duration = .seconds(30)
        /// How long a claim keeps other workers off a schedule (the counting and commit of a
        /// run take far less; a worker that died mid-run is replaced after this).
        public var claimLease: Duration = .seconds(300)
        /// Schedules claimed at once; a full batch is followed by another round at once.
        public var batchSize = 20
        /// What the service waits on between rounds: the system's clock, or a test's.
        public var waits: any _Concurrency.Clock<Duration> = ContinuousClock()
        public init() {}
    }

    public init(database: Database, workerID: String, settings: Settings = Settings(), logger: Logger) {
        self.database = database
        self.queue = ExportScheduleQueue(database: database, workerID: workerID)
        self.settings = settings
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let handled: Int
            do {
                handled = try await runRound()
            } catch {
                logger.error("could not claim due export schedules", metadata: ["error": "\(String(reflecting: error))"])
                handled = 0
            }
            if handled == settings.batchSize { continue }
            try? await cancelWhenGracefulShutdown { try await settings.waits.sleep(for: settings.pollInterval) }
        }
    }

    /// One round: claims the due schedules (one batch) and handles each. Returns how many were
    /// claimed. Also what tests drive directly.
    @discardableResult
    public func runRound() async throws -> Int {
        let due = try await queue.claim(lease: settings.claimLease, limit: settings.batchSize)
        for schedule in due {
            _ = await handle(schedule)
        }
        return due.count
    }

    /// Decides and commits one claimed schedule's due period; `nil` when it could not be
    /// committed now (the claim then runs out and a later round tries again).
    func handle(_ schedule: ExportScheduleRecord) async -> ScheduledRunResult? {
        var logger = logger
        logger[metadataKey: "tenant_id"] = "\(schedule.tenantID.uuidString.lowercased())"
        logger[metadataKey: "export_schedule_id"] = "\(schedule.id.uuidString.lowercased())"
        let now = database.clock.now()
        do {
            let prepared: Prepared
            do {
                prepared = try await prepare(schedule, now: now, logger: logger)
            } catch StoreError.principalGone {
                let zone = try await queue.timeZone(of: schedule.tenantID)
                let run = schedule.settings.period.latestRun(due: schedule.nextRunAt, notAfter: now, in: zone)
                prepared = Prepared(run: run, zone: zone, decision: .skip(reason: "the owner's account is gone or disabled"))
            } catch let error where !Self.isTransient(error) {
                // Something in the schedule that no retry mends (a filter today's rules refuse):
                // the period is recorded as failed rather than tried again and again.
                let zone = try await queue.timeZone(of: schedule.tenantID)
                let run = schedule.settings.period.latestRun(due: schedule.nextRunAt, notAfter: now, in: zone)
                logger.warning("scheduled export could not be prepared", metadata: ["error": "\(String(reflecting: error))"])
                prepared = Prepared(run: run, zone: zone, decision: .skip(reason: "the export could not be prepared: \(error)"))
            }
            if prepared.run > schedule.nextRunAt {
                logger.warning("export schedule missed periods; running only the latest", metadata: [
                    "missed_from": "\(RFC3339.format(schedule.nextRunAt))", "running": "\(RFC3339.format(prepared.run))",
                ])
            }
            let next = schedule.settings.period.nextRun(after: max(prepared.run, now), in: prepared.zone)
            let result = try await queue.complete(schedule, run: prepared.run, next: next, decision: prepared.decision)
            switch (result, prepared.decision) {
            case (.queued(let id), _):
                logger.info("scheduled export queued", metadata: ["export_id": "\(id.uuidString.lowercased())"])
            case (.skipped, .skip(let reason)), (.skipped, .refuse(let reason)):
                logger.warning("scheduled export skipped", metadata: ["reason": "\(reason)"])
            default:
                logger.info("scheduled export not committed", metadata: ["result": "\(result)"])
            }
            return result
        } catch {
            logger.error("scheduled export failed; a later round tries again", metadata: ["error": "\(String(reflecting: error))"])
            return nil
        }
    }

    struct Prepared: Sendable {
        /// The period's scheduled instant (the latest one due).
        let run: Date
        let zone: TimeZone
        let decision: ScheduledRunDecision
    }

    /// The period's decision, under the owner's scope as it is now.
    private func prepare(_ schedule: ExportScheduleRecord, now: Date, logger: Logger) async throws -> Prepared {
        let owner = UserPrincipal(tenantID: schedule.tenantID, userID: schedule.ownerID, role: .agent)
        // The role above is not used: the scope reads the owner's role, departments and plan
        // window as stored now, and the export shows what they may see today.
        return try await database.withScope(.user(owner), logger: logger) { tx in
            guard let user = tx.user else { throw StoreError.principalGone }
            let tenantID = schedule.tenantID
            let settings = schedule.settings
            let limits = try await ExportJobRepository(tx, tenantID: tenantID).limits(for: user.userID)
            let zone = TimeZone(identifier: limits.timeZone) ?? .gmt
            let run = settings.period.latestRun(due: schedule.nextRunAt, notAfter: now, in: zone)
            func decided(_ decision: ScheduledRunDecision) -> Prepared { Prepared(run: run, zone: zone, decision: decision) }
            guard limits.exportEnabled else {
                return decided(.skip(reason: "the \(limits.planCode) plan does not include exports"))
            }
            guard RoleAbilities.mayScheduleExports(user.role) else {
                return decided(.skip(reason: "the owner is no longer an admin; only admins' schedules run"))
            }
            guard limits.mayExport(user.role) else {
                return decided(.skip(reason: "this tenant's admins do not let \(user.role.rawValue)s export"))
            }
            let window = ExportSchedulePeriod.window(settings.window, forRunAt: run, in: zone)
            let days = "\(ExportFileName.day(window.start, zone)) – \(ExportFileName.day(window.end.addingTimeInterval(-1), zone))"
            var query = settings.selection
            query.filter.from = window.start
            query.filter.to = window.end
            let resolved = try await query.resolve(tx, tenantID: tenantID)
            if let capped = resolved.capped.first {
                return decided(.refuse(reason: "\(days): \(capped.explanation); narrow the schedule's filter"))
            }
            let counted = try await ExportReader(tx, tenantID: tenantID).count(resolved.filter)
            let rows = ExportRowCount.rows(format: settings.format, rowKind: settings.rowKind,
                                           conversations: counted.conversations, messages: counted.messages)
            guard rows <= limits.rowCap else {
                return decided(.refuse(reason: "\(days): the export would hold \(rows) rows; \(limits.rowCapExplanation)"))
            }
            let id = tx.ids.make()
            let created = tx.clock.now()
            let fileName = try ExportFileName.make(
                pattern: settings.fileNamePattern,
                values: ExportFileName.values(id: id, now: created, zone: zone, tenant: limits.tenantSlug, user: limits.userName,
                                              rows: rows, format: settings.format.rawValue, from: window.start, to: window.end),
                fileExtension: settings.format.fileExtension)
            let watermark: String? = settings.format == .pdf
                ? (settings.watermark.map { $0.isEmpty ? nil : $0 } ?? "\(limits.userName) · \(ExportFileName.stamp(created, zone))")
                : nil
            let options = ExportOptions(
                includeAttachmentLinks: settings.includeAttachments, includeCustomerInfo: settings.includeCustomerInfo,
                embedImages: settings.format == .pdf && settings.embedImages, watermark: watermark,
                title: "\(limits.tenantName) — \(settings.name)", tenantName: limits.tenantName, exporterName: limits.userName,
                timeZone: zone.identifier)
            return decided(.queue(NewExportJob(
                id: id, requestedBy: user.userID, format: settings.format, rowKind: settings.rowKind, selection: query,
                options: options, fileName: fileName, rowsTotal: rows, scheduleID: schedule.id, periodStart: window.start)))
        }
    }

    /// Failures worth another try later (the database away, a collision) rather than
    /// recording the period as failed.
    static func isTransient(_ error: any Error) -> Bool {
        switch error {
        case StoreError.unavailable, StoreError.concurrentChange, StoreError.concurrentDuplicate: true
        case is CancellationError: true
        default: false
        }
    }
}
