import Domain
import Foundation
import Hummingbird
import Store

/// Two-step sign-in (TOTP): a user turns it on for themselves (enrol, confirm with a first
/// code, which answers the recovery codes once) and off again with a code; admins require it
/// for the whole tenant and reset it for a user who lost their phone. Signing in with it is
/// `POST /v1/auth/login` with `code`.
struct TwoStepRoutes {
    let services: Services
    init(_ services: Services) { self.services = services }

    static let gate = RoleGate(allows: RoleAbilities.managesSignInRules, refusal: "only admins manage the tenant's sign-in rules")
    /// Wrong codes a signed-in user may send to confirm, renew or disable in 15 minutes, then 429:
    /// a stolen access token must not be a way to guess the code.
    static let refusalsAllowed = 5
    static let refusals = AuditRateLimit(action: "two_step.code_refused", limit: refusalsAllowed, window: 15 * 60)

    func register(on routes: RouteRecorder) {
        routes.add(.post, "/v1/me/two-step") { request, context in
            let secret = TwoStepCodes.newSecret()
            let email = try await services.asUser(request, context) { tx, user in
                guard try await TwoStepRepository(tx, tenantID: user.tenantID).begin(user.userID, secret: secret) else {
                    throw APIError.conflict("two-step sign-in is on already; turn it off first to enrol a new phone")
                }
                return try await DirectoryRepository(tx, tenantID: user.tenantID).user(user.userID).email
            }
            return try JSONBody.response(TwoStepEnrolmentBody(secret: secret, account: email), status: .created)
        }

        routes.add(.post, "/v1/me/two-step/confirm") { request, context in
            let code = try await Self.code(from: request)
            let codes = TwoStepCodes.newRecoveryCodes()
            let confirmed = try await services.asUser(request, context) { tx, user -> Bool in
                let twoStep = TwoStepRepository(tx, tenantID: user.tenantID)
                guard let enrolment = try await twoStep.enrolment(of: user.userID), !enrolment.confirmed else {
                    throw APIError.conflict("no enrolment to confirm: start one with POST /v1/me/two-step")
                }
                guard try await Self.check(code, enrolment, twoStep, tx, user, recoveryCodes: false) else { return false }
                try await twoStep.confirm(user.userID, recoveryCodeHashes: codes.map(TwoStepCodes.recoveryCodeHash))
                try await AuditLog(tx, tenantID: user.tenantID)
                    .record(actor: user.userID, action: "two_step.enrolled", targetType: "user", targetID: user.userID)
                return true
            }
            guard confirmed else { throw ValidationError(field: "code", reason: "not the authenticator app's current code") }
            return try JSONBody.response(RecoveryCodesBody(recoveryCodes: codes))
        }

        routes.add(.post, "/v1/me/two-step/disable") { request, context in
            let code = try await Self.code(from: request)
            let disabled = try await services.asUser(request, context) { tx, user -> Bool in
                let twoStep = TwoStepRepository(tx, tenantID: user.tenantID)
                guard let enrolment = try await twoStep.enrolment(of: user.userID), enrolment.confirmed else {
                    throw APIError.conflict("two-step sign-in is not on")
                }
                if try await twoStep.twoStepRequired() {
                    throw APIError.conflict("this tenant requires two-step sign-in; an admin can reset it for a new phone")
                }
                guard try await Self.check(code, enrolment, twoStep, tx, user, recoveryCodes: true) else { return false }
                try await twoStep.remove(user.userID)
                try await AuditLog(tx, tenantID: user.tenantID)
                    .record(actor: user.userID, action: "two_step.disabled", targetType: "user", targetID: user.userID)
                return true
            }
            guard disabled else { throw ValidationError(field: "code", reason: "not the authenticator app's current code or an unused recovery code") }
            return Response(status: .noContent)
        }

        // New recovery codes (the old ones stop working), for a user who used or lost them;
        // with a current code, so a stolen access token alone cannot mint them.
        routes.add(.post, "/v1/me/two-step/recovery-codes") { request, context in
            let code = try await Self.code(from: request)
            let codes = TwoStepCodes.newRecoveryCodes()
            let renewed = try await services.asUser(request, context) { tx, user -> Bool in
                let twoStep = TwoStepRepository(tx, tenantID: user.tenantID)
                guard let enrolment = try await twoStep.enrolment(of: user.userID), enrolment.confirmed else {
                    throw APIError.conflict("two-step sign-in is not on")
                }
                guard try await Self.check(code, enrolment, twoStep, tx, user, recoveryCodes: false) else { return false }
                try await twoStep.replaceRecoveryCodes(of: user.userID, hashes: codes.map(TwoStepCodes.recoveryCodeHash))
                try await AuditLog(tx, tenantID: user.tenantID)
                    .record(actor: user.userID, action: "two_step.recovery_codes_renewed", targetType: "user", targetID: user.userID)
                return true
            }
            guard renewed else { throw ValidationError(field: "code", reason: "not the authenticator app's current code") }
            return try JSONBody.response(RecoveryCodesBody(recoveryCodes: codes))
        }

        routes.add(.get, "/v1/admin/sign-in-rules") { request, context in
            var context = context
            let principal = try services.caller(request, &context, Self.gate)
            let required = try await services.asUser(principal, context, Self.gate) { tx, user in
                try await TwoStepRepository(tx, tenantID: user.tenantID).twoStepRequired()
            }
            return try JSONBody.response(SignInRulesBody(twoStepRequired: required))
        }

        routes.add(.put, "/v1/admin/sign-in-rules") { request, context in
            var context = context
            let principal = try services.caller(request, &context, Self.gate)
            let body = try await JSONBody.decode(SignInRulesBody.self, from: request, limit: 1024)
            try await services.asUser(principal, context, Self.gate) { tx, user in
                try await TwoStepRepository(tx, tenantID: user.tenantID).setTwoStepRequired(body.twoStepRequired, by: user.userID)
                try await AuditLog(tx, tenantID: user.tenantID).record(
                    actor: user.userID, action: "sign_in_rules.changed", targetType: "tenant", targetID: user.tenantID,
                    details: ["twoStepRequired": String(body.twoStepRequired)])
            }
            return try JSONBody.response(body)
        }

        routes.add(.delete, "/v1/admin/users/{userId}/two-step") { request, context in
            var context = context
            let principal = try services.caller(request, &context, Self.gate)
            let userID = try request.pathID("userId", context: context, what: "user")
            try await services.asUser(principal, context, Self.gate) { tx, user in
                _ = try await DirectoryRepository(tx, tenantID: user.tenantID).user(userID)
                if try await TwoStepRepository(tx, tenantID: user.tenantID).remove(userID) {
                    try await AuditLog(tx, tenantID: user.tenantID)
                        .record(actor: user.userID, action: "two_step.reset", targetType: "user", targetID: userID)
                }
            }
            return Response(status: .noContent)
        }
    }

