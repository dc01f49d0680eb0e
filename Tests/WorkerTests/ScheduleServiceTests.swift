import Domain
import Foundation
import Logging
import ObjectStorage
import PostgresNIO
import Store
import TestSupport
import Testing
@testable import Worker

/// The export scheduler against the real database, with an injected clock: one job per
/// period however many workers race, next runs, pauses, missed periods, owners gone, the
/// plan's cap, and the queued job running through the export worker.
///
/// The tenant is in Asia/Shanghai (UTC+8, no summer time). The schedule runs daily at 09:00
/// local over the previous day; `run` is 09:00 three days ago, and the fixture's three
/// conversations (two messages each) started at 12:00 the day before, inside its window.
@Suite("Export scheduler")
struct ScheduleServiceTests {
    typealias ManualClock = ExportServiceTests.ManualClock

    static let zone = TimeZone(identifier: "Asia/Shanghai")!
    static let day: TimeInterval = 86_400

    struct Setup: Sendable {
        let db: TestDatabase
        let database: Database
        let clock: ManualClock
        let fixture: TenantFixture
        /// Local midnight (Shanghai) of the first run's day.
        let runDay: Date
        /// The first run: 09:00 local that day.
        var run: Date { runDay.addingTimeInterval(9 * 3_600) }

        func scheduler(_ name: String) -> ScheduleService {
            var settings = ScheduleService.Settings()
            settings.pollInterval = .milliseconds(20)
            return ScheduleService(database: database, workerID: name, settings: settings, logger: TestDatabase.logger)
        }

        func settings(_ format: ExportFormat = .csv, rows: ExportRowKind = .messages, paused: Bool = false,
                      time: String = "09:00") -> ExportScheduleSettings {
            ExportScheduleSettings(
                name: "Daily backup", period: ExportSchedulePeriod(.daily, at: LocalTime(time)!)!, window: .previousDay,
                format: format, rowKind: rows, filter: [:], selection: ConversationQuery(), includeAttachments: true,
                includeCustomerInfo: false, embedImages: false, watermark: nil, fileNamePattern: "{tenant}-{from}-{to}",
                paused: paused)
        }

        /// A schedule made by the tenant's admin, as the API would.
        func schedule(_ settings: ExportScheduleSettings? = nil) async throws -> ExportScheduleRecord {
            let admin = fixture.principal("admin")
            return try await database.withScope(.user(admin)) { tx in
                try await ExportScheduleRepository(tx, tenantID: fixture.tenantID).create(owner: admin.userID, settings ?? self.settings())
            }
        }

        func current(_ id: UUID) async throws -> ExportScheduleRecord {
            try await database.withScope(.tenant(fixture.tenantID)) { tx in
                try await ExportScheduleRepository(tx, tenantID: fixture.tenantID).schedule(id)
            }
        }

        func change(_ id: UUID, _ edit: @Sendable (inout ExportScheduleSettings) -> Void) async throws -> ExportScheduleRecord {
            let admin = fixture.principal("admin")
            return try await database.withScope(.user(admin)) { tx in
                let schedules = ExportScheduleRepository(tx, tenantID: fixture.tenantID)
                var settings = try await schedules.schedule(id).settings
                edit(&settings)
                return try await schedules.update(id, settings)
            }
        }

        struct Job: Sendable {
            let id: UUID
            let periodStart: Date
            let rowsTotal: Int
            let fileName: String
            let requestedBy: UUID
        }

        /// The jobs the schedule queued, oldest period first (seen past RLS).
        func jobs(of schedule: UUID) async throws -> [Job] {
            let rows = try await db.superuserRows("""
                SELECT id, period_start, rows_total, file_name, requested_by FROM export_jobs
                WHERE schedule_id = '\(schedule.uuidString.lowercased())' ORDER BY period_start
                """)
            return try rows.map { row in
                let (id, start, total, name, by) = try row.decode((UUID, Date, Int, String, UUID).self)
                return Job(id: id, periodStart: start, rowsTotal: total, fileName: name, requestedBy: by)
            }
        }

        func notifications() async throws -> [String] {
            let rows = try await db.superuserRows(
                "SELECT kind FROM notifications WHERE tenant_id = '\(fixture.tenantID.uuidString.lowercased())' ORDER BY id")
            return try rows.map { try $0.decode(String.self) }
        }

        func sql(_ statement: String) async throws {
            _ = try await db.superuserRows(statement)
        }
    }

