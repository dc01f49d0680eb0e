import Domain
import Foundation
import Hummingbird
import Store

/// Retention (PRODUCT.md §2, §6): tenant admins' clean-up rules (where the plan allows them,
/// never below the tenant's compliance minimum), a preview of what a rule would delete,
/// legal holds that nothing deletes through, and the record of the worker's runs.
///
/// Rules, in order: credentials (401); the role, in the token and as stored now (403 for
/// anyone but admins: `RoleAbilities.managesRetention`); the body (400/422 naming the
/// field, nothing written); a plan without custom retention refuses creating or enabling
/// rules (403 with the reason) but still lists, previews, disables and deletes them.
/// Another tenant's rule, hold, department, customer or conversation is 404.
struct RetentionRoutes {
    let services: Services
    init(_ services: Services) { self.services = services }

    static let bodyLimit = 16 * 1024
    static let gate = RoleGate(allows: RoleAbilities.managesRetention, refusal: "only admins manage clean-up rules and legal holds")

    func register(on routes: RouteRecorder) {
        routes.add(.get, "/v1/admin/cleanup-rules") { request, context in
            var context = context
            let principal = try services.caller(request, &context, Self.gate)
            let rules = try await services.asUser(principal, context, Self.gate) { tx, user in
                try await CleanupRuleRepository(tx, tenantID: user.tenantID).list()
            }
            return try JSONBody.response(ListBody(items: rules.map(CleanupRuleBody.init)))
        }

        routes.add(.post, "/v1/admin/cleanup-rules") { request, context in
            var context = context
            let principal = try services.caller(request, &context, Self.gate)
            let body = try await JSONBody.decode(CleanupRuleRequest.self, from: request, limit: Self.bodyLimit)
            let rule = try await services.asUser(principal, context, Self.gate) { tx, user in
                let rules = CleanupRuleRepository(tx, tenantID: user.tenantID)
                let settings = try await admitted(body, rules)
                let rule = try await rules.create(settings, by: user.userID)
                try await AuditLog(tx, tenantID: user.tenantID).record(
                    actor: user.userID, action: "cleanup_rule.created", targetType: "cleanup_rule", targetID: rule.id,
                    details: ["deleteAfterDays": "\(rule.deleteAfterDays)"])
                return rule
            }
            var response = try JSONBody.response(CleanupRuleBody(rule), status: .created)
            response.headers[.location] = "/v1/admin/cleanup-rules/\(rule.id.uuidString.lowercased())"
            return response
        }

        routes.add(.post, "/v1/admin/cleanup-rules/preview") { request, context in
            var context = context
            let principal = try services.caller(request, &context, Self.gate)
            let body = try await JSONBody.decode(CleanupRuleRequest.self, from: request, limit: Self.bodyLimit)
            let preview = try await services.asUser(principal, context, Self.gate) { tx, user in
                let rules = CleanupRuleRepository(tx, tenantID: user.tenantID)
                let limits = try await rules.limits()
                let settings = try body.settings(bounds: limits.bounds)
                try await rules.requireDepartment(settings.departmentID)
                let cutoff = RetentionRules.cutoff(now: tx.clock.now(), deleteAfterDays: settings.deleteAfterDays,
                                                   minimumDays: limits.bounds.minimumDays)
                let count = try await RetentionRepository(tx, tenantID: user.tenantID).preview(
                    RetentionTarget(cutoff: cutoff, channel: settings.channel, departmentID: settings.departmentID))
                return CleanupPreviewBody(cutoff: cutoff, conversations: count.conversations, messages: count.messages,
                                          heldConversations: count.held, complianceMinimumDays: limits.complianceMinimumDays)
            }
            return try JSONBody.response(preview)
        }

        routes.add(.get, "/v1/admin/cleanup-rules/{ruleId}") { request, context in
            var context = context
            let principal = try services.caller(request, &context, Self.gate)
            let id = try request.pathID("ruleId", context: context, what: "clean-up rule")
            let rule = try await services.asUser(principal, context, Self.gate) { tx, user in
                try await CleanupRuleRepository(tx, tenantID: user.tenantID).rule(id)
            }
            return try JSONBody.response(CleanupRuleBody(rule))
        }

        routes.add(.put, "/v1/admin/cleanup-rules/{ruleId}") { request, context in
            var context = context
            let principal = try services.caller(request, &context, Self.gate)
            let id = try request.pathID("ruleId", context: context, what: "clean-up rule")
            let body = try await JSONBody.decode(CleanupRuleRequest.self, from: request, limit: Self.bodyLimit)
            let rule = try await services.asUser(principal, context, Self.gate) { tx, user in
                let rules = CleanupRuleRepository(tx, tenantID: user.tenantID)
                _ = try await rules.rule(id)
                let rule = try await rules.update(id, try await admitted(body, rules))
                try await AuditLog(tx, tenantID: user.tenantID).record(
                    actor: user.userID, action: "cleanup_rule.changed", targetType: "cleanup_rule", targetID: id,
                    details: ["deleteAfterDays": "\(rule.deleteAfterDays)", "enabled": "\(rule.enabled)"])
                return rule
            }
            return try JSONBody.response(CleanupRuleBody(rule))
        }

        routes.add(.delete, "/v1/admin/cleanup-rules/{ruleId}") { request, context in
            var context = context
            let principal = try services.caller(request, &context, Self.gate)
            let id = try request.pathID("ruleId", context: context, what: "clean-up rule")
            try await services.asUser(principal, context, Self.gate) { tx, user in
                try await CleanupRuleRepository(tx, tenantID: user.tenantID).delete(id)
                try await AuditLog(tx, tenantID: user.tenantID)
                    .record(actor: user.userID, action: "cleanup_rule.deleted", targetType: "cleanup_rule", targetID: id)
            }
            return Response(status: .noContent)
        }

        routes.add(.get, "/v1/admin/legal-holds") { request, context in
            var context = context
            let principal = try services.caller(request, &context, Self.gate)
            let activeOnly = try QueryParameters(request).boolean("active") ?? false
            let holds = try await services.asUser(principal, context, Self.gate) { tx, user in
                try await LegalHoldRepository(tx, tenantID: user.tenantID).list(activeOnly: activeOnly)
            }
            return try JSONBody.response(ListBody(items: holds.map(LegalHoldBody.init)))
        }

        routes.add(.post, "/v1/admin/legal-holds") { request, context in
            var context = context
            let principal = try services.caller(request, &context, Self.gate)
            let body = try await JSONBody.decode(PlaceHoldRequest.self, from: request, limit: Self.bodyLimit)
            let subject = try body.subject()
            let reason = try InputRules.text(body.reason, field: "reason", length: 1...500)
            let hold = try await services.asUser(principal, context, Self.gate) { tx, user in
                let hold = try await LegalHoldRepository(tx, tenantID: user.tenantID).place(subject, reason: reason, by: user.userID)
                try await AuditLog(tx, tenantID: user.tenantID).record(
                    actor: user.userID, action: "legal_hold.placed", targetType: "legal_hold", targetID: hold.id,
                    details: ["subjectType": subject.typeName, "subjectId": subject.id?.uuidString.lowercased() ?? ""])
                return hold
            }
            var response = try JSONBody.response(LegalHoldBody(hold), status: .created)
            response.headers[.location] = "/v1/admin/legal-holds/\(hold.id.uuidString.lowercased())"
            return response
        }

        routes.add(.get, "/v1/admin/legal-holds/{holdId}") { request, context in
            var context = context
            let principal = try services.caller(request, &context, Self.gate)
            let id = try request.pathID("holdId", context: context, what: "legal hold")
            let hold = try await services.asUser(principal, context, Self.gate) { tx, user in
                try await LegalHoldRepository(tx, tenantID: user.tenantID).hold(id)
            }
            return try JSONBody.response(LegalHoldBody(hold))
        }

        routes.add(.post, "/v1/admin/legal-holds/{holdId}/release") { request, context in
            var context = context
            let principal = try services.caller(request, &context, Self.gate)
            let id = try request.pathID("holdId", context: context, what: "legal hold")
            let body = try await JSONBody.decode(ReleaseHoldRequest.self, from: request, limit: Self.bodyLimit)
            let reason = try InputRules.text(body.reason, field: "reason", length: 1...500)
            let hold = try await services.asUser(principal, context, Self.gate) { tx, user in
                let hold = try await LegalHoldRepository(tx, tenantID: user.tenantID).release(id, reason: reason, by: user.userID)
                try await AuditLog(tx, tenantID: user.tenantID).record(
                    actor: user.userID, action: "legal_hold.released", targetType: "legal_hold", targetID: id,
                    details: ["reason": reason])
                return hold
            }
            return try JSONBody.response(LegalHoldBody(hold))
        }

        routes.add(.get, "/v1/admin/retention-runs") { request, context in
            var context = context
            let principal = try services.caller(request, &context, Self.gate)
            let query = QueryParameters(request)
            let cursor = try query.cursor()
            let limit = try query.limit()
            let page = try await services.asUser(principal, context, Self.gate) { tx, user in
                try await RetentionRunRepository(tx, tenantID: user.tenantID).list(after: cursor, limit: limit)
            }
            return try JSONBody.response(ListBody(items: page.items.map(RetentionRunBody.init), nextCursor: page.nextCursor?.encoded))
        }
    }

    /// The rule's settings if the plan and the compliance minimum allow them: 403 when the
    /// plan has no custom retention and the rule would be enabled, 422 below the minimum.
    private func admitted(_ body: CleanupRuleRequest, _ rules: CleanupRuleRepository) async throws -> CleanupRuleSettings {
        let limits = try await rules.limits()
        let settings = try body.settings(bounds: limits.bounds)
        if settings.enabled, !limits.customRetentionAllowed {
            throw APIError.forbidden("the \(limits.planCode) plan does not include clean-up rules; upgrade to enterprise or above")
        }
        return settings
    }
}
