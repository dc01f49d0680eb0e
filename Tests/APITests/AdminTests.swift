import Foundation
import HTTPTypes
import TestSupport
import Testing

@Suite("Tenant administration")
struct AdminTests {
    static func adminRoutes(_ tenant: TenantFixture) -> [(HTTPRequest.Method, String, String?)] { [
        (.get, "/v1/admin/departments", nil), (.post, "/v1/admin/departments", #"{"name":"X"}"#),
        (.get, "/v1/admin/users", nil),
        (.post, "/v1/admin/users", #"{"email":"\#(tenant.email("n"))","displayName":"N","role":"agent","password":"a long password"}"#),
        (.get, "/v1/admin/roles", nil), (.post, "/v1/admin/roles", #"{"name":"R","departmentIds":[]}"#),
        (.get, "/v1/admin/api-keys", nil), (.post, "/v1/admin/api-keys", #"{"name":"k","channel":"web"}"#),
        (.get, "/v1/admin/audit-events", nil),
    ] }

    @Test("agents and supervisors get 403 on every admin route; no token gets 401; nothing is written")
    func adminOnly() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let before = try await (api.count("departments"), api.count("users"), api.count("roles"), api.count("api_keys"))
            for user in ["agentA", "supervisor", "analyst"] {
                let token = try await api.token(user, of: acme)
                for (method, path, body) in Self.adminRoutes(acme) {
                    expectProblem(try await api.send(method, path, token: token, json: body), .forbidden)
                }
                expectProblem(try await api.send(.patch, "/v1/admin/users/\(acme.users["agentA"]!)", token: token, json: #"{"role":"admin"}"#), .forbidden)
                expectProblem(try await api.send(.delete, "/v1/admin/api-keys/\(acme.integration.apiKeyID)", token: token), .forbidden)
            }
            for (method, path, body) in Self.adminRoutes(acme) {
                expectProblem(try await api.send(method, path, json: body), .unauthorized)
            }
            let after = try await (api.count("departments"), api.count("users"), api.count("roles"), api.count("api_keys"))
            #expect(before == after)
        }
    }

    @Test("an admin builds the organisation: departments, users, roles, keys")
    func manage() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let admin = try await api.token("admin", of: acme)
            let department = try await api.send(.post, "/v1/admin/departments", token: admin,
                                                json: #"{"name":"二线支持","parentId":"\#(acme.departments["support"]!)"}"#)
            #expect(department.status == .created)
            let departmentID = try #require(department["id"] as? String)
            let user = try await api.send(.post, "/v1/admin/users", token: admin,
                                          json: #"{"email":"New.Agent@\#(acme.slug).test","displayName":"新客服","role":"agent","password":"a long password","departmentIds":["\#(departmentID)"]}"#)
            #expect(user.status == .created)
            #expect(user["email"] as? String == "new.agent@\(acme.slug).test")
            let userID = try #require(user["id"] as? String)
            // The new department sits under support, so the after-sales supervisor's scope grows.
            let me = try await api.send(.get, "/v1/me", token: try await api.token("supervisor", of: acme))
            #expect((me["departmentIds"] as? [String] ?? []).map { $0.lowercased() }.contains(departmentID.lowercased()))

            let promoted = try await api.send(.patch, "/v1/admin/users/\(userID)", token: admin, json: #"{"role":"supervisor","customRoleId":null}"#)
            #expect(promoted["role"] as? String == "supervisor")
            let role = try await api.send(.post, "/v1/admin/roles", token: admin,
                                          json: #"{"name":"售前","permissions":["contacts.view_unmasked"],"departmentIds":["\#(acme.departments["sales"]!)"]}"#)
            #expect(role.status == .created)
            #expect(try await api.send(.get, "/v1/admin/roles", token: admin).items.count == 2)

            let key = try await api.send(.post, "/v1/admin/api-keys", token: admin, json: #"{"name":"抖音","channel":"douyin"}"#)
            #expect((key["key"] as? String)?.hasPrefix("pk_") == true)
            let keys = try await api.send(.get, "/v1/admin/api-keys", token: admin)
            #expect(keys.items.count == 2)
            #expect(keys.items.allSatisfy { $0["key"] == nil })  // secrets are shown once, never listed
            #expect(try await api.send(.get, "/v1/admin/users", token: admin).items.count == 7)
            #expect(try await api.send(.get, "/v1/admin/departments", token: admin).items.count == 4)
        }
    }

    @Test("bad admin input is refused naming the field; another tenant's ids are unknown here")
    func badInput() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let other = try await api.tenant("other")
            let admin = try await api.token("admin", of: acme)
            let before = try await (api.count("departments"), api.count("users"), api.count("roles"))
            expectProblem(try await api.send(.post, "/v1/admin/departments", token: admin, json: #"{"name":""}"#), .unprocessableContent, field: "name")
            expectProblem(try await api.send(.post, "/v1/admin/departments", token: admin,
                                             json: #"{"name":"x","parentId":"\#(other.departments["sales"]!)"}"#), .unprocessableContent, field: "parentId")
            expectProblem(try await api.send(.post, "/v1/admin/users", token: admin,
                                             json: #"{"email":"\#(acme.email("agentA"))","displayName":"Dup","role":"agent","password":"a long password"}"#), .conflict)
            expectProblem(try await api.send(.post, "/v1/admin/users", token: admin,
                                             json: #"{"email":"\#(acme.email("x"))","displayName":"X","role":"boss","password":"a long password"}"#),
                          .unprocessableContent, field: "role")
            expectProblem(try await api.send(.post, "/v1/admin/users", token: admin,
                                             json: #"{"email":"\#(acme.email("x"))","displayName":"X","role":"agent","password":"a long password","departmentIds":["\#(other.departments["sales"]!)"]}"#),
                          .unprocessableContent, field: "departmentIds")
            expectProblem(try await api.send(.post, "/v1/admin/users", token: admin, json: #"{"email":"\#(acme.email("x"))"}"#), .badRequest, field: "displayName")
            expectProblem(try await api.send(.post, "/v1/admin/roles", token: admin,
                                             json: #"{"name":"R","permissions":["root"],"departmentIds":[]}"#), .unprocessableContent, field: "permissions[0]")
            expectProblem(try await api.send(.post, "/v1/admin/api-keys", token: admin, json: #"{"name":"k","channel":"fax"}"#),
                          .unprocessableContent, field: "channel")
            expectProblem(try await api.send(.patch, "/v1/admin/users/\(other.users["agentA"]!)", token: admin, json: #"{"displayName":"Hijacked"}"#), .notFound)
            expectProblem(try await api.send(.delete, "/v1/admin/api-keys/\(other.integration.apiKeyID)", token: admin), .notFound)
            expectProblem(try await api.send(.patch, "/v1/admin/users/\(acme.users["admin"]!)", token: admin, json: #"{"role":"agent"}"#),
                          .unprocessableContent, field: "role")
            let after = try await (api.count("departments"), api.count("users"), api.count("roles"))
            #expect(before == after)
            // The other tenant's user is untouched.
            let untouched = try await api.db.superuserRows("SELECT display_name FROM users WHERE id = '\(other.users["agentA"]!.uuidString.lowercased())'")
            #expect(try untouched[0].decode(String.self) == "AgentA")
        }
    }

    @Test("an admin demoted after signing in loses admin rights at once")
    func demotedAdmin() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let admin = try await api.token("admin", of: acme)
            let secondAdmin = try await api.send(.post, "/v1/admin/users", token: admin,
                                                 json: #"{"email":"\#(acme.email("second"))","displayName":"Second","role":"admin","password":"a long password"}"#)
            let secondID = try #require(secondAdmin["id"] as? String)
            let login = try await api.send(.post, "/v1/auth/login", json: APIHarness.login(acme.slug, acme.email("second"), "a long password"))
            let secondToken = try #require(login["accessToken"] as? String)
            #expect(try await api.send(.get, "/v1/admin/users", token: secondToken).status == .ok)
            _ = try await api.send(.patch, "/v1/admin/users/\(secondID)", token: admin, json: #"{"role":"agent"}"#)
            expectProblem(try await api.send(.get, "/v1/admin/users", token: secondToken), .forbidden)
            _ = try await api.send(.patch, "/v1/admin/users/\(secondID)", token: admin, json: #"{"disabled":true}"#)
            expectProblem(try await api.send(.get, "/v1/conversations", token: secondToken), .unauthorized)
        }
    }
}
