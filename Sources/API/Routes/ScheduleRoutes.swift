import Domain
import Foundation
import Hummingbird
import Store

/// Scheduled exports (PRODUCT.md §5: "Periodic automatic exports (e.g. monthly backup) may
/// be scheduled"): admins create, list, change, pause/resume and delete them; the worker
/// (`ScheduleService`) queues each period's export job once, which then runs as any export
/// and notifies the schedule's owner.
///
/// Rules, in order: credentials (401); the role, in the token and as stored now (403 for
/// anyone but admins: `RoleAbilities.mayScheduleExports`); the body (400/422 naming the
/// field, nothing written); creating and changing need a plan with exports (403 on a trial
/// plan) — listing and deleting do not, so a tenant that lost exports still sees why its
/// schedules stop and may remove them. Another tenant's schedule is 404.
struct ScheduleRoutes {
    let services: Services
    init(_ services: Services) { self.services = services }

    static let bodyLimit = 16 * 1024

    func register(on routes: RouteRecorder) {
        routes.add(.post, "/v1/export-schedules") { request, context in
            var context = context
            let principal = try scheduler(request, &context)
            let body = try await JSONBody.decode(CreateScheduleRequest.self, from: request, limit: Self.bodyLimit)
            let input = try ScheduleInput(body, caller: principal.userID, now: services.now)
            let (schedule, zone) = try await asScheduler(principal, context) { tx, user in
                try await input.admit(tx, user: user, services: services)
                let schedules = ExportScheduleRepository(tx, tenantID: user.tenantID)
                let schedule = try await schedules.create(owner: user.userID, input.settings)
                try await AuditLog(tx, tenantID: user.tenantID)
                    .record(actor: user.userID, action: "export_schedule.created", targetType: "export_schedule", targetID: schedule.id)
                return (schedule, try await schedules.timeZone())
            }
            var response = try JSONBody.response(ScheduleBody(schedule, timeZone: zone), status: .created)
            response.headers[.location] = "/v1/export-schedules/\(schedule.id.uuidString.lowercased())"
            return response
        }

        routes.add(.get, "/v1/export-schedules") { request, context in
            var context = context
            let principal = try scheduler(request, &context)
            let query = QueryParameters(request)
            let cursor = try query.cursor()
            let limit = try query.limit()
            let (page, zone) = try await asScheduler(principal, context) { tx, user in
                let schedules = ExportScheduleRepository(tx, tenantID: user.tenantID)
                return (try await schedules.list(after: cursor, limit: limit), try await schedules.timeZone())
            }
            return try JSONBody.response(ListBody(items: page.items.map { ScheduleBody($0, timeZone: zone) },
                                                  nextCursor: page.nextCursor?.encoded))
        }

        routes.add(.get, "/v1/export-schedules/{scheduleId}") { request, context in
            var context = context
            let principal = try scheduler(request, &context)
            let id = try request.pathID("scheduleId", context: context, what: "export schedule")
            let (schedule, zone) = try await asScheduler(principal, context) { tx, user in
                let schedules = ExportScheduleRepository(tx, tenantID: user.tenantID)
                return (try await schedules.schedule(id), try await schedules.timeZone())
            }
            return try JSONBody.response(ScheduleBody(schedule, timeZone: zone))
        }

        routes.add(.patch, "/v1/export-schedules/{scheduleId}") { request, context in
            var context = context
            let principal = try scheduler(request, &context)
            let id = try request.pathID("scheduleId", context: context, what: "export schedule")
            let body = try await JSONBody.decode(UpdateScheduleRequest.self, from: request, limit: Self.bodyLimit)
            let now = services.now
            let (schedule, zone) = try await asScheduler(principal, context) { tx, user in
                let schedules = ExportScheduleRepository(tx, tenantID: user.tenantID)
                // The change over the schedule as it is, checked whole by the create rules.
                let current = try await schedules.schedule(id)
                let input = try ScheduleInput(body.applied(to: current.settings), caller: current.ownerID, now: now)
                try await input.admit(tx, user: user, services: services)
                let schedule = try await schedules.update(id, input.settings)
                try await AuditLog(tx, tenantID: user.tenantID)
                    .record(actor: user.userID, action: "export_schedule.changed", targetType: "export_schedule", targetID: id)
                return (schedule, try await schedules.timeZone())
            }
            return try JSONBody.response(ScheduleBody(schedule, timeZone: zone))
        }

        routes.add(.delete, "/v1/export-schedules/{scheduleId}") { request, context in
            var context = context
            let principal = try scheduler(request, &context)
            let id = try request.pathID("scheduleId", context: context, what: "export schedule")
            try await asScheduler(principal, context) { tx, user in
                try await ExportScheduleRepository(tx, tenantID: user.tenantID).delete(id)
                try await AuditLog(tx, tenantID: user.tenantID)
                    .record(actor: user.userID, action: "export_schedule.deleted", targetType: "export_schedule", targetID: id)
            }
            return Response(status: .noContent)
        }
    }

