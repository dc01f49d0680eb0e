import Domain
import Foundation
import Logging
import Store

/// The database side of one sign-in, in short transactions around the password check
/// (which runs outside any: bcrypt holds no pooled connection), with the throttle per
/// client address.
struct SignIn {
    let services: Services
    /// `nil` when the address is unknown (in-process tests): no throttle then.
    let address: String?
    let logger: Logger

    private var throttleLimit: Int { services.configuration.signInFailuresPerAddress }

    /// The account (`nil` for none, or when `slug` is not a valid slug at all), after
    /// counting the attempt against the address: 429 with `Retry-After` past its limit.
    func account(slug: String?, email: String) async throws -> AuthRepository.SignInAccount? {
        let scope: RequestScope = slug.map { .signIn(tenantSlug: $0) } ?? .anonymous
        return try await services.database.withScope(scope, logger: logger) { tx in
            if let address, let wait = try await SignInThrottle(tx, limit: throttleLimit).admit(address: address) {
                throw APIError.tooManyRequests("too many failed sign-ins from this address; try again later", retryAfter: wait)
            }
            guard slug != nil else { return nil }
            return try await AuthRepository(tx).account(email: email)
        }
    }

    /// After a correct password: the refresh token, and the address's attempt given back.
    func complete(_ account: AuthRepository.SignInAccount) async throws -> (UserPrincipal, IssuedSecret)? {
        try await services.database.withScope(.tenant(account.tenantID), logger: logger) { tx in
            let signedIn = try await AuthRepository(tx).completeSignIn(userID: account.userID, tenantID: account.tenantID,
                                                                       refreshTTL: services.configuration.refreshTokenTTL)
            if signedIn != nil, let address { try await SignInThrottle(tx, limit: throttleLimit).forgiveAttempt(address: address) }
            // Refused meanwhile (`nil`): the route records the failure.
            if signedIn != nil {
                try await AuditLog(tx, tenantID: account.tenantID)
                    .record(actor: account.userID, action: "auth.signed_in", targetType: "user", targetID: account.userID)
            }
            return signedIn
        }
    }

    /// Counts the failure against the account (its lock); the address's throttle counted
    /// the attempt already.
    /// A failure for an account that does not exist is on no tenant's record (there is no
    /// tenant to put it in); the address's throttle counted it.
    func recordFailure(account: AuthRepository.SignInAccount?, reason: String) async throws {
        guard let account else { return }
        try await services.database.withScope(.tenant(account.tenantID), logger: logger) { tx in
            try await AuthRepository(tx).recordFailure(userID: account.userID, tenantID: account.tenantID)
            try await AuditLog(tx, tenantID: account.tenantID).record(
                actor: account.userID, action: "auth.sign_in_failed", targetType: "user", targetID: account.userID,
                details: ["reason": reason])
        }
    }
}
