import Domain
import Foundation
import Hummingbird
import Store

/// The conversation centre: list, open, read the transcript; end and transfer.
struct ConversationRoutes {
    let services: Services
    init(_ services: Services) { self.services = services }

    /// Runs `body` in the signed-in user's scope.
    private func asUser<T: Sendable>(_ request: Request, _ context: AppRequestContext,
                                     _ body: @escaping @Sendable (Transaction, UserPrincipal) async throws -> T) async throws -> T {
        var context = context
        let user = try services.authenticator.user(request, context: &context)
        return try await services.database.withScope(.user(user), logger: context.logger) { tx in try await body(tx, user) }
    }

    func register(on routes: RouteRecorder) {
        routes.add(.get, "/v1/conversations") { request, context in
            let query = QueryParameters(request)
            let filter = try Self.filter(from: query, now: services.now)
            let cursor = try query.cursor()
            let limit = try query.limit()
            let page = try await asUser(request, context) { tx, user in
                try await ConversationRepository(tx, tenantID: user.tenantID).list(filter, after: cursor, limit: limit)
            }
            return try JSONBody.response(ListBody(items: page.items.map(ConversationBody.init), nextCursor: page.nextCursor?.encoded))
        }

        routes.add(.get, "/v1/conversations/{conversationId}") { request, context in
            let id = try request.pathID("conversationId", context: context, what: "conversation")
            let conversation = try await asUser(request, context) { tx, user in
                let record = try await ConversationRepository(tx, tenantID: user.tenantID).conversation(id)
                try await AuditLog(tx, tenantID: user.tenantID)
                    .record(actor: user.userID, action: "conversation.viewed", targetType: "conversation", targetID: id)
                return record
            }
            return try JSONBody.response(ConversationBody(conversation))
        }

        routes.add(.get, "/v1/conversations/{conversationId}/messages") { request, context in
            let id = try request.pathID("conversationId", context: context, what: "conversation")
            let query = QueryParameters(request)
            let cursor = try query.cursor()
            let limit = try query.limit(default: 100, maximum: 500)
            let page = try await asUser(request, context) { tx, user in
                try await ConversationRepository(tx, tenantID: user.tenantID).messages(of: id, after: cursor, limit: limit)
            }
            return try JSONBody.response(ListBody(items: page.items.map(MessageBody.init), nextCursor: page.nextCursor?.encoded))
        }

        routes.add(.post, "/v1/conversations/{conversationId}/end") { request, context in
            let id = try request.pathID("conversationId", context: context, what: "conversation")
            let conversation = try await asUser(request, context) { tx, user in
                try await ConversationRepository(tx, tenantID: user.tenantID).end(id)
            }
            return try JSONBody.response(ConversationBody(conversation))
        }

        routes.add(.post, "/v1/conversations/{conversationId}/transfer") { request, context in
            let id = try request.pathID("conversationId", context: context, what: "conversation")
            var authContext = context
            _ = try services.authenticator.user(request, context: &authContext)
            let body = try await JSONBody.decode(TransferRequest.self, from: request, limit: 16 * 1024)
            guard body.toAgentId != nil || body.toDepartmentId != nil else {
                throw ValidationError(field: "toAgentId", reason: "name an agent, a department, or both")
            }
            let conversation = try await asUser(request, context) { tx, user in
                try await ConversationRepository(tx, tenantID: user.tenantID)
                    .transfer(id, toAgent: body.toAgentId, toDepartment: body.toDepartmentId, by: user.userID)
            }
            return try JSONBody.response(ConversationBody(conversation))
        }
    }

    /// `preset` (today, 7d, 30d) or `from`/`to`, plus channel, agent, department, status.
    static func filter(from query: QueryParameters, now: Date) throws -> ConversationFilter {
        var filter = ConversationFilter()
        if let preset = try query.string("preset") {
            guard try query.string("from") == nil, try query.string("to") == nil else {
                throw APIError.badRequest("use either preset or from/to", field: "query.preset")
            }
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            switch preset {
            case "today": filter.from = calendar.startOfDay(for: now)
            case "7d": filter.from = now.addingTimeInterval(-7 * 86_400)
            case "30d": filter.from = now.addingTimeInterval(-30 * 86_400)
            default: throw APIError.badRequest("must be one of: today, 7d, 30d", field: "query.preset")
            }
        } else {
            filter.from = try query.date("from")
            filter.to = try query.date("to")
            if let from = filter.from, let to = filter.to, from >= to {
                throw APIError.badRequest("must be later than from", field: "query.to")
            }
        }
        filter.channel = try query.enumeration("channel", as: Channel.self)
        filter.status = try query.enumeration("status", as: ConversationStatus.self)
        filter.agentID = try query.uuid("agentId")
        filter.departmentID = try query.uuid("departmentId")
        return filter
    }
}