    static func with(_ body: @escaping @Sendable (Setup) async throws -> Void) async throws {
        try await TestDatabase.with { db in
            // Three days ago, local midnight in Shanghai (within the partitions the schema keeps).
            let now = Date().timeIntervalSince1970
            let midnight = ((now + 8 * 3_600) / day).rounded(.down) * day - 8 * 3_600
            let runDay = Date(timeIntervalSince1970: midnight - 3 * day)
            let fixture = try await TenantFixture.make(in: db, slug: "sched",
                                                       conversationsAt: runDay.addingTimeInterval(-12 * 3_600))
            _ = try await db.superuserRows(
                "UPDATE tenants SET time_zone = 'Asia/Shanghai' WHERE id = '\(fixture.tenantID.uuidString.lowercased())'")
            // Outside the first window: the run's own day, and two days before it.
            for (name, offset) in [("later", 10.0 * 3_600), ("earlier", -36.0 * 3_600)] {
                _ = try await fixture.ingestConversation(
                    in: db, externalID: "\(fixture.slug)-\(name)", customer: "\(fixture.slug)-customer-\(name)",
                    agent: fixture.users["agentA"]!, department: fixture.departments["afterSales"], at: runDay.addingTimeInterval(offset))
            }
            let clock = ManualClock()
            // An hour before the first run.
            clock.advance(runDay.addingTimeInterval(8 * 3_600).timeIntervalSince(clock.clock.now()))
            let database = db.database(clock: clock.clock)
            try await body(Setup(db: db, database: database, clock: clock, fixture: fixture, runDay: runDay))
        }
    }

    @Test("two schedulers running their rounds at once queue exactly one job per period, period after period")
    func exactlyOnceUnderConcurrency() async throws {
        try await Self.with { s in
            let schedule = try await s.schedule()
            #expect(schedule.nextRunAt == s.run)
            let first = s.scheduler("first"), second = s.scheduler("second")
            for period in 0..<5 {
                s.clock.advance(period == 0 ? 3_600 + 30 : Self.day)
                let claimed = await withTaskGroup(of: Int.self) { group in
                    group.addTask { (try? await first.runRound()) ?? -1 }
                    group.addTask { (try? await second.runRound()) ?? -1 }
                    return await group.reduce(into: [Int]()) { $0.append($1) }
                }
                #expect(claimed.sorted() == [0, 1], "period \(period): \(claimed)")
                let jobs = try await s.jobs(of: schedule.id)
                #expect(jobs.count == period + 1, "period \(period)")
                let runAt = s.run.addingTimeInterval(Double(period) * Self.day)
                #expect(jobs.last?.periodStart == runAt.addingTimeInterval(-33 * 3_600))
                let now = try await s.current(schedule.id)
                #expect(now.nextRunAt == runAt.addingTimeInterval(Self.day))
                #expect(now.lastRunAt == runAt)
                #expect(now.lastJobID == jobs.last?.id)
                #expect(now.lastError == nil)
                #expect(now.claimID == nil)
            }
            let jobs = try await s.jobs(of: schedule.id)
            #expect(Set(jobs.map(\.periodStart)).count == 5)
            // The first window held the fixture's six messages, the second the later conversation's two.
            #expect(jobs.prefix(2).map(\.rowsTotal) == [6, 2])
            #expect(jobs.allSatisfy { $0.requestedBy == s.fixture.users["admin"] })
            // Nothing more is due.
            #expect(try await first.runRound() == 0)
        }
    }

    @Test("the queued job runs through the export worker: the window's rows only, and the owner is notified")
    func queuedJobRunsAndNotifies() async throws {
        try await Self.with { s in
            let schedule = try await s.schedule()
            s.clock.advance(3_600 + 30)
            #expect(try await s.scheduler("w").runRound() == 1)
            let job = try #require(try await s.jobs(of: schedule.id).first)
            let from = ExportFileName.day(s.runDay.addingTimeInterval(-Self.day), Self.zone)
            let to = ExportFileName.day(s.runDay, Self.zone)
            #expect(job.fileName == "\(s.fixture.slug)-\(from)-\(to).csv")

            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("parley-schedule-\(UUID().uuidString.lowercased())")
            defer { try? FileManager.default.removeItem(at: folder) }
            var settings = ExportService.Settings()
            settings.images = nil
            let exports = ExportService(database: s.database, store: FileObjectStore(root: folder), workerID: "exports",
                                        settings: settings, logger: TestDatabase.logger)
            #expect(try await exports.runNext())
            let done = try await s.database.withScope(.tenant(s.fixture.tenantID)) { tx in
                try await ExportJobRepository(tx, tenantID: s.fixture.tenantID).job(job.id)
            }
            #expect(done.status == .succeeded)
            #expect(done.rowsDone == 6)
            #expect(done.selection.filter.from == s.runDay.addingTimeInterval(-Self.day))
            #expect(done.selection.filter.to == s.runDay)
            #expect(done.options.title.contains("Daily backup"))
            #expect(try await s.notifications() == ["export.succeeded"])
            let owner = try await s.db.superuserRows(
                "SELECT user_id FROM notifications WHERE tenant_id = '\(s.fixture.tenantID.uuidString.lowercased())'")
            #expect(try owner.map { try $0.decode(UUID.self) } == [s.fixture.users["admin"]!])
            let audit = try await s.db.superuserRows(
                "SELECT action FROM audit_events WHERE target_id = '\(job.id.uuidString.lowercased())'")
            #expect(try audit.map { try $0.decode(String.self) } == ["export.created"])
        }
    }