    private static func code(from request: Request) async throws -> String {
        let body = try await JSONBody.decode(TwoStepCodeRequest.self, from: request, limit: 1024)
        let code = body.code.trimmingCharacters(in: .whitespaces)
        guard (1...64).contains(code.count) else { throw APIError.badRequest("give the 6-digit code (or a recovery code)", field: "code") }
        return code
    }

    /// Checks a signed-in user's code (429 past `refusalsAllowed` wrong codes in the window);
    /// a wrong one is recorded, and counts, as `refusals.action`. The caller answers 422 on `false`
    /// after its transaction commits, so the refusal stays on record.
    private static func check(_ code: String, _ enrolment: TwoStepRepository.Enrolment, _ twoStep: TwoStepRepository,
                              _ tx: Transaction, _ user: ResolvedUser, recoveryCodes: Bool) async throws -> Bool {
        if let wait = try await refusals.wait(for: user.userID, in: tx, tenantID: user.tenantID) {
            throw APIError.tooManyRequests("too many wrong two-step codes; try again later", retryAfter: wait)
        }
        guard try await TwoStepCodes.accept(code, for: enrolment, of: user.userID, in: twoStep, at: tx.clock.now(),
                                            recoveryCodes: recoveryCodes) != nil else {
            try await AuditLog(tx, tenantID: user.tenantID)
                .record(actor: user.userID, action: refusals.action, targetType: "user", targetID: user.userID)
            return false
        }
        return true
    }
}
