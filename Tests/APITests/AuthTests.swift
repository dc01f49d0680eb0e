import Foundation
import HTTPTypes
import TestSupport
import Testing

@Suite("Sign-in and tokens")
struct AuthTests {
    @Test("a user signs in with tenant, e-mail and password and sees who they are")
    func signIn() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let token = try await api.token("supervisor", of: acme)
            let me = try await api.send(.get, "/v1/me", token: token)
            #expect(me.status == .ok)
            #expect(me["role"] as? String == "supervisor")
            // The supervisor's scope covers after-sales and the support department under it.
            #expect(Set((me["departmentIds"] as? [String] ?? []).map { $0.lowercased() })
                    == Set([acme.departments["afterSales"]!, acme.departments["support"]!].map { $0.uuidString.lowercased() }))
        }
    }

    @Test("wrong password, unknown e-mail and unknown tenant all get the same 401")
    func wrongCredentials() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            for body in [APIHarness.login(acme.slug, acme.email("agentA"), "wrong password!"),
                         APIHarness.login(acme.slug, acme.email("nobody"), "correct horse battery staple"),
                         APIHarness.login("nope", acme.email("agentA"), "correct horse battery staple"),
                         APIHarness.login("BAD SLUG!", acme.email("agentA"), "x")] {
                let reply = try await api.send(.post, "/v1/auth/login", json: body)
                expectProblem(reply, .unauthorized)
                #expect(reply["detail"] as? String == "wrong tenant, e-mail or password")
            }
        }
    }

    @Test("five failed sign-ins lock the account, even against the right password, without telling a stranger so")
    func lockout() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            for _ in 0..<5 {
                let reply = try await api.send(.post, "/v1/auth/login", json: APIHarness.login(acme.slug, acme.email("agentA"), "wrong password!"))
                expectProblem(reply, .unauthorized)
            }
            let locked = try await api.send(.post, "/v1/auth/login",
                                            json: APIHarness.login(acme.slug, acme.email("agentA"), TenantFixture.password))
            expectProblem(locked, .unauthorized)
            #expect(locked["detail"] as? String == "wrong tenant, e-mail or password")
            let lock = try await api.db.superuserRows("SELECT locked_until > now() FROM users WHERE email = '\(acme.email("agentA"))'")
            #expect(try lock[0].decode(Bool.self))
            // Other users of the tenant are not affected.
            _ = try await api.token("agentB", of: acme)
        }
    }

    @Test("a refresh token works once: it is rotated, a reused one ends the sign-in, and sign-out revokes it")
    func refreshRotation() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let login = try await api.send(.post, "/v1/auth/login",
                                           json: APIHarness.login(acme.slug, acme.email("agentA"), TenantFixture.password))
            let first = try #require(login["refreshToken"] as? String)
            let refreshed = try await api.send(.post, "/v1/auth/refresh", json: #"{"refreshToken":"\#(first)"}"#)
            #expect(refreshed.status == .ok)
            let second = try #require(refreshed["refreshToken"] as? String)
            #expect(second != first)
            let access = try #require(refreshed["accessToken"] as? String)
            #expect(try await api.send(.get, "/v1/me", token: access).status == .ok)
            // Presenting the rotated token again: refused, and the whole sign-in is ended,
            // because two parties hold that token.
            expectProblem(try await api.send(.post, "/v1/auth/refresh", json: #"{"refreshToken":"\#(first)"}"#), .unauthorized)
            expectProblem(try await api.send(.post, "/v1/auth/refresh", json: #"{"refreshToken":"\#(second)"}"#), .unauthorized)
            let again = try await api.send(.post, "/v1/auth/login",
                                           json: APIHarness.login(acme.slug, acme.email("agentA"), TenantFixture.password))
            let third = try #require(again["refreshToken"] as? String)
            #expect(try await api.send(.post, "/v1/auth/logout", json: #"{"refreshToken":"\#(third)"}"#).status == .noContent)
            expectProblem(try await api.send(.post, "/v1/auth/refresh", json: #"{"refreshToken":"\#(third)"}"#), .unauthorized)
            expectProblem(try await api.send(.post, "/v1/auth/refresh", json: #"{"refreshToken":"garbage"}"#), .unauthorized)
        }
    }

    @Test("a password reset ends the user's sessions: earlier refresh tokens stop working")
    func resetRevokesSessions() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let login = try await api.send(.post, "/v1/auth/login",
                                           json: APIHarness.login(acme.slug, acme.email("agentA"), TenantFixture.password))
            let refresh = try #require(login["refreshToken"] as? String)
            let admin = try await api.token("admin", of: acme)
            #expect(try await api.send(.patch, "/v1/admin/users/\(acme.users["agentA"]!)", token: admin,
                                       json: #"{"password":"a brand new password"}"#).status == .ok)
            expectProblem(try await api.send(.post, "/v1/auth/refresh", json: #"{"refreshToken":"\#(refresh)"}"#), .unauthorized)
            #expect(try await api.send(.post, "/v1/auth/login",
                                       json: APIHarness.login(acme.slug, acme.email("agentA"), "a brand new password")).status == .ok)
        }
    }

    @Test("missing, malformed, forged and expired access tokens get 401")
    func badAccessTokens() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let token = try await api.token("agentA", of: acme)
            expectProblem(try await api.send(.get, "/v1/conversations"), .unauthorized)
            expectProblem(try await api.send(.get, "/v1/conversations", token: "not-a-jwt"), .unauthorized)
            // Same header and claims, signature of another key.
            let parts = token.split(separator: ".")
            let forged = "\(parts[0]).\(parts[1]).c2lnbmVkIGJ5IHNvbWVvbmUgZWxzZQ"
            expectProblem(try await api.send(.get, "/v1/conversations", token: forged), .unauthorized)
            // alg "none" is never accepted.
            let none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.\(parts[1])."
            expectProblem(try await api.send(.get, "/v1/conversations", token: none), .unauthorized)
            // An expired token: issued with a past expiry under the right key.
            let expired = ExpiredToken.make(secret: APIHarness.jwtSecret, tenantID: acme.tenantID, userID: acme.users["agentA"]!)
            expectProblem(try await api.send(.get, "/v1/conversations", token: expired), .unauthorized)
        }
    }

    @Test("sign-in with a malformed body is a 400 naming the problem, with nothing written")
    func badSignInBodies() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let tokensBefore = try await api.count("refresh_tokens")
            expectProblem(try await api.send(.post, "/v1/auth/login", json: "{not json"), .badRequest)
            expectProblem(try await api.send(.post, "/v1/auth/login", json: #"{"tenant":"\#(acme.slug)","email":"a@b.c"}"#), .badRequest, field: "password")
            expectProblem(try await api.send(.post, "/v1/auth/login", json: #"{"tenant":1,"email":"a@b.c","password":"x"}"#), .badRequest, field: "tenant")
            expectProblem(try await api.send(.post, "/v1/auth/login", raw: Data([0x7B, 0xFF, 0xFE, 0x7D])), .badRequest)
            expectProblem(try await api.send(.post, "/v1/auth/login", json: "{}", contentType: "text/plain"), .unsupportedMediaType)
            #expect(try await api.count("refresh_tokens") == tokensBefore)
        }
    }
}

import Crypto

/// Builds an HS256 token whose expiry has passed, signed with the test key.
enum ExpiredToken {
    static func make(secret: [UInt8], tenantID: UUID, userID: UUID) -> String {
        func encode(_ data: Data) -> String {
            data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }
        let header = encode(Data(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        let past = Int(Date().timeIntervalSince1970) - 3600
        let claims = #"{"sub":"\#(userID.uuidString.lowercased())","tid":"\#(tenantID.uuidString.lowercased())","role":"agent","iat":\#(past - 900),"exp":\#(past)}"#
        let input = "\(header).\(encode(Data(claims.utf8)))"
        let mac = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: secret))
        return "\(input).\(encode(Data(mac)))"
    }
}
