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
        format = try InputRules.enumeration(body.format, as: ExportFormat.self, field: "format")
        rowKind = try body.rows.map { try InputRules.enumeration($0, as: ExportRowKind.self, field: "rows") } ?? .messages
        if rowKind == .both && format != .xlsx {
            throw APIError.badRequest("both sheets fit only an xlsx file; choose messages or conversations", field: "rows")
        }
        let given = [body.conversationId != nil, body.conversationIds != nil, body.filter != nil].filter { $0 }.count
        guard given == 1 else {
            throw APIError.badRequest("give exactly one of conversationId, conversationIds or filter", field: "conversationId")
        }
        if let id = body.conversationId {
            selection = .conversations([id])
        } else if let ids = body.conversationIds {
            guard (1...CreateExportRequest.maxConversationIDs).contains(ids.count) else {
                throw APIError.badRequest("1 to \(CreateExportRequest.maxConversationIDs) ids; use a filter for more", field: "conversationIds")
            }
            var seen = Set<UUID>()
            selection = .conversations(ids.filter { seen.insert($0).inserted })
        } else {
            let filter = body.filter ?? [:]
            if let unknown = filter.keys.sorted().first(where: { !CreateExportRequest.filterNames.contains($0) }) {
                throw APIError.badRequest("not a parameter of GET /v1/conversations", field: "filter.\(unknown)")
            }
            selection = .filter(try ListQuery(QueryParameters(values: filter, fieldPrefix: "filter."), now: now,
                                              keywordRequired: false, caller: caller))
        }
        includeAttachments = body.includeAttachments ?? true
        includeCustomerInfo = body.includeCustomerInfo ?? false
        embedImages = body.embedImages ?? false
        if embedImages && format != .pdf { throw APIError.badRequest("images are embedded only in PDF files", field: "embedImages") }
        if let watermark = body.watermark {
            guard format == .pdf else { throw APIError.badRequest("only PDF files carry a watermark", field: "watermark") }
            _ = try InputRules.optionalText(watermark.isEmpty ? nil : watermark, field: "watermark", length: 1...100)
        }
        watermark = body.watermark
        fileNamePattern = body.fileName ?? ExportFileName.defaultPattern
        // The pattern's shape is checked now; its values are known only in the transaction.
        do {
            _ = try ExportFileName.make(pattern: fileNamePattern, values: Dictionary(uniqueKeysWithValues:
                ExportFileName.placeholders.map { ($0, "x") }), fileExtension: format.fileExtension)
        } catch {
            throw APIError.badRequest(Self.describe(error), field: "fileName")
        }
    }

    func create(_ tx: Transaction, user: ResolvedUser, services: Services) async throws -> ExportJobRecord {
        let jobs = ExportJobRepository(tx, tenantID: user.tenantID)
        let limits = try await jobs.limits(for: user.userID)
        guard limits.exportEnabled else {
            throw APIError.forbidden("the \(limits.planCode) plan does not include exports; upgrade the plan to export")
        }
        guard user.mayExport else { throw APIError.forbidden("your role may not export") }

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
        let counted = try await ExportReader(tx, tenantID: user.tenantID).count(resolved.filter, stopAfter: limits.rowCap)
        let rows = ExportRowCount.rows(format: format, rowKind: rowKind, conversations: counted.conversations, messages: counted.messages)
        guard rows <= limits.rowCap else {
            // Counting stops soon after the cap: `rows` is then a lower bound.
            throw ValidationError(field: "filter", reason: "the export would hold at least \(rows) rows; the plan allows \(limits.rowCap) per export")
        }

        let id = tx.ids.make()
        let now = tx.clock.now()
        let zone = TimeZone(identifier: limits.timeZone) ?? .gmt
        let fileName = try ExportFileName.make(pattern: fileNamePattern, values: fileNameValues(
            id: id, now: now, zone: zone, tenant: limits.tenantSlug, user: limits.userName, rows: rows, query: query),
            fileExtension: format.fileExtension)
        let options = ExportOptions(
            includeAttachmentLinks: includeAttachments, includeCustomerInfo: includeCustomerInfo, embedImages: embedImages,
            watermark: format == .pdf ? (watermark.map { $0.isEmpty ? nil : $0 } ?? "\(limits.userName) · \(Self.stamp(now, zone))") : nil,
            title: "\(limits.tenantName) — conversations", tenantName: limits.tenantName, exporterName: limits.userName,
            timeZone: zone.identifier)
        let job = try await jobs.create(NewExportJob(
            id: id, requestedBy: user.userID, format: format, rowKind: rowKind, selection: query, options: options,
            fileName: fileName, rowsTotal: rows))
        try await AuditLog(tx, tenantID: user.tenantID)
            .record(actor: user.userID, action: "export.created", targetType: "export", targetID: id)
        return job
    }

    private func fileNameValues(id: UUID, now: Date, zone: TimeZone, tenant: String, user: String, rows: Int,
                                query: ConversationQuery) -> [String: String] {
        [
            "tenant": tenant,
            "from": query.filter.from.map { Self.day($0, zone) } ?? "start",
            "to": query.filter.to.map { Self.day($0, zone) } ?? Self.day(now, zone),
            "format": format.rawValue,
            "date": Self.day(now, zone),
            "rows": "\(rows)",
            "id": String(id.uuidString.lowercased().suffix(8)),
            "user": user,
        ]
    }

    static func day(_ date: Date, _ zone: TimeZone) -> String {
        let c = Calendar(identifier: .gregorian).dateComponents(in: zone, from: date)
        return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
    }

    static func stamp(_ date: Date, _ zone: TimeZone) -> String {
        let c = Calendar(identifier: .gregorian).dateComponents(in: zone, from: date)
        return day(date, zone) + String(format: " %02d:%02d", c.hour ?? 0, c.minute ?? 0)
    }

    static func describe(_ problem: ExportFileName.Problem) -> String {
        switch problem {
        case .unknownPlaceholder(let name):
            "unknown placeholder {\(name)}; use \(ExportFileName.placeholders.sorted().map { "{\($0)}" }.joined(separator: ", "))"
        case .unclosedBrace: "a { without its }"
        case .tooLong: "at most \(ExportFileName.maxPatternLength) characters"
        case .empty: "the pattern gives an empty name"
        }
    }
}
