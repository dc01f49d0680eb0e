import Domain
import Foundation
import Hummingbird
import Store

/// A tenant's own limits within its plan (PRODUCT.md §2, §6): the export row cap, which
/// roles may export, and how many days back each role sees. Admins only
/// (`RoleAbilities.managesLimits`, in the token and as stored now: 403 otherwise). A value
/// above the plan's ceiling is 422 naming the limit and the ceiling, and nothing is written.
/// Limits are in force from the tenant's next request; a later plan change wins where it is
/// stricter (the stored limits stay, `effective` shows what applies).
struct LimitsRoutes {
    let services: Services
    init(_ services: Services) { self.services = services }

    static let gate = RoleGate(allows: RoleAbilities.managesLimits, refusal: "only admins set the tenant's limits")

    func register(on routes: RouteRecorder) {
        routes.add(.get, "/v1/admin/limits") { request, context in
            var context = context
            let principal = try services.caller(request, &context, Self.gate)
            let record = try await services.asUser(principal, context, Self.gate) { tx, user in
                try await TenantLimitsRepository(tx, tenantID: user.tenantID).record()
            }
            return try JSONBody.response(TenantLimitsBody(record))
        }

        routes.add(.put, "/v1/admin/limits") { request, context in
            var context = context
            let principal = try services.caller(request, &context, Self.gate)
            let limits = try await JSONBody.decode(TenantLimitsRequest.self, from: request, limit: 4 * 1024).limits()
            let record = try await services.asUser(principal, context, Self.gate) { tx, user in
                let record = try await TenantLimitsRepository(tx, tenantID: user.tenantID).replace(limits, by: user.userID)
                var details = ["exportRoles": record.limits.exportRoles.map(\.rawValue).sorted().joined(separator: ",")]
                details["exportRowCap"] = record.limits.exportRowCap.map(String.init) ?? "plan"
                for role in UserRole.allCases {
                    details["historyDays.\(role.rawValue)"] = record.limits.historyDays[role].map(String.init) ?? "plan"
                }
                try await AuditLog(tx, tenantID: user.tenantID).record(
                    actor: user.userID, action: "tenant_limits.changed", targetType: "tenant", targetID: user.tenantID,
                    details: details)
                return record
            }
            return try JSONBody.response(TenantLimitsBody(record))
        }
    }
}
