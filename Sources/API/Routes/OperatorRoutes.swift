import Domain
import Foundation
import Hummingbird
import Store

/// The platform operator creates tenants and sets plans (PRODUCT.md §2).
struct OperatorRoutes {
    let services: Services
    init(_ services: Services) { self.services = services }

    func register(on routes: RouteRecorder) {
        routes.add(.post, "/v1/operator/tenants") { request, context in
            try services.authenticator.platformOperator(request)
            let body = try await JSONBody.decode(CreateTenantRequest.self, from: request, limit: services.configuration.maxBodyBytes)
            let slug = body.slug
            guard TenantSlug.isValid(slug) else {
                throw ValidationError(field: "slug", reason: "2 to 63 lower-case letters, digits and hyphens, starting with a letter or digit")
            }
            let name = try InputRules.text(body.name, field: "name", length: 1...200)
            let email = try InputRules.email(body.admin.email, field: "admin.email")
            let displayName = try InputRules.text(body.admin.displayName, field: "admin.displayName", length: 1...100)
            let password = try InputRules.password(body.admin.password, field: "admin.password")
            let hash = try await services.passwords.hash(password)
            let (tenant, adminID) = try await services.database.withScope(.platformOperator, logger: context.logger) { tx in
                try await OperatorRepository(tx).createTenant(
                    slug: slug, name: name, planCode: body.plan,
                    admin: .init(email: email, displayName: displayName, passwordHash: hash))
            }
            return try JSONBody.response(TenantBody(tenant, adminUserID: adminID), status: .created)
        }

        routes.add(.patch, "/v1/operator/tenants/{tenantId}") { request, context in
            try services.authenticator.platformOperator(request)
            let tenantID = try request.pathID("tenantId", context: context, what: "tenant")
            let body = try await JSONBody.decode(ChangeTenantRequest.self, from: request, limit: 16 * 1024)
            guard body.plan != nil || body.timeZone != nil || body.complianceMinimumDays != nil else {
                throw APIError.badRequest("give plan, timeZone, complianceMinimumDays or several", field: "plan")
            }
            let tenant = try await services.database.withScope(.platformOperator, logger: context.logger) { tx in
                try await OperatorRepository(tx).changeTenant(tenantID: tenantID, planCode: body.plan, timeZone: body.timeZone,
                                                              complianceMinimumDays: body.complianceMinimumDays)
            }
            return try JSONBody.response(TenantBody(tenant))
        }

        routes.add(.get, "/v1/operator/plans") { request, context in
            try services.authenticator.platformOperator(request)
            let plans = try await services.database.withScope(.platformOperator, logger: context.logger) { tx in
                try await OperatorRepository(tx).plans()
            }
            return try JSONBody.response(ListBody(items: plans.map(PlanBody.init)))
        }

        routes.add(.put, "/v1/operator/plans/{planCode}") { request, context in
            try services.authenticator.platformOperator(request)
            guard let code = context.parameters.get("planCode"), code.count <= 32 else { throw APIError.notFound("plan") }
            let body = try await JSONBody.decode(PlanBody.self, from: request, limit: 16 * 1024)
            let plan = body.plan(code: code)
            try plan.validate()
            let updated = try await services.database.withScope(.platformOperator, logger: context.logger) { tx in
                try await OperatorRepository(tx).updatePlan(plan)
            }
            return try JSONBody.response(PlanBody(updated))
        }
    }
}
