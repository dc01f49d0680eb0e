import Domain
import Foundation
import Hummingbird
import Store

/// Channel integrations push messages in batches. A batch is atomic: one bad item
/// and nothing is written, with the item named in the problem's `field`.
struct IngestRoutes {
    let services: Services
    init(_ services: Services) { self.services = services }

    static let maxBatch = 1_000
    static let maxTextLength = 20_000
    static let maxExternalIDLength = 200

    func register(on routes: RouteRecorder) {
        routes.add(.post, "/v1/ingest/visits") { request, context in
            var context = context
            let integration = try await services.authenticator.integration(request, context: &context)
            let body = try await JSONBody.decode(IngestVisitsRequest.self, from: request, limit: services.configuration.maxBodyBytes)
            guard (1...Self.maxVisitBatch).contains(body.visits.count) else {
                throw ValidationError(field: "visits", reason: "1 to \(Self.maxVisitBatch) visits per batch")
            }
            let now = services.now
            let visits = try body.visits.enumerated().map { index, visit in try Self.validate(visit, at: "visits[\(index)]", now: now) }
            let created = try await services.database.withScope(.integration(integration), logger: context.logger) { tx in
                try await IngestionRepository(tx, integration: integration).ingestVisits(visits)
            }
            return try JSONBody.response(IngestVisitsResponse(accepted: created, duplicates: visits.count - created))
        }

        routes.add(.post, "/v1/ingest/messages") { request, context in
            var context = context
            let integration = try await services.authenticator.integration(request, context: &context)
            let body = try await JSONBody.decode(IngestRequest.self, from: request, limit: services.configuration.maxBodyBytes)
            guard !body.messages.isEmpty else { throw ValidationError(field: "messages", reason: "must hold at least one message") }
            guard body.messages.count <= Self.maxBatch else {
                throw ValidationError(field: "messages", reason: "at most \(Self.maxBatch) messages per batch; send several batches")
            }
            let now = services.now
            let agents = try await agentsByEmail(body.messages, integration: integration, context: context)
            let batch = try body.messages.enumerated().map { index, item in
                try Self.validate(item, at: "messages[\(index)]", now: now, agents: agents)
            }
            do {
                try await services.database.ensureMessagePartitions(for: batch.map(\.sentAt), scope: .integration(integration),
                                                                    logger: context.logger)
            } catch let limit as NewPartitionLimit {
                throw ValidationError(field: "messages[\(limit.index)].sentAt",
                                      reason: "one batch may reach at most \(limit.limit) months not stored before; send older history in batches of fewer months")
            }
            let results = try await services.database.withScope(.integration(integration), logger: context.logger) { tx in
                try await IngestionRepository(tx, integration: integration).ingest(batch)
            }
            let duplicates = results.filter(\.duplicate).count
            return try JSONBody.response(IngestResponse(
                accepted: results.count - duplicates, duplicates: duplicates,
                results: results.enumerated().map { index, result in
                    .init(index: index, messageId: result.messageID, conversationId: result.conversationID, duplicate: result.duplicate)
                }))
        }
    }

    static let maxVisitBatch = 1_000

    /// The users named by `agentEmail` in the batch, by lower-cased e-mail, in one query
    /// (e-mails are stored lower-cased). Malformed ones are left to `validate` to name.
    private func agentsByEmail(_ items: [IngestMessageBody], integration: IntegrationPrincipal,
                                      context: AppRequestContext) async throws -> [String: UUID] {
        let emails = Set(items.compactMap { $0.agentEmail?.trimmingCharacters(in: .whitespaces).lowercased() })
            .filter { $0.count <= 254 }
        guard !emails.isEmpty else { return [:] }
        return try await services.database.withScope(.integration(integration), logger: context.logger) { tx in
            try await DirectoryRepository(tx, tenantID: integration.tenantID).userIDs(byEmail: Array(emails))
        }
    }

