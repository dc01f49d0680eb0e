@testable import API
import Foundation
import HTTPTypes
import HummingbirdOTP
import Store
import TestSupport
import Testing

/// Two-step sign-in (TOTP): the algorithm against RFC 6238's vectors, then enrolment,
/// sign-in with codes and recovery codes, replay, throttling, the tenant-wide requirement and
/// an admin's reset, through HTTP with the server's clock moved by the test.
@Suite("Two-step sign-in")
struct TwoStepTests {
    @Test("TOTP codes match RFC 6238's test vectors (SHA-1, SHA-256, SHA-512; 8 digits, 30 s)")
    func rfc6238Vectors() {
        let seeds: [(OTPHashFunction, String)] = [
            (.sha1, "12345678901234567890"),
            (.sha256, "12345678901234567890123456789012"),
            (.sha512, "1234567890123456789012345678901234567890123456789012345678901234"),
        ]
        let vectors: [(time: Double, codes: [String])] = [
            (59, ["94287082", "46119246", "90693936"]),
            (1_111_111_109, ["07081804", "68084774", "25091201"]),
            (1_111_111_111, ["14050471", "67062674", "99943326"]),
            (1_234_567_890, ["89005924", "91819424", "93441116"]),
            (2_000_000_000, ["69279037", "90698825", "38618901"]),
            (20_000_000_000, ["65353130", "77737706", "47863826"]),
        ]
        for (time, codes) in vectors {
            let step = TwoStepCodes.step(at: Date(timeIntervalSince1970: time))
            for ((hash, seed), expected) in zip(seeds, codes) {
                #expect(TwoStepCodes.code(secret: seed, step: step, digits: 8, hash: hash) == expected, "T=\(time) \(hash)")
            }
        }
        // The six-digit codes apps show are the last six of the same number.
        #expect(TwoStepCodes.code(secret: "12345678901234567890", step: 1, digits: 6) == "287082")
        #expect(TwoStepCodes.base32("12345678901234567890") == "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
    }

    /// The code an authenticator app would show for `enrolment` (its base32 `secret`) at `time`.
    static func code(_ enrolment: [String: Any], at time: Date, offsetSteps: Int64 = 0) throws -> String {
        let text = try #require(enrolment["secret"] as? String)
        let secret = try #require(base32Decode(text))
        return TwoStepCodes.code(secret: secret, step: TwoStepCodes.step(at: time) + offsetSteps)
    }

    static func base32Decode(_ text: String) -> String? {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var bytes: [UInt8] = [], buffer = 0, bits = 0
        for character in text {
            guard let value = alphabet.firstIndex(of: character) else { return nil }
            buffer = (buffer << 5) | value
            bits += 5
            if bits >= 8 {
                bytes.append(UInt8((buffer >> (bits - 8)) & 0xFF))
                bits -= 8
            }
        }
        return String(bytes: bytes, encoding: .utf8)
    }