    /// The signed-in caller, if their token's role may schedule exports (cheap, before any body or database work).
    private func scheduler(_ request: Request, _ context: inout AppRequestContext) throws -> UserPrincipal {
        let principal = try services.authenticator.user(request, context: &context)
        guard RoleAbilities.mayScheduleExports(principal.role) else { throw APIError.forbidden("only admins may schedule exports") }
        return principal
    }

    /// The caller's transaction, if their role as stored now may schedule exports (the token may predate a demotion).
    private func asScheduler<T: Sendable>(_ principal: UserPrincipal, _ context: AppRequestContext,
                                          _ body: @escaping @Sendable (Transaction, ResolvedUser) async throws -> T) async throws -> T {
        try await services.asUser(principal, context) { tx, user in
            guard RoleAbilities.mayScheduleExports(user.role) else { throw APIError.forbidden("only admins may schedule exports") }
            return try await body(tx, user)
        }
    }
}

/// A schedule body checked and turned into settings: the same rules and field names as
/// `POST /v1/exports` (`ExportCreation`) for what each run exports, plus the timing.
struct ScheduleInput: Sendable {
    let settings: ExportScheduleSettings
    /// The filter as parsed, for the contact-filter rules in the caller's transaction.
    let list: ListQuery

    init(_ body: CreateScheduleRequest, caller: UUID, now: Date) throws {
        let frequency = try InputRules.enumeration(body.frequency, as: ExportFrequency.self, field: "frequency")
        let recurrence: ExportSchedulePeriod.Recurrence
        switch frequency {
        case .daily:
            recurrence = .daily
        case .weekly:
            guard let weekday = body.weekday else {
                throw APIError.badRequest("a weekly schedule needs its weekday (monday … sunday)", field: "weekday")
            }
            recurrence = .weekly(try InputRules.enumeration(weekday, as: Weekday.self, field: "weekday"))
        case .monthly:
            guard let day = body.dayOfMonth else {
                throw APIError.badRequest("a monthly schedule needs its dayOfMonth (1 to 28)", field: "dayOfMonth")
            }
            guard ExportSchedulePeriod.dayOfMonthRange.contains(day) else {
                throw ValidationError(field: "dayOfMonth", reason: "must be 1 to 28: the 29th to 31st do not come every month")
            }
            recurrence = .monthly(day: day)
        }
        if frequency != .weekly, body.weekday != nil {
            throw APIError.badRequest("only weekly schedules take a weekday", field: "weekday")
        }
        if frequency != .monthly, body.dayOfMonth != nil {
            throw APIError.badRequest("only monthly schedules take a dayOfMonth", field: "dayOfMonth")
        }
        guard let time = LocalTime(body.time) else {
            throw APIError.badRequest("must be HH:MM, 00:00 to 23:59, in the tenant's time zone", field: "time")
        }
        let period = ExportSchedulePeriod(recurrence, at: time)!
        let window = try body.window.map { try InputRules.enumeration($0, as: ExportWindow.self, field: "window") }
            ?? .matching(frequency)
        guard window.fits(frequency) else {
            throw ValidationError(field: "window", reason: "a \(window.rawValue) window would repeat across \(frequency.rawValue) runs; "
                                  + "use one no longer than the schedule's period")
        }
        let name = try InputRules.text(body.name ?? "\(frequency.rawValue.capitalized) export", field: "name", length: 1...100)

        let format = try ExportCreation.requestableFormat(body.format)
        let rowKind = try ExportCreation.rowKind(body.rows, format: format)
        let filter = body.filter ?? [:]
        if let timed = filter.keys.sorted().first(where: CreateScheduleRequest.timeFilterNames.contains) {
            throw APIError.badRequest("the schedule's window sets the time; leave preset, from and to out", field: "filter.\(timed)")
        }
        list = try ExportCreation.filter(filter, names: CreateScheduleRequest.filterNames, now: now, caller: caller)
        let (embedImages, watermark, fileNamePattern) = try ExportCreation.fileRules(
            format: format, embedImages: body.embedImages, watermark: body.watermark, fileName: body.fileName)
        settings = ExportScheduleSettings(
            name: name, period: period, window: window, format: format, rowKind: rowKind, filter: filter,
            selection: list.conversationQuery, includeAttachments: body.includeAttachments ?? true,
            includeCustomerInfo: body.includeCustomerInfo ?? false, embedImages: embedImages, watermark: watermark,
            fileNamePattern: fileNamePattern, paused: body.paused ?? false)
    }

    /// The rules that need the caller's transaction: a plan with exports (403 otherwise) and
    /// the contact filters' rights, as for `POST /v1/exports`.
    func admit(_ tx: Transaction, user: ResolvedUser, services: Services) async throws {
        let limits = try await ExportJobRepository(tx, tenantID: user.tenantID).limits(for: user.userID)
        guard limits.exportEnabled else {
            throw APIError.forbidden("the \(limits.planCode) plan does not include exports; upgrade the plan to schedule exports")
        }
        guard limits.mayExport(user.role) else {
            throw APIError.forbidden("this tenant's admins do not let \(user.role.rawValue)s export")
        }
        try await list.admitContactFilters(tx, user: user, services: services)
    }
}