    static func validate(_ item: IngestMessageBody, at path: String, now: Date, agents: [String: UUID] = [:]) throws -> IngestMessage {
        // History may be imported from long ago, but not from the future (clock skew of a day is tolerated).
        guard item.sentAt <= now.addingTimeInterval(86_400), item.sentAt >= Date(timeIntervalSince1970: 946_684_800) else {
            throw ValidationError(field: "\(path).sentAt", reason: "must be between 2000-01-01 and tomorrow")
        }
        func externalID(_ value: String, _ field: String) throws -> String {
            // `field` is relative to the item.
            try InputRules.text(value, field: "\(path).\(field)", length: 1...maxExternalIDLength)
        }
        let kind = try InputRules.enumeration(item.kind, as: MessageKind.self, field: "\(path).kind")
        let side = try InputRules.enumeration(item.senderSide, as: SenderSide.self, field: "\(path).senderSide")
        if item.agentId != nil, item.agentEmail != nil {
            throw ValidationError(field: "\(path).agentEmail", reason: "name the agent by agentId or by agentEmail, not both")
        }
        if side == .agent, item.agentId == nil, item.agentEmail == nil {
            throw ValidationError(field: "\(path).agentId", reason: "agent messages name the agent who sent them (agentId or agentEmail)")
        }
        if side != .agent, item.agentId != nil || item.agentEmail != nil {
            throw ValidationError(field: "\(path).\(item.agentId != nil ? "agentId" : "agentEmail")", reason: "only agent messages have an agent")
        }
        var agentID = item.agentId
        if let email = item.agentEmail {
            let normalized = try InputRules.email(email, field: "\(path).agentEmail")
            guard let id = agents[normalized] else {
                throw ValidationError(field: "\(path).agentEmail", reason: "no user of this tenant signs in with this e-mail")
            }
            agentID = id
        }
        let text = try item.text.map { value -> String in
            guard value.unicodeScalars.count <= maxTextLength else {
                throw ValidationError(field: "\(path).text", reason: "at most \(maxTextLength) characters")
            }
            guard !value.unicodeScalars.contains(where: { $0.value == 0 }) else {
                throw ValidationError(field: "\(path).text", reason: "must not contain NUL characters")
            }
            return value
        }
        let attachment = try item.attachment.map { body -> Attachment in
            guard let url = URL(string: body.url), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
                  body.url.unicodeScalars.count <= 2048 else {
                throw ValidationError(field: "\(path).attachment.url", reason: "must be an http(s) URL of at most 2048 characters")
            }
            if let size = body.sizeBytes, size < 0 {
                throw ValidationError(field: "\(path).attachment.sizeBytes", reason: "must not be negative")
            }
            return Attachment(
                url: body.url,
                name: try InputRules.optionalText(body.name, field: "\(path).attachment.name", length: 1...255),
                mimeType: try InputRules.optionalText(body.mimeType, field: "\(path).attachment.mimeType", length: 1...100),
                sizeBytes: body.sizeBytes)
        }
        switch kind {
        case .text, .event:
            guard let text, !text.isEmpty else {
                throw ValidationError(field: "\(path).text", reason: "\(kind.rawValue) messages need text")
            }
        case .image, .file, .voice, .link:
            guard attachment != nil || (kind == .link && !(text ?? "").isEmpty) else {
                throw ValidationError(field: "\(path).attachment", reason: "\(kind.rawValue) messages need an attachment")
            }
        }
        return IngestMessage(
            conversationExternalID: try externalID(item.conversationExternalId, "conversationExternalId"),
            messageExternalID: try externalID(item.messageExternalId, "messageExternalId"),
            customer: try customer(item.customer, at: "\(path).customer"), sentAt: item.sentAt, senderSide: side,
            agentID: agentID, departmentID: item.departmentId, kind: kind, text: text, attachment: attachment,
            satisfaction: try item.satisfaction.map { try InputRules.enumeration($0, as: Satisfaction.self, field: "\(path).satisfaction") })
    }

    static func customer(_ body: IngestMessageBody.CustomerBody, at path: String) throws -> IngestCustomer {
        IngestCustomer(
            externalID: try InputRules.text(body.externalId, field: "\(path).externalId", length: 1...maxExternalIDLength),
            name: try InputRules.optionalText(body.name, field: "\(path).name", length: 1...200),
            phone: try InputRules.optionalText(body.phone, field: "\(path).phone", length: 3...32),
            email: try body.email.map { try InputRules.email($0, field: "\(path).email") },
            attributesJSON: try body.attributes.map { try CustomerAttributes.validate($0, field: "\(path).attributes") })
    }

    static func validate(_ visit: IngestVisitBody, at path: String, now: Date) throws -> IngestVisit {
        guard visit.startedAt <= now.addingTimeInterval(86_400), visit.startedAt >= Date(timeIntervalSince1970: 946_684_800) else {
            throw ValidationError(field: "\(path).startedAt", reason: "must be between 2000-01-01 and tomorrow")
        }
        // http(s) only: a workbench shows these as links, and `javascript:` would run in it.
        guard visit.pageUrl.unicodeScalars.count <= 2048, let url = URL(string: visit.pageUrl),
              let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme) else {
            throw ValidationError(field: "\(path).pageUrl", reason: "must be an http(s) URL of at most 2048 characters")
        }
        if let dwell = visit.dwellSeconds, !(0...86_400).contains(dwell) {
            throw ValidationError(field: "\(path).dwellSeconds", reason: "must be 0 to 86400")
        }
        return IngestVisit(
            visitExternalID: try InputRules.text(visit.visitExternalId, field: "\(path).visitExternalId", length: 1...maxExternalIDLength),
            customer: try customer(visit.customer, at: "\(path).customer"), pageURL: visit.pageUrl,
            pageTitle: try InputRules.optionalText(visit.pageTitle, field: "\(path).pageTitle", length: 1...500),
            referrer: try InputRules.optionalText(visit.referrer, field: "\(path).referrer", length: 1...2048),
            entrySource: try InputRules.optionalText(visit.entrySource, field: "\(path).entrySource", length: 1...100),
            device: try InputRules.optionalText(visit.device, field: "\(path).device", length: 1...200),
            startedAt: visit.startedAt, dwellSeconds: visit.dwellSeconds)
    }
}
