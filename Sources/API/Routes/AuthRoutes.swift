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
            let email = body.email.trimmingCharacters(in: .whitespaces).lowercased()
            let address = services.clientAddress(request, context)
            let signIn = SignIn(services: services, address: address, logger: context.logger)
            // Every wrong input costs one bcrypt and answers the same 401 (unknown tenant or
            // e-mail, wrong, over-long or refused password, locked or disabled account), so
            // neither the answer nor its time tells a stranger which accounts exist.
            let wellFormed = TenantSlug.isValid(slug) && email.count <= 254
                && body.password.utf8.count <= InputRules.maxPasswordBytes
            let account = try await signIn.account(slug: wellFormed ? slug : nil, email: email)
            let passwordMatches = await services.passwords.verify(body.password, against: account?.passwordHash ?? services.passwords.dummyHash)
            guard let account, passwordMatches, !account.refused else {
                try await signIn.recordFailure(account: account, reason: account?.refused == true ? "account locked or disabled" : "wrong password")
                throw APIError.unauthenticated("wrong tenant, e-mail or password")
            }
            if let code = body.code, code.count > 64 { throw APIError.badRequest("at most 64 characters", field: "code") }
            switch try await signIn.complete(account, code: body.code) {
            case .signedIn(let principal, let refresh, let recoveryCodes):
                return try tokenResponse(principal, refresh: refresh, recoveryCodes: recoveryCodes)
            case .codeRequired:
                throw APIError.twoStepRequired
            case .enrolmentRequired(let secret):
                throw APIError.twoStepEnrolmentRequired(TwoStepEnrolmentBody(secret: secret, account: email))
            case .wrongCode:
                try await signIn.recordFailure(account: account, reason: "wrong two-step code")
                throw APIError.unauthenticated("wrong tenant, e-mail, password or two-step code")
            case .refused:
                try await signIn.recordFailure(account: account, reason: "account locked or disabled")
                throw APIError.unauthenticated("wrong tenant, e-mail or password")
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
            let (me, twoStep) = try await services.database.withScope(.user(principal), logger: context.logger) { tx in
                (tx.user!, try await TwoStepRepository(tx, tenantID: principal.tenantID).enrolment(of: principal.userID))
            }
            return try JSONBody.response(MeResponse(
                userId: principal.userID, tenantId: principal.tenantID, role: me.role.rawValue,
                departmentIds: me.departmentIDs, permissions: me.permissions.map(\.rawValue).sorted(),
                twoStepEnabled: twoStep?.confirmed ?? false))
        }
    }

    private func tokenResponse(_ principal: UserPrincipal, refresh: IssuedSecret, recoveryCodes: [String]? = nil) throws -> Response {
        try JSONBody.response(TokenResponse(
            accessToken: services.tokens.issue(for: principal, now: services.now),
            expiresIn: Int(services.tokens.ttl), refreshToken: refresh.encoded, recoveryCodes: recoveryCodes))
    }
}
