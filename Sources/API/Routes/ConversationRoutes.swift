import Domain
import Foundation
import Hummingbird
import Store

/// The conversation centre: list, open, read the transcript; end and transfer.
struct ConversationRoutes {
    let services: Services
    init(_ services: Services) { self.services = services }

    func register(on routes: RouteRecorder) {
        registerReading(on: routes)
        registerActions(on: routes)
        registerLabels(on: routes)
    }

    private func registerReading(on routes: RouteRecorder) {
        routes.add(.get, "/v1/conversations") { request, context in
            var context = context
            let principal = try services.authenticator.user(request, context: &context)
            let list = try ListQuery(request, now: services.now, keywordRequired: false, caller: principal.userID)
            let query = QueryParameters(request)
            let cursor = try query.cursor()
            let limit = try query.limit()
            let (page, capped) = try await services.asUser(principal, context) { tx, user in
                try await list.admitContactFilters(tx, user: user, services: services)
                let resolved = try await list.conversationQuery.resolve(tx, tenantID: user.tenantID)
                let page = try await ConversationRepository(tx, tenantID: user.tenantID).list(resolved.filter, after: cursor, limit: limit)
                return (page, resolved.capped)
            }
            return try JSONBody.response(ConversationListBody(items: page.items.map(ConversationBody.init),
                                                              nextCursor: page.nextCursor?.encoded,
                                                              capped: capped.isEmpty ? nil : capped.map(CappedBody.init)))
        }

        routes.add(.get, "/v1/conversations/{conversationId}") { request, context in
            let id = try request.pathID("conversationId", context: context, what: "conversation")
            let conversation = try await services.asUser(request, context) { tx, user in
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
            let (page, unmasked) = try await services.asUser(request, context) { tx, user in
                let page = try await ConversationRepository(tx, tenantID: user.tenantID).messages(of: id, after: cursor, limit: limit)
                // Every page that shows message text is on record, a hand-made cursor's too.
                try await AuditLog(tx, tenantID: user.tenantID)
                    .record(actor: user.userID, action: "conversation.transcript_viewed", targetType: "conversation", targetID: id,
                            details: AuditDetails.contacts(unmasked: user.seesContactDetails))
                return (page, user.seesContactDetails)
            }
            return try JSONBody.response(ListBody(items: page.items.map { MessageBody($0, unmasked: unmasked) },
                                                  nextCursor: page.nextCursor?.encoded))
        }

        // The conversation's own operation log (admins): every event whose target it is.
        // A conversation deleted for good is gone here too; its events stay in /v1/admin/audit-events.
        routes.add(.get, "/v1/conversations/{conversationId}/audit-events") { request, context in
            let id = try request.pathID("conversationId", context: context, what: "conversation")
            let query = QueryParameters(request)
            let cursor = try query.cursor()
            let limit = try query.limit()
            let page = try await services.asAdmin(request, context) { tx, admin in
                _ = try await ConversationRepository(tx, tenantID: admin.tenantID).conversation(id)
                return try await AuditLog(tx, tenantID: admin.tenantID)
                    .events(AuditEventFilter(targetID: id, targetType: "conversation"), after: cursor, limit: limit)
            }
            return try JSONBody.response(ListBody(items: page.items.map(AuditEventBody.init), nextCursor: page.nextCursor?.encoded))
        }

    }

    private func registerActions(on routes: RouteRecorder) {
        routes.add(.post, "/v1/conversations/{conversationId}/end") { request, context in
            let id = try request.pathID("conversationId", context: context, what: "conversation")
            let conversation = try await services.asUser(request, context) { tx, user in
                try await ConversationRepository(tx, tenantID: user.tenantID).end(id)
            }
            return try JSONBody.response(ConversationBody(conversation))
        }

        routes.add(.post, "/v1/conversations/{conversationId}/reopen") { request, context in
            let id = try request.pathID("conversationId", context: context, what: "conversation")
            let conversation = try await services.asUser(request, context) { tx, user in
                let reopened = try await ConversationRepository(tx, tenantID: user.tenantID).reopen(id)
                try await AuditLog(tx, tenantID: user.tenantID)
                    .record(actor: user.userID, action: "conversation.reopened", targetType: "conversation", targetID: id)
                return reopened
            }
            return try JSONBody.response(ConversationBody(conversation))
        }

        // Who had it before: visible to whoever sees the conversation.
        routes.add(.get, "/v1/conversations/{conversationId}/transfers") { request, context in
            let id = try request.pathID("conversationId", context: context, what: "conversation")
            let transfers = try await services.asUser(request, context) { tx, user in
                try await ConversationRepository(tx, tenantID: user.tenantID).transfers(of: id)
            }
            return try JSONBody.response(ListBody(items: transfers.map(TransferBody.init)))
        }

        routes.add(.post, "/v1/conversations/{conversationId}/transfer") { request, context in
            let id = try request.pathID("conversationId", context: context, what: "conversation")
            var context = context
            let principal = try services.authenticator.user(request, context: &context)
            let body = try await JSONBody.decode(TransferRequest.self, from: request, limit: 16 * 1024)
            guard body.toAgentId != nil || body.toDepartmentId != nil else {
                throw ValidationError(field: "toAgentId", reason: "name an agent, a department, or both")
            }
            let conversation = try await services.asUser(principal, context) { tx, user in
                try await ConversationRepository(tx, tenantID: user.tenantID)
                    .transfer(id, toAgent: body.toAgentId, toDepartment: body.toDepartmentId, by: user.userID)
            }
            return try JSONBody.response(ConversationBody(conversation))
        }
    }

    /// Tags, rating, stars and attachments of one conversation.
    private func registerLabels(on routes: RouteRecorder) {
        routes.add(.put, "/v1/conversations/{conversationId}/tags") { request, context in
            let id = try request.pathID("conversationId", context: context, what: "conversation")
            var context = context
            let principal = try services.authenticator.user(request, context: &context)
            let tagIDs = try await SetTagsRequest.decode(from: request)
            let conversation = try await services.asUser(principal, context) { tx, user in
                try await ConversationRepository(tx, tenantID: user.tenantID).setTags(id, tagIDs)
            }
            return try JSONBody.response(ConversationBody(conversation))
        }

        routes.add(.put, "/v1/conversations/{conversationId}/rating") { request, context in
            let id = try request.pathID("conversationId", context: context, what: "conversation")
            var context = context
            let principal = try services.authenticator.user(request, context: &context)
            let body = try await JSONBody.decode(RatingRequest.self, from: request, limit: 16 * 1024)
            let conversation = try await services.asUser(principal, context) { tx, user in
                // Permission before the value's rule: a 422 would tell an agent how to phrase
                // a request they may not make anyway.
                guard user.mayChangeRatings else { throw APIError.forbidden("only admins may change a rating") }
                let rating = try body.satisfaction.map { try InputRules.enumeration($0, as: Satisfaction.self, field: "satisfaction") }
                return try await ConversationRepository(tx, tenantID: user.tenantID).rate(id, rating)
            }
            return try JSONBody.response(ConversationBody(conversation))
        }

        for (method, starred) in [(HTTPRequest.Method.put, true), (.delete, false)] {
            routes.add(method, "/v1/conversations/{conversationId}/star") { request, context in
                let id = try request.pathID("conversationId", context: context, what: "conversation")
                try await services.asUser(request, context) { tx, user in
                    try await ConversationRepository(tx, tenantID: user.tenantID).setStar(id, starred: starred, userID: user.userID)
                }
                return Response(status: .noContent)
            }
        }

        routes.add(.get, "/v1/conversations/{conversationId}/attachments") { request, context in
            let id = try request.pathID("conversationId", context: context, what: "conversation")
            let attachments = try await services.asUser(request, context) { tx, user in
                try await AttachmentRepository(tx, tenantID: user.tenantID).attachments(of: id)
            }
            return try JSONBody.response(ListBody(items: attachments.map(AttachmentItemBody.init)))
        }

        routes.add(.get, "/v1/attachments") { request, context in
            var context = context
            let principal = try services.authenticator.user(request, context: &context)
            let query = QueryParameters(request)
            let kind = try query.enumeration("kind", as: MessageKind.self)
            let from = try query.date("from")
            let to = try query.date("to")
            if let from, let to, from >= to {
                throw APIError.badRequest("must be later than from", field: "query.to")
            }
            let cursor = try query.cursor()
            let limit = try query.limit()
            let page = try await services.asUser(principal, context) { tx, user in
                try await AttachmentRepository(tx, tenantID: user.tenantID).attachments(kind: kind, from: from, to: to, after: cursor, limit: limit)
            }
            return try JSONBody.response(ListBody(items: page.items.map(AttachmentItemBody.init), nextCursor: page.nextCursor?.encoded))
        }
    }
}
