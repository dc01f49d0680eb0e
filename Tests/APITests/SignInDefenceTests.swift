import API
import Foundation
import HTTPTypes
import PostgresNIO
import TestSupport
import Testing

@Suite("Sign-in defences")
struct SignInDefenceTests {
    static func login(_ tenant: String, _ email: String, _ password: String) -> String {
        #"{"tenant":"\#(tenant)","email":"\#(email)","password":"\#(password)"}"#
    }

    @Test("every way a sign-in can fail checks exactly one password, so none answers faster (locked, disabled, unknown, over-long)")
    func oneCheckOnEveryPath() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let admin = try await api.token("admin", of: acme)
            for _ in 0..<5 {
                _ = try await api.send(.post, "/v1/auth/login", json: Self.login(acme.slug, acme.email("agentA"), "wrong password!"))
            }
            _ = try await api.send(.patch, "/v1/admin/users/\(acme.users["agentB"]!)", token: admin, json: #"{"disabled":true}"#)
            let cases = [
                ("locked account, right password", Self.login(acme.slug, acme.email("agentA"), TenantFixture.password)),
                ("disabled account, right password", Self.login(acme.slug, acme.email("agentB"), TenantFixture.password)),
                ("unknown e-mail", Self.login(acme.slug, acme.email("nobody"), TenantFixture.password)),
                ("unknown tenant", Self.login("nope", acme.email("agentA"), TenantFixture.password)),
                ("malformed tenant", Self.login("BAD SLUG!", acme.email("agentA"), TenantFixture.password)),
                ("over 72 bytes", Self.login(acme.slug, acme.email("supervisor"), String(repeating: "L", count: 80))),
                ("wrong password", Self.login(acme.slug, acme.email("supervisor"), "wrong password!")),
            ]
            for (name, body) in cases {
                let before = api.passwords.verifications
                let reply = try await api.send(.post, "/v1/auth/login", json: body)
                expectProblem(reply, .unauthorized)
                #expect(reply["detail"] as? String == "wrong tenant, e-mail or password", "\(name)")
                #expect(api.passwords.verifications - before == 1, "\(name): \(api.passwords.verifications - before) checks")
            }
        }
    }

    @Test("a password is checked outside any transaction: concurrent sign-ins leave no connection idle in a transaction for a check's length")
    func noConnectionHeldDuringBcrypt() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            // A real cost (about 250 ms a check here), so the checks overlap the probe below.
            let slow = PasswordHasher(cost: 12).hashSynchronously(TenantFixture.password)
            _ = try await api.db.superuserRows("UPDATE users SET password_hash = '\(slow)' WHERE email = '\(acme.email("supervisor"))'")
            // On a shared database, only this test's connections (other tests' are busy meanwhile).
            let ownConnections = api.db.applicationName.map { " AND application_name = '\($0)'" } ?? ""
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        _ = try await api.send(.post, "/v1/auth/login", json: Self.login(acme.slug, acme.email("supervisor"), "wrong password!"))
                    }
                }
                var worst = 0
                for _ in 0..<15 {
                    try await Task.sleep(for: .milliseconds(60))
                    let held = try await api.db.superuserRows("""
                        SELECT count(*)::int FROM pg_stat_activity
                        WHERE datname = current_database() AND usename = 'parley_app' AND state LIKE 'idle in transaction%'
                          AND now() - state_change > interval '100 milliseconds'\(ownConnections)
                        """)[0].decode(Int.self)
                    worst = max(worst, held)
                }
                try await group.waitForAll()
                #expect(worst == 0, "\(worst) connections were idle in a transaction while passwords were checked")
            }
        }
    }

    @Test("past 20 failed sign-ins from one address it gets 429 with Retry-After, whatever it tries; other addresses are unaffected")
    func throttlePerAddress() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let guesser: HTTPFields = [HTTPField.Name("X-Forwarded-For")!: "10.0.0.1, 203.0.113.9"]
            for index in 0..<20 {
                // Spread over accounts that exist and do not, so no account lock explains it.
                let email = index % 2 == 0 ? acme.email("nobody\(index)") : acme.email("supervisor")
                let reply = try await api.send(.post, "/v1/auth/login", json: Self.login(acme.slug, email, "wrong password \(index)"), headers: guesser)
                expectProblem(reply, .unauthorized)
            }
            let throttled = try await api.send(.post, "/v1/auth/login", json: Self.login(acme.slug, acme.email("agentA"), TenantFixture.password),
                                               headers: guesser)
            expectProblem(throttled, .tooManyRequests)
            let retryAfter = Int(throttled.headers[.retryAfter] ?? "") ?? 0
            #expect((1...900).contains(retryAfter))
            // The address is the last X-Forwarded-For entry (the one our proxy added).
            let other = try await api.send(.post, "/v1/auth/login", json: Self.login(acme.slug, acme.email("agentA"), TenantFixture.password),
                                           headers: [HTTPField.Name("X-Forwarded-For")!: "203.0.113.9, 198.51.100.7"])
            #expect(other.status == .ok)
            // The supervisor was tried 10 times with a wrong password, from one address: the
            // account lock (5) engaged too, silently.
            let lock = try await api.db.superuserRows("SELECT locked_until IS NOT NULL FROM users WHERE email = '\(acme.email("supervisor"))'")
            #expect(try lock[0].decode(Bool.self))
        }
    }

    @Test("the per-address limit holds for simultaneous guesses: of 60 at once, 20 are checked and 40 get 429; a success is not counted")
    func throttleUnderConcurrency() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let guesser: HTTPFields = [HTTPField.Name("X-Forwarded-For")!: "203.0.113.77"]
            // A correct sign-in first: it must not use up one of the address's 20 failures.
            let ok = try await api.send(.post, "/v1/auth/login", json: Self.login(acme.slug, acme.email("agentA"), TenantFixture.password),
                                        headers: guesser)
            #expect(ok.status == .ok)
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for index in 0..<60 {
                    group.addTask {
                        try await api.send(.post, "/v1/auth/login", json: Self.login(index % 2 == 0 ? acme.slug : "nope", acme.email("guess\(index)"), "wrong password"),
                                           headers: guesser).status
                    }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .unauthorized }.count == 20)
            #expect(statuses.filter { $0 == .tooManyRequests }.count == 40)
            // Malformed sign-ins count too (they cost a password check all the same).
            expectProblem(try await api.send(.post, "/v1/auth/login", json: Self.login("BAD SLUG", "x@y.z", "p"), headers: guesser),
                          .tooManyRequests)
        }
    }

    @Test("passwords longer than 72 bytes are refused when set, naming the field; one that bcrypt would cut never signs in")
    func longPasswords() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let admin = try await api.token("admin", of: acme)
            let long = String(repeating: "L", count: 72) + "-a"
            let before = try await api.count("users")
            expectProblem(try await api.send(.post, "/v1/admin/users", token: admin, json: """
                {"email":"\(acme.email("long"))","displayName":"Long","role":"agent","password":"\(long)"}
                """), .unprocessableContent, field: "password")
            #expect(try await api.count("users") == before)
            // 72 bytes exactly is fine; 25 three-byte characters (75 bytes) are not.
            let created = try await api.send(.post, "/v1/admin/users", token: admin, json: """
                {"email":"\(acme.email("exact"))","displayName":"Exact","role":"agent","password":"\(String(repeating: "L", count: 72))"}
                """)
            #expect(created.status == .created)
            expectProblem(try await api.send(.patch, "/v1/admin/users/\(acme.users["agentA"]!)", token: admin,
                                             json: #"{"password":"\#(String(repeating: "密", count: 25))"}"#), .unprocessableContent, field: "password")
            // An account whose stored hash was made from a longer password (before this rule):
            // neither its password nor another with the same first 72 bytes signs in.
            let cut = PasswordHasher(cost: 4).hashSynchronously(long)
            _ = try await api.db.superuserRows("UPDATE users SET password_hash = '\(cut)' WHERE email = '\(acme.email("agentB"))'")
            for attempt in [long, String(repeating: "L", count: 72) + "-b"] {
                expectProblem(try await api.send(.post, "/v1/auth/login", json: Self.login(acme.slug, acme.email("agentB"), attempt)), .unauthorized)
            }
        }
    }

    @Test("a disabled user's token gets 401 with WWW-Authenticate; token answers are not cached")
    func disabledAndNoStore() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let agent = try await api.token("agentA", of: acme)
            let login = try await api.send(.post, "/v1/auth/login", json: Self.login(acme.slug, acme.email("agentB"), TenantFixture.password))
            #expect(login.headers[.cacheControl] == "no-store")
            let admin = try await api.token("admin", of: acme)
            _ = try await api.send(.patch, "/v1/admin/users/\(acme.users["agentA"]!)", token: admin, json: #"{"disabled":true}"#)
            let refused = try await api.send(.get, "/v1/me", token: agent)
            expectProblem(refused, .unauthorized)
            #expect(refused.headers[.wwwAuthenticate] == "Bearer")
            #expect(refused.headers[.cacheControl] == "no-store")
        }
    }
}
