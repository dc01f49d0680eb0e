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

    /// What a correct password leads to, given the account's two-step sign-in.
    enum Outcome: Sendable {
        /// Signed in; `recoveryCodes` when this sign-in completed an enrolment (shown once).
        case signedIn(UserPrincipal, IssuedSecret, recoveryCodes: [String]?)
        /// Two-step sign-in is on and no code came: ask for one (nothing is counted).
        case codeRequired
        /// The code was wrong, or used already: a failure like a wrong password.
        case wrongCode
        /// The tenant requires two-step sign-in and the user has none: this is the secret to
        /// enrol with (the same until confirmed); the next sign-in with a code confirms it.
        case enrolmentRequired(secret: String)
        /// Disabled or locked meanwhile.
        case refused
    }

    /// After a correct password: checks the two-step code if the account needs one, then issues
    /// the refresh token and gives the address's attempt back. One transaction: a code is used
    /// up only by a sign-in that happens.
    func complete(_ account: AuthRepository.SignInAccount, code: String?) async throws -> Outcome {
        try await services.database.withScope(.tenant(account.tenantID), logger: logger) { tx in
            let twoStep = TwoStepRepository(tx, tenantID: account.tenantID)
            let enrolment = try await twoStep.enrolment(of: account.userID)
            var recoveryCodes: [String]?
            var method = "password"
            let code = code?.trimmingCharacters(in: .whitespaces).nilIfEmpty
            if let enrolment, enrolment.confirmed {
                guard let code else { return .codeRequired }
                guard let accepted = try await TwoStepCodes.accept(code, for: enrolment, of: account.userID, in: twoStep,
                                                                  at: tx.clock.now(), recoveryCodes: true) else { return .wrongCode }
                method = accepted.rawValue
            } else if try await twoStep.twoStepRequired() {
                guard let code else {
                    if let pending = enrolment { return .enrolmentRequired(secret: pending.secret) }
                    let secret = TwoStepCodes.newSecret()
                    _ = try await twoStep.begin(account.userID, secret: secret)
                    return .enrolmentRequired(secret: secret)
                }
                guard let enrolment, try await TwoStepCodes.accept(code, for: enrolment, of: account.userID, in: twoStep,
                                                                    at: tx.clock.now(), recoveryCodes: false) != nil else {
                    return .wrongCode
                }
                let codes = TwoStepCodes.newRecoveryCodes()
                try await twoStep.confirm(account.userID, recoveryCodeHashes: codes.map(TwoStepCodes.recoveryCodeHash))
                try await AuditLog(tx, tenantID: account.tenantID)
                    .record(actor: account.userID, action: "two_step.enrolled", targetType: "user", targetID: account.userID)
                recoveryCodes = codes
                method = "totp"
            }
            guard let (principal, refresh) = try await AuthRepository(tx).completeSignIn(
                userID: account.userID, tenantID: account.tenantID, refreshTTL: services.configuration.refreshTokenTTL) else {
                // The route records the failure.
                return .refused
            }
            if let address { try await SignInThrottle(tx, limit: throttleLimit).forgiveAttempt(address: address) }
            try await AuditLog(tx, tenantID: account.tenantID).record(
                actor: account.userID, action: "auth.signed_in", targetType: "user", targetID: account.userID,
                details: ["method": method])
            return .signedIn(principal, refresh, recoveryCodes: recoveryCodes)
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

private extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
