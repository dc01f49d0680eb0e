import Domain
import Foundation
import Hummingbird
import Store

/// Sign-in with tenant slug, e-mail and password; refresh-token rotation; sign-out.
struct AuthRoutes {
    let services: Services
    init(_ services: Services) { self.services = services }

    func register(on routes: RouteRecorder) {
        routes.add(.post, "/v1/auth/login") { request, context in
            let body = try await JSONBody.decode(LoginRequest.self, from: request, limit: 16 * 1024)
            let slug = body.tenant.lowercased()
            guard TenantSlug.isValid(slug) else { throw APIError.unauthenticated("wrong tenant, e-mail or password") }
            let email = body.email.trimmingCharacters(in: .whitespaces).lowercased()
            guard email.count <= 254, body.password.count <= 200 else {
                throw APIError.unauthenticated("wrong tenant, e-mail or password")
            }
            let outcome = try await services.database.withScope(.signIn(tenantSlug: slug), logger: context.logger) { tx in
                try await AuthRepository(tx).signIn(
                    email: email, refreshTTL: services.configuration.refreshTokenTTL, dummyHash: services.passwords.dummyHash,
                    verify: { await services.passwords.verify(body.password, against: $0) })
            }
            switch outcome {
            case .invalidCredentials, .locked:
                // A locked account answers like a wrong password: a different answer would
                // tell a stranger which e-mail addresses have accounts.
                throw APIError.unauthenticated("wrong tenant, e-mail or password")
            case .signedIn(let principal, let refresh):
                return try tokenResponse(principal, refresh: refresh)
            }
        }

        routes.add(.post, "/v1/auth/refresh") { request, context in
            let body = try await JSONBody.decode(RefreshRequest.self, from: request, limit: 16 * 1024)
            guard let presented = IssuedSecret(parsing: body.refreshToken, prefix: "prt") else {
                throw APIError.unauthenticated("the refresh token is invalid or expired")
            }
            let rotated = try await services.database.withScope(.tenant(presented.tenantID), logger: context.logger) { tx in
                try await AuthRepository(tx).rotateRefreshToken(presented, ttl: services.configuration.refreshTokenTTL)
            }
            guard let (principal, refresh) = rotated else {
                throw APIError.unauthenticated("the refresh token is invalid or expired")
            }
            return try tokenResponse(principal, refresh: refresh)
        }

        routes.add(.post, "/v1/auth/logout") { request, context in
            let body = try await JSONBody.decode(RefreshRequest.self, from: request, limit: 16 * 1024)
            if let presented = IssuedSecret(parsing: body.refreshToken, prefix: "prt") {
                try await services.database.withScope(.tenant(presented.tenantID), logger: context.logger) { tx in
                    try await AuthRepository(tx).revokeRefreshToken(presented)
                }
            }
            return Response(status: .noContent)
        }

        routes.add(.get, "/v1/me") { request, context in
            var context = context
            let principal = try services.authenticator.user(request, context: &context)
            let me = try await services.database.withScope(.user(principal), logger: context.logger) { tx in tx.user! }
            return try JSONBody.response(MeResponse(
                userId: principal.userID, tenantId: principal.tenantID, role: me.role.rawValue,
                departmentIds: me.departmentIDs, permissions: me.permissions.map(\.rawValue).sorted()))
        }
    }

    private func tokenResponse(_ principal: UserPrincipal, refresh: IssuedSecret) throws -> Response {
        try JSONBody.response(TokenResponse(
            accessToken: services.tokens.issue(for: principal, now: services.now),
            expiresIn: Int(services.tokens.ttl), refreshToken: refresh.encoded))
    }
}
