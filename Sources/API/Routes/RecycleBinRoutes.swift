import Domain
import Foundation
import Hummingbird
import Store

/// Deleting one conversation, and the recycle bin (PRODUCT.md §6). A supervisor's delete (or
/// an agent's whose custom role grants `conversations.delete`) is soft: the conversation goes
/// to the bin — gone from lists, transcripts, search, exports and counts — and an admin may
/// restore it within 30 days; then the worker purges it (`RecycleBinService`). An admin's
/// delete is final and says so first: without `?confirm=true` it is 409 and nothing happens.
struct RecycleBinRoutes {
    let services: Services
    init(_ services: Services) { self.services = services }

    static let gate = RoleGate(allows: RoleAbilities.managesRecycleBin, refusal: "only admins list and restore the recycle bin")

    func register(on routes: RouteRecorder) {
        routes.add(.delete, "/v1/conversations/{conversationId}") { request, context in
            var context = context
            let principal = try services.authenticator.user(request, context: &context)
            let id = try request.pathID("conversationId", context: context, what: "conversation")
            let confirmed = try QueryParameters(request).boolean("confirm") ?? false
            let outcome = try await services.asUser(principal, context) { tx, user -> Outcome in
                if RoleAbilities.deletesFinally(user.role) {
                    _ = try await ConversationRepository(tx, tenantID: user.tenantID).conversation(id)
                    guard confirmed else {
                        throw APIError.conflict("an admin's delete is final (no recycle bin): repeat with ?confirm=true to delete "
                                                + "the conversation and its messages for good")
                    }
                    let deletion = try await FinalDeletion.plan([id], tx, tenantID: user.tenantID)
                    if deletion.preview.held > 0 { throw APIError.conflict("a legal hold keeps this conversation") }
                    guard deletion.preview.conversations == 1 else {
                        throw APIError.conflict("the conversation is younger than the tenant's minimum retention: it may not be deleted yet")
                    }
                    return .final(deletion)
                }
                guard RoleAbilities.mayBinConversations(user.role, permissions: user.permissions) else {
                    throw APIError.forbidden("your role may not delete conversations")
                }
                let entry = try await RecycleBinRepository(tx, tenantID: user.tenantID).bin(id, by: user.userID)
                try await AuditLog(tx, tenantID: user.tenantID).record(
                    actor: user.userID, action: "conversation.binned", targetType: "conversation", targetID: id)
                return .binned(entry)
            }
            switch outcome {
            case .binned(let entry):
                return try JSONBody.response(RecycleBinEntryBody(entry, conversation: nil))
            case .final(let deletion):
                let deleted = try await deletion.run(services, tenantID: principal.tenantID, logger: context.logger)
                try await services.database.withScope(.tenant(principal.tenantID), logger: context.logger) { tx in
                    try await AuditLog(tx, tenantID: principal.tenantID).record(
                        actor: principal.userID, action: "conversation.deleted", targetType: "conversation", targetID: id,
                        details: ["messages": "\(deleted.messages)"])
                }
                return Response(status: .noContent)
            }
        }

        routes.add(.get, "/v1/admin/recycle-bin") { request, context in
            var context = context
            let principal = try services.caller(request, &context, Self.gate)
            let query = QueryParameters(request)
            let cursor = try query.cursor()
            let limit = try query.limit()
            let (page, conversations) = try await services.asUser(principal, context, Self.gate) { tx, user in
                let bin = RecycleBinRepository(tx, tenantID: user.tenantID)
                let page = try await bin.list(after: cursor, limit: limit)
                let conversations = try await bin.conversations(page.items.map(\.conversationID))
                return (page, Dictionary(uniqueKeysWithValues: conversations.map { ($0.id, $0) }))
            }
            let items = page.items.map { RecycleBinEntryBody($0, conversation: conversations[$0.conversationID]) }
            return try JSONBody.response(ListBody(items: items, nextCursor: page.nextCursor?.encoded))
        }

        routes.add(.post, "/v1/admin/recycle-bin/{conversationId}/restore") { request, context in
            var context = context
            let principal = try services.caller(request, &context, Self.gate)
            let id = try request.pathID("conversationId", context: context, what: "conversation in the recycle bin")
            let restored = try await services.asUser(principal, context, Self.gate) { tx, user in
                let bin = RecycleBinRepository(tx, tenantID: user.tenantID)
                let entry = try await bin.entry(id)
                guard RecycleBin.mayRestore(purgeAfter: entry.purgeAfter, now: tx.clock.now()) else {
                    throw APIError.gone("deleted on \(RFC3339.format(entry.deletedAt)); conversations stay restorable "
                                        + "\(RecycleBin.restoreDays) days, and this one is purged")
                }
                try await bin.restore(entry)
                try await AuditLog(tx, tenantID: user.tenantID).record(
                    actor: user.userID, action: "conversation.restored", targetType: "conversation", targetID: id)
                return try await ConversationRepository(tx, tenantID: user.tenantID).conversation(id)
            }
            return try JSONBody.response(ConversationBody(restored))
        }
    }

    private enum Outcome: Sendable {
        case binned(RecycleBinEntry)
        case final(FinalDeletion)
    }
}
