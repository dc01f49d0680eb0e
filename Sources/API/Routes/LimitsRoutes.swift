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

    func register(on routes: RouteRecorder) {
        routes.add(.get, "/v1/admin/limits") { request, context in
            var context = context
            let principal = try manager(request, &context)
            let record = try await asManager(principal, context) { tx, user in
                try await TenantLimitsRepository(tx, tenantID: user.tenantID).record()
            }
            return try JSONBody.response(TenantLimitsBody(record))
        }

        routes.add(.put, "/v1/admin/limits") { request, context in
            var context = context
            let principal = try manager(request, &context)
            let limits = try await JSONBody.decode(TenantLimitsRequest.self, from: request, limit: 4 * 1024).limits()
            let record = try await asManager(principal, context) { tx, user in
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

    /// The signed-in caller, if their token's role may set limits (before any body or database work).
    private func manager(_ request: Request, _ context: inout AppRequestContext) throws -> UserPrincipal {
        let principal = try services.authenticator.user(request, context: &context)
        guard RoleAbilities.managesLimits(principal.role) else { throw APIError.forbidden("only admins set the tenant's limits") }
        return principal
    }

    /// The caller's transaction, if their role as stored now may set limits (the token may predate a demotion).
    private func asManager<T: Sendable>(_ principal: UserPrincipal, _ context: AppRequestContext,
                                        _ body: @escaping @Sendable (Transaction, ResolvedUser) async throws -> T) async throws -> T {
        try await services.asUser(principal, context) { tx, user in
            guard RoleAbilities.managesLimits(user.role) else { throw APIError.forbidden("only admins set the tenant's limits") }
            return try await body(tx, user)
        }
    }
}
