import Domain
import Foundation
import Store

/// A `POST /v1/exports` body checked and turned into a job: what the body says is
/// validated first (400 naming the field, nothing written), then, in the caller's
/// transaction, the plan's rules (403 on a plan without exports, 422 over the row cap),
/// the selection's visibility (404 for a conversation the caller cannot see) — all before
/// the job is queued.
struct ExportCreation: Sendable {
    let format: ExportFormat
    let rowKind: ExportRowKind
    let selection: Selection
    let includeAttachments: Bool
    let includeCustomerInfo: Bool
    let embedImages: Bool
    /// `nil`: the default ("exporter · time") for PDFs; "" none.
    let watermark: String?
    let fileNamePattern: String

    enum Selection: Sendable {
        case conversations([UUID])
        case filter(ListQuery)
    }

    init(_ body: CreateExportRequest, now: Date, caller: UUID) throws {
        format = try Self.requestableFormat(body.format)
        rowKind = try Self.rowKind(body.rows, format: format)
        let given = [body.conversationId != nil, body.conversationIds != nil, body.filter != nil].filter { $0 }.count
        guard given == 1 else {
            throw APIError.badRequest("give exactly one of conversationId, conversationIds or filter", field: "conversationId")
        }
        if let id = body.conversationId {
            selection = .conversations([id])
        } else {
            selection = try Self.selection(conversationIds: body.conversationIds, filter: body.filter, now: now, caller: caller)
        }
        includeAttachments = body.includeAttachments ?? true
        includeCustomerInfo = body.includeCustomerInfo ?? false
        (embedImages, watermark, fileNamePattern) = try Self.fileRules(
            format: format, embedImages: body.embedImages, watermark: body.watermark, fileName: body.fileName)
    }

    /// `xlsx`, `csv`, `pdf` or `txt` (422 otherwise): `json` is a customer's data export's
    /// own (`POST /v1/admin/customers/{id}/data-export`). Shared with export schedules.
    static func requestableFormat(_ name: String) throws -> ExportFormat {
        guard let format = ExportFormat(rawValue: name), ExportFormat.requestable.contains(format) else {
            throw ValidationError(field: "format", reason: "must be one of: \(ExportFormat.requestable.map(\.rawValue).joined(separator: ", "))"
                                  + (name == "json" ? " (json is the format of a customer's data export: POST /v1/admin/customers/{id}/data-export)" : ""))
        }
        return format
    }

    /// Chosen conversations (1 to 1,000 ids, repeats dropped) or a filter: exactly one of
    /// them. Shared with batch operations.
    static func selection(conversationIds: [UUID]?, filter: [String: String]?, now: Date, caller: UUID) throws -> Selection {
        switch (conversationIds, filter) {
        case (let ids?, nil):
            guard (1...CreateExportRequest.maxConversationIDs).contains(ids.count) else {
                throw APIError.badRequest("1 to \(CreateExportRequest.maxConversationIDs) ids; use a filter for more", field: "conversationIds")
            }
            var seen = Set<UUID>()
            return .conversations(ids.filter { seen.insert($0).inserted })
        case (nil, let filter?):
            return .filter(try Self.filter(filter, names: CreateExportRequest.filterNames, now: now, caller: caller))
        default:
            throw APIError.badRequest("give exactly one of conversationIds or filter", field: "conversationIds")
        }
    }

    /// `rows` (messages when absent), checked against the format. Shared with export schedules.
    static func rowKind(_ rows: String?, format: ExportFormat) throws -> ExportRowKind {
        let rowKind = try rows.map { try InputRules.enumeration($0, as: ExportRowKind.self, field: "rows") } ?? .messages
        if rowKind == .both && format != .xlsx {
            throw APIError.badRequest("both sheets fit only an xlsx file; choose messages or conversations", field: "rows")
        }
        return rowKind
    }

    /// A `filter` object: parameters of `GET /v1/conversations` among `names`, with that
    /// route's rules; errors name `filter.<name>`. Shared with export schedules.
    static func filter(_ filter: [String: String], names: Set<String>, now: Date, caller: UUID) throws -> ListQuery {
        if let unknown = filter.keys.sorted().first(where: { !names.contains($0) }) {
            throw APIError.badRequest("not a parameter of GET /v1/conversations", field: "filter.\(unknown)")
        }
        return try ListQuery(QueryParameters(values: filter, fieldPrefix: "filter."), now: now, keywordRequired: false, caller: caller)
    }