    func login(_ api: APIHarness, _ fixture: TenantFixture, _ user: String, code: String? = nil) async throws -> APIHarness.Reply {
        let codeField = code.map { #","code":"\#($0)""# } ?? ""
        return try await api.send(.post, "/v1/auth/login", json: #"{"tenant":"\#(fixture.slug)","email":"\#(fixture.email(user))","password":"\#(TenantFixture.password)"\#(codeField)}"#)
    }

    @Test("enrol, confirm, sign in with a code once, with a recovery code once, turn it off")
    func enrolAndSignIn() async throws {
        let clock = MovableClock()
        try await APIHarness.with(clock: clock) { api in
            let acme = try await api.tenant("twostep")
            let token = try await api.token("agentA", of: acme)
            #expect(try await api.send(.get, "/v1/me", token: token)["twoStepEnabled"] as? Bool == false)
            let enrolment = try await api.send(.post, "/v1/me/two-step", token: token)
            #expect(enrolment.status == .created)
            let uri = try #require(enrolment["otpauthUri"] as? String)
            #expect(uri.hasPrefix("otpauth://totp/Parley") && uri.contains("secret=\(enrolment["secret"] as? String ?? "-")"))
            // Not on until confirmed: a sign-in needs no code yet.
            #expect(try await login(api, acme, "agentA").status == .ok)
            let wrong = try await api.send(.post, "/v1/me/two-step/confirm", token: token, json: #"{"code":"000000"}"#)
            expectProblem(wrong, .unprocessableContent, field: "code")
            let confirmed = try await api.send(.post, "/v1/me/two-step/confirm", token: token,
                                               json: #"{"code":"\#(try Self.code(enrolment.json, at: clock.now))"}"#)
            #expect(confirmed.status == .ok)
            let recovery = try #require(confirmed["recoveryCodes"] as? [String])
            #expect(recovery.count == 10 && Set(recovery).count == 10)
            #expect(try await api.send(.get, "/v1/me", token: token)["twoStepEnabled"] as? Bool == true)
            expectProblem(try await api.send(.post, "/v1/me/two-step", token: token), .conflict)

            // The password alone is no longer enough: 401 naming the code, of its own type.
            let asked = try await login(api, acme, "agentA")
            expectProblem(asked, .unauthorized, field: "code")
            #expect(asked["type"] as? String == "https://parley.dev/problems/two-step-required")
            // The confirming code's step is used: the same code again is refused (replay).
            expectProblem(try await login(api, acme, "agentA", code: try Self.code(enrolment.json, at: clock.now)), .unauthorized)
            clock.advance(days: 30 / 86_400)
            let next = try Self.code(enrolment.json, at: clock.now)
            #expect(try await login(api, acme, "agentA", code: next).status == .ok)
            expectProblem(try await login(api, acme, "agentA", code: next), .unauthorized)
            // A phone a step behind still works (once).
            clock.advance(days: 60 / 86_400)
            #expect(try await login(api, acme, "agentA", code: try Self.code(enrolment.json, at: clock.now, offsetSteps: -1)).status == .ok)
            // Each recovery code works once, typed in any case.
            #expect(try await login(api, acme, "agentA", code: recovery[0].uppercased()).status == .ok)
            expectProblem(try await login(api, acme, "agentA", code: recovery[0]), .unauthorized)

            // New recovery codes, with a current code: the old ones stop working.
            clock.advance(days: 30 / 86_400)
            expectProblem(try await api.send(.post, "/v1/me/two-step/recovery-codes", token: token, json: #"{"code":"000000"}"#),
                          .unprocessableContent, field: "code")
            let renewed = try await api.send(.post, "/v1/me/two-step/recovery-codes", token: token,
                                             json: #"{"code":"\#(try Self.code(enrolment.json, at: clock.now))"}"#)
            let fresh = try #require(renewed["recoveryCodes"] as? [String])
            #expect(fresh.count == 10 && Set(fresh).isDisjoint(with: recovery))
            expectProblem(try await login(api, acme, "agentA", code: recovery[1]), .unauthorized)
            #expect(try await login(api, acme, "agentA", code: fresh[0]).status == .ok)

                        // Off again, with a current code; then the password is enough.
            clock.advance(days: 30 / 86_400)
            expectProblem(try await api.send(.post, "/v1/me/two-step/disable", token: token, json: #"{"code":"123"}"#),
                          .unprocessableContent, field: "code")
            let off = try await api.send(.post, "/v1/me/two-step/disable", token: token,
                                         json: #"{"code":"\#(try Self.code(enrolment.json, at: clock.now))"}"#)
            #expect(off.status == .noContent)
            #expect(try await login(api, acme, "agentA").status == .ok)
            expectProblem(try await api.send(.post, "/v1/me/two-step/disable", token: token, json: #"{"code":"123456"}"#), .conflict)

            let admin = try await api.token("admin", of: acme)
            let events = try await api.send(.get, "/v1/admin/audit-events?targetId=\(acme.users["agentA"]!)&limit=200", token: admin)
            let actions = events.items.compactMap { $0["action"] as? String }
            for action in ["two_step.enrolled", "two_step.disabled", "two_step.code_refused", "auth.sign_in_failed"] {
                #expect(actions.contains(action), "\(action) in \(actions)")
            }
            let methods = events.items.filter { $0["action"] as? String == "auth.signed_in" }
                .compactMap { ($0["details"] as? [String: String])?["method"] }
            #expect(Set(methods) == ["password", "totp", "recovery_code"])
            #expect(events.items.contains { ($0["details"] as? [String: String])?["reason"] == "wrong two-step code" })
        }
    }

    @Test("wrong codes to confirm are throttled per user: the sixth in 15 minutes is 429 with Retry-After")
    func wrongCodesThrottled() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("twostep-throttle")
            let token = try await api.token("agentB", of: acme)
            #expect(try await api.send(.post, "/v1/me/two-step", token: token).status == .created)
            for _ in 0..<TwoStepRoutes.refusalsAllowed {
                expectProblem(try await api.send(.post, "/v1/me/two-step/confirm", token: token, json: #"{"code":"000000"}"#),
                              .unprocessableContent, field: "code")
            }
            let throttled = try await api.send(.post, "/v1/me/two-step/confirm", token: token, json: #"{"code":"000000"}"#)
            expectProblem(throttled, .tooManyRequests)
            #expect(Int(throttled.headers[.retryAfter] ?? "") ?? 0 > 0)
        }
    }

    @Test("a tenant that requires it: sign-in without it answers the secret to enrol with; the first code confirms")
    func tenantRequirement() async throws {
        let clock = MovableClock()
        try await APIHarness.with(clock: clock) { api in
            let acme = try await api.tenant("twostep-required")
            let admin = try await api.token("admin", of: acme)
            #expect(try await api.send(.get, "/v1/admin/sign-in-rules", token: admin)["twoStepRequired"] as? Bool == false)
            let set = try await api.send(.put, "/v1/admin/sign-in-rules", token: admin, json: #"{"twoStepRequired":true}"#)
            #expect(set.status == .ok && set["twoStepRequired"] as? Bool == true)
            let refused = try await login(api, acme, "agentB")
            expectProblem(refused, .forbidden, field: "code")
            #expect(refused["type"] as? String == "https://parley.dev/problems/two-step-enrolment-required")
            let enrolment = try #require(refused["enrolment"] as? [String: Any])
            // Asked again before finishing: the same secret (the app has it already).
            #expect((try await login(api, acme, "agentB")["enrolment"] as? [String: Any])?["secret"] as? String == enrolment["secret"] as? String)
            expectProblem(try await login(api, acme, "agentB", code: "000000"), .unauthorized)
            let signedIn = try await login(api, acme, "agentB", code: try Self.code(enrolment, at: clock.now))
            #expect(signedIn.status == .ok)
            #expect((signedIn["recoveryCodes"] as? [String])?.count == 10)
            let token = try #require(signedIn["accessToken"] as? String)
            // While required, a user cannot turn it off; an admin can reset it for a lost phone.
            clock.advance(days: 30 / 86_400)
            expectProblem(try await api.send(.post, "/v1/me/two-step/disable", token: token,
                                             json: #"{"code":"\#(try Self.code(enrolment, at: clock.now))"}"#), .conflict)
            #expect(try await api.send(.delete, "/v1/admin/users/\(acme.users["agentB"]!)/two-step", token: admin).status == .noContent)
            let again = try await login(api, acme, "agentB")
            expectProblem(again, .forbidden, field: "code")
            #expect((again["enrolment"] as? [String: Any])?["secret"] as? String != enrolment["secret"] as? String)
            // Lifted: the password is enough again for those without it.
            #expect(try await api.send(.put, "/v1/admin/sign-in-rules", token: admin, json: #"{"twoStepRequired":false}"#).status == .ok)
            #expect(try await login(api, acme, "agentB").status == .ok)
            let audit = try await api.send(.get, "/v1/admin/audit-events?action=sign_in_rules.changed", token: admin)
            #expect(audit.items.count == 2)
            #expect(try await api.send(.get, "/v1/admin/audit-events?action=two_step.reset", token: admin).items.count == 1)
        }
    }

    @Test("bad input is 400 naming the field; others' users are 404; only admins set the rules or reset (403), nothing written")
    func guards() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("twostep-guards")
            let other = try await api.tenant("twostep-other")
            let admin = try await api.token("admin", of: acme)
            let agent = try await api.token("agentA", of: acme)
            expectProblem(try await api.send(.put, "/v1/admin/sign-in-rules", token: admin, json: #"{"twoStepRequired":"yes"}"#),
                          .badRequest, field: "twoStepRequired")
            expectProblem(try await api.send(.put, "/v1/admin/sign-in-rules", token: admin, json: #"{}"#), .badRequest, field: "twoStepRequired")
            expectProblem(try await api.send(.post, "/v1/me/two-step/confirm", token: agent, json: #"{}"#), .badRequest, field: "code")
            expectProblem(try await api.send(.post, "/v1/me/two-step/recovery-codes", token: agent, json: #"{}"#), .badRequest, field: "code")
            expectProblem(try await api.send(.post, "/v1/me/two-step/disable", token: agent, json: #"{"code":7}"#), .badRequest, field: "code")
            expectProblem(try await api.send(.post, "/v1/me/two-step/recovery-codes", token: agent, json: #"{"code":"123456"}"#), .conflict)
            expectProblem(try await api.send(.post, "/v1/me/two-step/confirm", token: agent, json: #"{"code":"123456"}"#), .conflict)
            expectProblem(try await api.send(.post, "/v1/auth/login",
                                             json: #"{"tenant":"\#(acme.slug)","email":"\#(acme.email("agentA"))","password":"\#(TenantFixture.password)","code":"\#(String(repeating: "1", count: 65))"}"#),
                          .badRequest, field: "code")
            for user in ["agentA", "supervisor"] {
                let token = try await api.token(user, of: acme)
                expectProblem(try await api.send(.get, "/v1/admin/sign-in-rules", token: token), .forbidden)
                expectProblem(try await api.send(.put, "/v1/admin/sign-in-rules", token: token, json: #"{"twoStepRequired":true}"#), .forbidden)
                expectProblem(try await api.send(.delete, "/v1/admin/users/\(acme.users["agentB"]!)/two-step", token: token), .forbidden)
            }
            #expect(try await api.count("tenant_sign_in_rules") == 0)
            expectProblem(try await api.send(.delete, "/v1/admin/users/\(other.users["agentA"]!)/two-step", token: admin), .notFound)
            expectProblem(try await api.send(.delete, "/v1/admin/users/nope/two-step", token: admin), .notFound)
            expectProblem(try await api.send(.post, "/v1/me/two-step"), .unauthorized)
            expectProblem(try await api.send(.get, "/v1/admin/sign-in-rules"), .unauthorized)
            #expect(try await api.count("two_step_secrets") == 0)
        }
    }
}