    @Test("a paused schedule does not run; resumed, it runs at its next instant after the resume, without catching up")
    func pausedSchedules() async throws {
        try await Self.with { s in
            let schedule = try await s.schedule(s.settings(paused: true))
            let scheduler = s.scheduler("w")
            s.clock.advance(3_600 + 30)
            #expect(try await scheduler.runRound() == 0)
            s.clock.advance(2 * Self.day)
            #expect(try await scheduler.runRound() == 0)
            #expect(try await s.jobs(of: schedule.id).isEmpty)
            // Resumed two days and a bit after the first run: the next run is tomorrow's 09:00.
            let resumed = try await s.change(schedule.id) { $0.paused = false }
            #expect(resumed.nextRunAt == s.run.addingTimeInterval(3 * Self.day))
            #expect(try await scheduler.runRound() == 0)
            s.clock.advance(Self.day)
            #expect(try await scheduler.runRound() == 1)
            #expect(try await s.jobs(of: schedule.id).count == 1)
        }
    }

    @Test("missed for several periods, a schedule runs only the latest one, then continues from after now")
    func missedPeriods() async throws {
        try await Self.with { s in
            let schedule = try await s.schedule()
            // Workers down from before the first run until two hours after the fourth.
            s.clock.advance(3_600 + 3 * Self.day + 2 * 3_600)
            let scheduler = s.scheduler("w")
            #expect(try await scheduler.runRound() == 1)
            #expect(try await scheduler.runRound() == 0)
            let jobs = try await s.jobs(of: schedule.id)
            #expect(jobs.count == 1)
            let latest = s.run.addingTimeInterval(3 * Self.day)
            #expect(jobs.first?.periodStart == s.runDay.addingTimeInterval(2 * Self.day))
            let now = try await s.current(schedule.id)
            #expect(now.lastRunAt == latest)
            #expect(now.nextRunAt == latest.addingTimeInterval(Self.day))
        }
    }

    @Test("an owner disabled or no longer an admin, or a plan without exports: the period is skipped with the reason")
    func ownerAndPlanRules() async throws {
        try await Self.with { s in
            let schedule = try await s.schedule()
            let scheduler = s.scheduler("w")
            let tenant = s.fixture.tenantID.uuidString.lowercased()
            let admin = s.fixture.users["admin"]!.uuidString.lowercased()

            try await s.sql("UPDATE users SET disabled = true WHERE id = '\(admin)'")
            s.clock.advance(3_600 + 30)
            #expect(try await scheduler.runRound() == 1)
            var now = try await s.current(schedule.id)
            #expect(now.lastError?.contains("gone or disabled") == true, "\(now.lastError ?? "")")
            #expect(now.nextRunAt == s.run.addingTimeInterval(Self.day))
            #expect(now.lastRunAt == s.run)

            try await s.sql("UPDATE users SET disabled = false, role = 'supervisor' WHERE id = '\(admin)'")
            s.clock.advance(Self.day)
            #expect(try await scheduler.runRound() == 1)
            now = try await s.current(schedule.id)
            #expect(now.lastError?.contains("no longer an admin") == true, "\(now.lastError ?? "")")

            try await s.sql("UPDATE users SET role = 'admin' WHERE id = '\(admin)'")
            try await s.sql("UPDATE tenants SET plan_code = 'trial' WHERE id = '\(tenant)'")
            s.clock.advance(Self.day)
            #expect(try await scheduler.runRound() == 1)
            now = try await s.current(schedule.id)
            #expect(now.lastError?.contains("trial plan does not include exports") == true, "\(now.lastError ?? "")")

            #expect(try await s.jobs(of: schedule.id).isEmpty)
            #expect(try await s.notifications().isEmpty)

            // Back on a plan with exports: the next period runs and the error is cleared.
            try await s.sql("UPDATE tenants SET plan_code = 'enterprise' WHERE id = '\(tenant)'")
            s.clock.advance(Self.day)
            #expect(try await scheduler.runRound() == 1)
            now = try await s.current(schedule.id)
            #expect(now.lastError == nil)
            #expect(try await s.jobs(of: schedule.id).count == 1)
        }
    }

