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

    /// The account, after checking the address may try now (429 with `Retry-After` when not).
    func account(slug: String, email: String) async throws -> AuthRepository.SignInAccount? {
        try await services.database.withScope(.signIn(tenantSlug: slug), logger: logger) { tx in
            if let address, let wait = try await SignInThrottle(tx, limit: throttleLimit).retryAfter(address: address) {
                throw APIError.tooManyRequests("too many failed sign-ins from this address; try again later", retryAfter: wait)
            }
            return try await AuthRepository(tx).account(email: email)
        }
    }

    func complete(_ account: AuthRepository.SignInAccount) async throws -> (UserPrincipal, IssuedSecret)? {
        try await services.database.withScope(.tenant(account.tenantID), logger: logger) { tx in
            try await AuthRepository(tx).completeSignIn(userID: account.userID, tenantID: account.tenantID,
                                                        refreshTTL: services.configuration.refreshTokenTTL)
        }
    }

    /// Counts the failure against the account (its lock) and the address (its throttle).
    func recordFailure(account: AuthRepository.SignInAccount?) async throws {
        if let account {
            try await services.database.withScope(.tenant(account.tenantID), logger: logger) { tx in
                try await AuthRepository(tx).recordFailure(userID: account.userID, tenantID: account.tenantID)
                if let address { try await SignInThrottle(tx, limit: throttleLimit).recordFailure(address: address) }
            }
        } else if let address {
            try await services.database.withScope(.anonymous, logger: logger) { tx in
                try await SignInThrottle(tx, limit: throttleLimit).recordFailure(address: address)
            }
        }
    }
}
