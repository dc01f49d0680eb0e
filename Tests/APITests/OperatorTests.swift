import Foundation
import HTTPTypes
import TestSupport
import Testing

@Suite("Platform operator")
struct OperatorTests {
    /// A new tenant's body; `slug` from `api.slug("newco")`, so a shared database's counts see the tenant.
    static func newTenant(_ slug: String) -> String {
        #"{"slug":"\#(slug)","name":"新公司 NewCo","plan":"trial","admin":{"email":"Boss@NewCo.test","displayName":"Boss","password":"a long enough password"}}"#
    }

    @Test("the operator creates a tenant whose admin can sign in, then changes its plan")
    func createTenantAndChangePlan() async throws {
        try await APIHarness.with { api in
            let slug = api.slug("newco")
            let created = try await api.send(.post, "/v1/operator/tenants", token: APIHarness.operatorToken, json: Self.newTenant(slug))
            #expect(created.status == .created)
            #expect(created["plan"] as? String == "trial")
            let tenantID = try #require(created["id"] as? String)
            let login = try await api.send(.post, "/v1/auth/login",
                                           json: APIHarness.login(slug, "boss@newco.test", "a long enough password"))
            #expect(login.status == .ok)
            let me = try await api.send(.get, "/v1/me", token: login["accessToken"] as? String)
            #expect(me["role"] as? String == "admin")

            let changed = try await api.send(.patch, "/v1/operator/tenants/\(tenantID)", token: APIHarness.operatorToken,
                                             json: #"{"plan":"flagship"}"#)
            #expect(changed.status == .ok)
            #expect(changed["plan"] as? String == "flagship")
            #expect(changed["timeZone"] as? String == "UTC")

            // The time zone exports and schedules use; the plan stays.
            let zoned = try await api.send(.patch, "/v1/operator/tenants/\(tenantID)", token: APIHarness.operatorToken,
                                           json: #"{"timeZone":"Asia/Shanghai"}"#)
            #expect(zoned["timeZone"] as? String == "Asia/Shanghai")
            #expect(zoned["plan"] as? String == "flagship")
            expectProblem(try await api.send(.patch, "/v1/operator/tenants/\(tenantID)", token: APIHarness.operatorToken,
                                             json: #"{"timeZone":"Mars/Olympus"}"#), .unprocessableContent, field: "timeZone")
            expectProblem(try await api.send(.patch, "/v1/operator/tenants/\(tenantID)", token: APIHarness.operatorToken,
                                             json: #"{}"#), .badRequest, field: "plan")
        }
    }

    @Test("plans carry the product's rules and the operator can change their limits")
    func plans() async throws {
        try await APIHarness.with { api in
            let plans = try await api.send(.get, "/v1/operator/plans", token: APIHarness.operatorToken)
            let byCode = Dictionary(uniqueKeysWithValues: plans.items.map { ($0["code"] as! String, $0) })
            #expect(byCode["trial"]?["historyVisibleDays"] as? Int == 30)
            #expect(byCode["trial"]?["exportEnabled"] as? Bool == false)
            #expect(byCode["professional"]?["exportRowCap"] as? Int == 20000)
            #expect(byCode["professional"]?["historyVisibleDays"] == nil)
            let updated = try await api.send(.put, "/v1/operator/plans/professional", token: APIHarness.operatorToken,
                                             json: #"{"historyVisibleDays":null,"exportEnabled":true,"exportRowCap":50000,"customRetentionAllowed":true}"#)
            #expect(updated.status == .ok)
            #expect(updated["exportRowCap"] as? Int == 50000)
            expectProblem(try await api.send(.put, "/v1/operator/plans/nope", token: APIHarness.operatorToken,
                                             json: #"{"exportEnabled":true,"exportRowCap":1,"customRetentionAllowed":true}"#), .notFound)
            expectProblem(try await api.send(.put, "/v1/operator/plans/trial", token: APIHarness.operatorToken,
                                             json: #"{"exportEnabled":true,"exportRowCap":-1,"customRetentionAllowed":true}"#),
                          .unprocessableContent, field: "exportRowCap")
        }
    }

    @Test("without the operator token: 401, including for a tenant admin's token")
    func operatorOnly() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let admin = try await api.token("admin", of: acme)
            let newTenant = Self.newTenant(api.slug("newco"))
            for token in [nil, "wrong-token", admin] {
                expectProblem(try await api.send(.post, "/v1/operator/tenants", token: token, json: newTenant), .unauthorized)
                expectProblem(try await api.send(.get, "/v1/operator/plans", token: token), .unauthorized)
                expectProblem(try await api.send(.patch, "/v1/operator/tenants/\(acme.tenantID)", token: token, json: #"{"plan":"trial"}"#), .unauthorized)
            }
            #expect(try await api.count("tenants") == 1)
        }
    }

    @Test("bad tenant input is refused with the field named, and nothing is written")
    func badInput() async throws {
        try await APIHarness.with { api in
            let op = APIHarness.operatorToken
            let slug = api.slug("newco")
            let newTenant = Self.newTenant(slug)
            let cases: [(String, HTTPResponse.Status, String?)] = [
                (newTenant.replacingOccurrences(of: #""plan":"trial""#, with: #""plan":"platinum""#), .unprocessableContent, "plan"),
                (newTenant.replacingOccurrences(of: #""slug":"\#(slug)""#, with: #""slug":"New Co""#), .unprocessableContent, "slug"),
                (newTenant.replacingOccurrences(of: "a long enough password", with: "short"), .unprocessableContent, "admin.password"),
                (newTenant.replacingOccurrences(of: "Boss@NewCo.test", with: "not-an-email"), .unprocessableContent, "admin.email"),
                (newTenant.replacingOccurrences(of: "新公司 NewCo", with: String(repeating: "长", count: 201)), .unprocessableContent, "name"),
                (#"{"slug":"\#(slug)","name":"x","plan":"trial"}"#, .badRequest, "admin"),
                (#"{"slug":5,"name":"x","plan":"trial","admin":{}}"#, .badRequest, "slug"),
                ("[1,2", .badRequest, nil),
            ]
            for (body, status, field) in cases {
                expectProblem(try await api.send(.post, "/v1/operator/tenants", token: op, json: body), status, field: field)
            }
            expectProblem(try await api.send(.post, "/v1/operator/tenants", token: op,
                                             json: String(repeating: " ", count: APIHarness.maxBodyBytes + 1)), .contentTooLarge)
            #expect(try await api.count("tenants") == 0)
            #expect(try await api.count("users") == 0)
        }
    }

    @Test("a taken slug is a 409; an unknown tenant a 404")
    func conflictsAndUnknowns() async throws {
        try await APIHarness.with { api in
            let op = APIHarness.operatorToken
            let newTenant = Self.newTenant(api.slug("newco"))
            #expect(try await api.send(.post, "/v1/operator/tenants", token: op, json: newTenant).status == .created)
            expectProblem(try await api.send(.post, "/v1/operator/tenants", token: op, json: newTenant), .conflict)
            expectProblem(try await api.send(.patch, "/v1/operator/tenants/\(UUID())", token: op, json: #"{"plan":"trial"}"#), .notFound)
            expectProblem(try await api.send(.patch, "/v1/operator/tenants/not-a-uuid", token: op, json: #"{"plan":"trial"}"#), .notFound)
            #expect(try await api.count("tenants") == 1)
        }
    }
}
