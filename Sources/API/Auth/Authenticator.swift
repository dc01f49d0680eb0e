import Crypto
import Domain
import Foundation
import HTTPTypes
import Hummingbird
import Store

/// Turns the `Authorization: Bearer …` header into a principal. Three kinds of
/// bearer exist: user access tokens (JWT), integration API keys (`pk_…`) and the
/// platform operator's token from configuration.
struct Authenticator: Sendable {
    let tokens: AccessTokens
    let operatorToken: String
    let database: Database

    private func bearer(_ request: Request) throws -> String {
        guard let header = request.headers[.authorization] else {
            throw APIError.unauthenticated("send 'Authorization: Bearer <token>'")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", !parts[1].isEmpty else {
            throw APIError.unauthenticated("the Authorization header must be 'Bearer <token>'")
        }
        return String(parts[1])
    }

    func user(_ request: Request, context: inout AppRequestContext) throws -> UserPrincipal {
        guard let principal = tokens.verify(try bearer(request), now: database.clock.now()) else {
            throw APIError.unauthenticated("the access token is invalid or expired")
        }
        context.tag(tenantID: principal.tenantID.uuidString.lowercased())
        return principal
    }

    /// A signed-in admin; other roles get 403 (they are authenticated, just not allowed).
    func admin(_ request: Request, context: inout AppRequestContext) throws -> UserPrincipal {
        let principal = try user(request, context: &context)
        guard principal.mayAdminister else { throw APIError.forbidden("only admins may do this") }
        return principal
    }

    func platformOperator(_ request: Request) throws {
        let presented = Data(try bearer(request).utf8)
        // Compare MACs, not the strings, so the comparison takes the same time wherever they differ.
        let key = SymmetricKey(size: .bits256)
        let expected = HMAC<SHA256>.authenticationCode(for: Data(operatorToken.utf8), using: key)
        guard HMAC<SHA256>.isValidAuthenticationCode(expected, authenticating: presented, using: key) else {
            throw APIError.unauthenticated("the operator token is not valid")
        }
    }

    func integration(_ request: Request, context: inout AppRequestContext) async throws -> IntegrationPrincipal {
        guard let secret = IssuedSecret(parsing: try bearer(request), prefix: "pk") else {
            throw APIError.unauthenticated("the API key is not valid")
        }
        let principal = try await database.withScope(.tenant(secret.tenantID), logger: context.logger) { tx in
            try await AuthRepository(tx).authenticateAPIKey(secret)
        }
        guard let principal else { throw APIError.unauthenticated("the API key is not valid") }
        context.tag(tenantID: principal.tenantID.uuidString.lowercased())
        return principal
    }
}
