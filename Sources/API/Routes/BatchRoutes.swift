import Domain
import Foundation
import Hummingbird
import Store

/// An admin's batch operations (PRODUCT.md §6): archive, delete (final) or export the
/// conversations chosen by id or listed for a filter — exactly what `GET /v1/conversations`
/// lists for the same parameters and the same admin. A delete is asked twice: without
/// `confirm: true` it changes nothing and says what it would delete; with it, it deletes in
/// bounded batches, never a conversation a legal hold keeps or the tenant's floor (compliance
/// minimum, plan minimum) protects, and reports what it touched. Each batch is audited as one
/// event with its counts.
struct BatchRoutes {
    let services: Services
    init(_ services: Services) { self.services = services }

    static let gate = RoleGate(allows: RoleAbilities.mayRunBatchOperations, refusal: "only admins run batch operations")

    func register(on routes: RouteRecorder) {
        routes.add(.post, "/v1/admin/conversations/batch") { request, context in
            var context = context
            let principal = try services.caller(request, &context, Self.gate)
            let body = try await JSONBody.decode(BatchRequest.self, from: request, limit: 64 * 1024)
            let action = try InputRules.enumeration(body.action, as: BatchAction.self, field: "action")
            switch action {
            case .export:
                return try await export(body, principal, context)
            case .archive, .delete:
                let selection = try ExportCreation.selection(conversationIds: body.conversationIds, filter: body.filter,
                                                             now: services.now, caller: principal.userID)
                return try JSONBody.response(try await change(action, selection, confirmed: body.confirm ?? false, principal, context))
            }
        }
    }

    private func export(_ body: BatchRequest, _ principal: UserPrincipal, _ context: AppRequestContext) async throws -> Response {
        let creation = try ExportCreation(try body.exportRequest(), now: services.now, caller: principal.userID)
        let job = try await services.asUser(principal, context, Self.gate) { tx, user in
            try await creation.create(tx, user: user, services: services)
        }
        let result = BatchResultBody(action: "export", performed: true, final: false, matched: job.rowsTotal ?? 0, touched: 0,
                                     messages: nil, keptByHold: nil, keptByMinimum: nil, skipped: nil, exportId: job.id)
        var response = try JSONBody.response(result, status: .accepted)
        response.headers[.location] = "/v1/exports/\(job.id.uuidString.lowercased())"
        return response
    }

    private func change(_ action: BatchAction, _ selection: ExportCreation.Selection, confirmed: Bool,
                        _ principal: UserPrincipal, _ context: AppRequestContext) async throws -> BatchResultBody {
        let planned = try await services.asUser(principal, context, Self.gate) { tx, user -> Planned in
            let ids = try await chosen(selection, tx, user)
            if action == .archive {
                let archived = try await ConversationRepository(tx, tenantID: user.tenantID).archive(ids)
                try await AuditLog(tx, tenantID: user.tenantID).record(
                    actor: user.userID, action: "conversations.archived", targetType: "conversation", targetID: nil,
                    details: ["matched": "\(ids.count)", "archived": "\(archived)"])
                return .archived(matched: ids.count, archived: archived)
            }
            return .deletion(matched: ids.count, try await FinalDeletion.plan(ids, tx, tenantID: user.tenantID))
        }
        switch planned {
        case .archived(let matched, let archived):
            return BatchResultBody(action: "archive", performed: true, final: false, matched: matched, touched: archived,
                                   messages: nil, keptByHold: nil, keptByMinimum: nil, skipped: matched - archived, exportId: nil)
        case .deletion(let matched, let deletion):
            let preview = deletion.preview
            func result(_ count: RetentionCount, performed: Bool) -> BatchResultBody {
                BatchResultBody(action: "delete", performed: performed, final: true, matched: matched, touched: count.conversations,
                                messages: count.messages, keptByHold: preview.held,
                                keptByMinimum: max(0, matched - preview.conversations - preview.held), skipped: nil, exportId: nil)
            }
            guard confirmed, preview.conversations > 0 else { return result(preview, performed: confirmed) }
            let deleted = try await deletion.run(services, tenantID: principal.tenantID, logger: context.logger)
            try await services.database.withScope(.tenant(principal.tenantID), logger: context.logger) { tx in
                try await AuditLog(tx, tenantID: principal.tenantID).record(
                    actor: principal.userID, action: "conversations.deleted", targetType: "conversation", targetID: nil,
                    details: ["matched": "\(matched)", "conversations": "\(deleted.conversations)", "messages": "\(deleted.messages)",
                              "keptByHold": "\(preview.held)"])
            }
            return result(deleted, performed: true)
        }
    }

    private enum Planned: Sendable {
        case archived(matched: Int, archived: Int)
        case deletion(matched: Int, FinalDeletion)
    }

    /// The ids the selection holds for this admin: chosen ones they can see (404 for one they
    /// cannot), or what the list shows for the filter — refused (422) when a resolution step
    /// was capped or the list holds more than a batch may touch.
    private func chosen(_ selection: ExportCreation.Selection, _ tx: Transaction, _ user: ResolvedUser) async throws -> [UUID] {
        let conversations = ConversationRepository(tx, tenantID: user.tenantID)
        switch selection {
        case .conversations(let ids):
            var filter = ConversationFilter()
            filter.conversationIDs = ids
            let visible = try await conversations.ids(filter, limit: ids.count)
            guard visible.count == ids.count else { throw StoreError.notFound("conversation") }
            return visible
        case .filter(let list):
            try await list.admitContactFilters(tx, user: user, services: services)
            let resolved = try await list.conversationQuery.resolve(tx, tenantID: user.tenantID)
            if let capped = resolved.capped.first {
                throw ValidationError(field: "filter", reason: "\(capped.explanation); narrow the filter so the batch holds exactly what it matches")
            }
            let ids = try await conversations.ids(resolved.filter, limit: BatchRequest.maxConversations + 1)
            guard ids.count <= BatchRequest.maxConversations else {
                throw ValidationError(field: "filter", reason: "the filter lists more than \(BatchRequest.maxConversations) conversations, "
                                      + "the most one batch touches; narrow it (a time range) and run several")
            }
            return ids
        }
    }
}