    @Test("over the plan's row cap: no job for the period, the reason recorded and the owner notified once")
    func overTheCap() async throws {
        try await Self.with { s in
            let plan = "cap3_" + s.fixture.slug.replacingOccurrences(of: "-", with: "_").prefix(25)
            try await s.sql("""
                INSERT INTO plans (code, name, history_visible_days, export_enabled, export_row_cap, custom_retention_allowed)
                VALUES ('\(plan)', 'Cap of 3', NULL, true, 3, false)
                """)
            try await s.sql("UPDATE tenants SET plan_code = '\(plan)' WHERE id = '\(s.fixture.tenantID.uuidString.lowercased())'")
            let schedule = try await s.schedule()
            s.clock.advance(3_600 + 30)
            let first = s.scheduler("first"), second = s.scheduler("second")
            _ = await withTaskGroup(of: Int.self) { group in
                group.addTask { (try? await first.runRound()) ?? -1 }
                group.addTask { (try? await second.runRound()) ?? -1 }
                return await group.reduce(0, +)
            }
            #expect(try await s.jobs(of: schedule.id).isEmpty)
            let now = try await s.current(schedule.id)
            let error = try #require(now.lastError)
            #expect(error.contains("6") && error.contains("3"), "\(error)")
            #expect(now.nextRunAt == s.run.addingTimeInterval(Self.day))
            #expect(try await s.notifications() == ["export.schedule_failed"])
            let link = try await s.db.superuserRows(
                "SELECT link, subject_id FROM notifications WHERE tenant_id = '\(s.fixture.tenantID.uuidString.lowercased())'")
            let (url, subject) = try link[0].decode((String, UUID).self)
            #expect(url == "/v1/export-schedules/\(schedule.id.uuidString.lowercased())")
            #expect(subject == schedule.id)
            // Conversation rows fit: the next period queues its job.
            _ = try await s.change(schedule.id) { $0.rowKind = .conversations }
            s.clock.advance(Self.day)
            #expect(try await first.runRound() == 1)
            #expect(try await s.jobs(of: schedule.id).count == 1)
        }
    }

    @Test("a change while a worker holds the claim wins: the old run is not committed, the next round runs the new settings")
    func changeSupersedesAClaim() async throws {
        try await Self.with { s in
            let schedule = try await s.schedule()
            s.clock.advance(3_600 + 30)
            let scheduler = s.scheduler("w")
            let claimed = try #require(try await scheduler.queue.claim(lease: .seconds(300), limit: 10).first)
            // Another worker cannot claim it meanwhile.
            #expect(try await s.scheduler("other").runRound() == 0)
            _ = try await s.change(schedule.id) { $0.rowKind = .conversations }
            #expect(await scheduler.handle(claimed) == .superseded)
            #expect(try await s.jobs(of: schedule.id).isEmpty)
            #expect(try await scheduler.runRound() == 1)
            let jobs = try await s.jobs(of: schedule.id)
            #expect(jobs.map(\.rowsTotal) == [3])
        }
    }

    @Test("a worker whose claim ran out is replaced; it cannot commit the period a second time")
    func expiredClaimIsTakenOver() async throws {
        try await Self.with { s in
            let schedule = try await s.schedule()
            s.clock.advance(3_600 + 30)
            let dead = s.scheduler("dead")
            let claimed = try #require(try await dead.queue.claim(lease: .seconds(300), limit: 10).first)
            s.clock.advance(301)
            #expect(try await s.scheduler("alive").runRound() == 1)
            #expect(await dead.handle(claimed) == .superseded)
            #expect(try await s.jobs(of: schedule.id).count == 1)
        }
    }

    @Test("a period made due again by a change of time is not exported twice (ON CONFLICT on the period)")
    func periodExportedOnce() async throws {
        try await Self.with { s in
            let schedule = try await s.schedule()
            s.clock.advance(3_600 + 30)
            let scheduler = s.scheduler("w")
            #expect(try await scheduler.runRound() == 1)
            // Moved to 10:00 the same day: due again within the hour, over the same window.
            let moved = try await s.change(schedule.id) { $0.period = ExportSchedulePeriod(.daily, at: LocalTime("10:00")!)! }
            #expect(moved.nextRunAt == s.run.addingTimeInterval(3_600))
            s.clock.advance(3_600)
            let claimed = try #require(try await scheduler.queue.claim(lease: .seconds(300), limit: 10).first)
            #expect(await scheduler.handle(claimed) == .alreadyQueued)
            #expect(try await s.jobs(of: schedule.id).count == 1)
            #expect(try await s.current(schedule.id).nextRunAt == s.run.addingTimeInterval(Self.day + 3_600))
        }
    }
}