    /// `embedImages`, `watermark` and `fileName` checked against the format: the first two
    /// fit only PDFs; the pattern's shape is checked now, its values are known only when the
    /// job is made. Shared with export schedules.
    static func fileRules(format: ExportFormat, embedImages: Bool?, watermark: String?, fileName: String?)
        throws -> (embedImages: Bool, watermark: String?, fileNamePattern: String) {
        let embedImages = embedImages ?? false
        if embedImages && format != .pdf { throw APIError.badRequest("images are embedded only in PDF files", field: "embedImages") }
        if let watermark {
            guard format == .pdf else { throw APIError.badRequest("only PDF files carry a watermark", field: "watermark") }
            _ = try InputRules.optionalText(watermark.isEmpty ? nil : watermark, field: "watermark", length: 1...100)
        }
        let pattern = fileName ?? ExportFileName.defaultPattern
        do {
            try ExportFileName.check(pattern: pattern, fileExtension: format.fileExtension)
        } catch {
            throw APIError.badRequest(error.explanation, field: "fileName")
        }
        return (embedImages, watermark, pattern)
    }

    func create(_ tx: Transaction, user: ResolvedUser, services: Services) async throws -> ExportJobRecord {
        let jobs = ExportJobRepository(tx, tenantID: user.tenantID)
        let limits = try await jobs.limits(for: user.userID)
        guard limits.exportEnabled else {
            throw APIError.forbidden("the \(limits.planCode) plan does not include exports; upgrade the plan to export")
        }
        guard limits.mayExport(user.role) else {
            throw APIError.forbidden("this tenant's admins do not let \(user.role.rawValue)s export")
        }

        let query: ConversationQuery
        switch selection {
        case .conversations(let ids):
            var filter = ConversationFilter()
            filter.conversationIDs = ids
            query = ConversationQuery(filter: filter)
            // Every chosen conversation must be one the caller can see: one they cannot is
            // "not found", whoever's it is.
            let visible = try await ConversationRepository(tx, tenantID: user.tenantID).list(filter, after: nil, limit: ids.count)
            guard visible.items.count == ids.count else { throw StoreError.notFound("conversation") }
        case .filter(let list):
            try await list.admitContactFilters(tx, user: user, services: services)
            query = list.conversationQuery
        }
        let resolved = try await query.resolve(tx, tenantID: user.tenantID)
        if let capped = resolved.capped.first {
            throw ValidationError(field: "filter", reason: "\(capped.explanation); narrow the filter so the export holds exactly what it matches")
        }
        let counted = try await ExportReader(tx, tenantID: user.tenantID).count(resolved.filter)
        let rows = ExportRowCount.rows(format: format, rowKind: rowKind, conversations: counted.conversations, messages: counted.messages)
        guard rows <= limits.rowCap else {
            // Counting stops soon after the cap: `rows` is then a lower bound.
            throw ValidationError(field: "filter", reason: "the export would hold \(rows) rows; \(limits.rowCapExplanation)")
        }

        let id = tx.ids.make()
        let now = tx.clock.now()
        let zone = TimeZone(identifier: limits.timeZone) ?? .gmt
        let fileName = try ExportFileName.make(pattern: fileNamePattern, values: ExportFileName.values(
            id: id, now: now, zone: zone, tenant: limits.tenantSlug, user: limits.userName, rows: rows,
            format: format.rawValue, from: query.filter.from, to: query.filter.to),
            fileExtension: format.fileExtension)
        let options = ExportOptions(
            includeAttachmentLinks: includeAttachments, includeCustomerInfo: includeCustomerInfo, embedImages: embedImages,
            watermark: format == .pdf ? (watermark.map { $0.isEmpty ? nil : $0 } ?? "\(limits.userName) · \(ExportFileName.stamp(now, zone))") : nil,
            title: "\(limits.tenantName) — conversations", tenantName: limits.tenantName, exporterName: limits.userName,
            timeZone: zone.identifier)
        let job = try await jobs.create(NewExportJob(
            id: id, requestedBy: user.userID, format: format, rowKind: rowKind, selection: query, options: options,
            fileName: fileName, rowsTotal: rows))
        try await AuditLog(tx, tenantID: user.tenantID)
            .record(actor: user.userID, action: "export.created", targetType: "export", targetID: id)
        return job
    }
}
