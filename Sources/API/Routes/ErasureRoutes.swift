import Domain
import Foundation
import Hummingbird
import Store

/// A customer's data erased on request (GDPR/PIPL-style, PRODUCT.md §6): admins only. Asked
/// twice like a batch delete: without `confirm: true` the answer says what would be deleted
/// and what blocks it; with it, everything is deleted in one transaction — or, when a legal
/// hold or the tenant's floor protects any of it, nothing is and the answer is 409 naming
/// what blocks it. The audit event `customer.erased` (ids and counts, no personal data) is
/// what remains.
struct ErasureRoutes {
    let services: Services
    init(_ services: Services) { self.services = services }

    func register(on routes: RouteRecorder) {
        routes.add(.post, "/v1/admin/customers/{customerId}/erasure") { request, context in
            var context = context
            let principal = try services.authenticator.user(request, context: &context)
            guard RoleAbilities.mayEraseCustomers(principal.role) else { throw APIError.forbidden("only admins erase customers") }
            let id = try request.pathID("customerId", context: context, what: "customer")
            let body = try await JSONBody.decode(ErasureRequest.self, from: request, limit: 4 * 1024)
            // The admin's own scope decides whether the customer is theirs to name (404 otherwise).
            let floorDays = try await services.asUser(principal, context) { tx, user in
                guard RoleAbilities.mayEraseCustomers(user.role) else { throw APIError.forbidden("only admins erase customers") }
                _ = try await CustomerRepository(tx, tenantID: user.tenantID).customer(id)
                return try await CleanupRuleRepository(tx, tenantID: user.tenantID).limits().bounds.minimumDays
            }
            // The erasure itself sees the whole tenant: no history window hides a row from it.
            let plan = try await services.database.withScope(.tenant(principal.tenantID), logger: context.logger) { tx in
                let erasure = CustomerErasureRepository(tx, tenantID: principal.tenantID)
                guard body.confirm == true else { return try await erasure.plan(id, floorDays: floorDays) }
                let plan = try await erasure.erase(id, floorDays: floorDays)
                try await AuditLog(tx, tenantID: principal.tenantID).record(
                    actor: principal.userID, action: "customer.erased", targetType: "customer", targetID: id,
                    details: ["conversations": "\(plan.conversations)", "messages": "\(plan.messages)", "visits": "\(plan.visits)",
                              "notes": "\(plan.notes)", "identities": "\(plan.identities)"])
                return plan
            }
            return try JSONBody.response(ErasureBody(customerId: id, performed: body.confirm == true, plan: plan))
        }
    }
}
