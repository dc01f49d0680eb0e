import Domain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Store
import TestSupport
import Testing

/// The access audit through the API: each audited action leaves exactly one event, with
/// the client's address and user agent; admins filter it and read one conversation's log.
@Suite("Audit trail")
struct AuditTrailTests {
    static let agentHeaders: HTTPFields = [.userAgent: "Workbench/3.1 (audit test)", HTTPField.Name("X-Forwarded-For")!: "203.0.113.7"]

    @Test("every view, list, search and sign-in is on record once, with address, user agent and masking")
    func everyActionOnce() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("audit-acme")
            let agent = try await api.token("agentA", of: acme)
            let admin = try await api.token("admin", of: acme)
            let conversation = acme.conversations["afterSales"]!
            let customer = try #require(try await api.send(.get, "/v1/conversations/\(conversation)", token: admin)["customer"] as? [String: Any])
            let customerID = try #require(customer["id"] as? String)
            let since = Date()
            let wrong = try await api.send(.post, "/v1/auth/login", json: APIHarness.login(acme.slug, acme.email("agentA"), "not the password"),
                                           headers: Self.agentHeaders)
            #expect(wrong.status == .unauthorized)
            let signIn = try await api.send(.post, "/v1/auth/login", json: APIHarness.login(acme.slug, acme.email("agentA"), TenantFixture.password),
                                            headers: Self.agentHeaders)
            #expect(signIn.status == .ok)
            let actions: [(path: String, action: String)] = [
                ("/v1/conversations/\(conversation)", "conversation.viewed"),
                ("/v1/conversations/\(conversation)/messages", "conversation.transcript_viewed"),
                ("/v1/customers/\(customerID)", "customer.viewed"),
                ("/v1/customers/\(customerID)/timeline", "customer.timeline_viewed"),
                ("/v1/customers/\(customerID)/conversations", "customer.conversations_listed"),
                ("/v1/search/messages?q=hello", "messages.searched"),
                ("/v1/customers?q=Customer", "customers.searched"),
            ]
            for (path, _) in actions {
                #expect(try await api.send(.get, path, token: agent, headers: Self.agentHeaders).status == .ok, "\(path)")
            }
            let from = RFC3339.format(since)
            let page = try await api.send(.get, "/v1/admin/audit-events?actorId=\(acme.users["agentA"]!)&from=\(from)&limit=200", token: admin)
            #expect(page.status == .ok)
            var counts: [String: Int] = [:]
            for item in page.items { counts[item["action"] as? String ?? "", default: 0] += 1 }
            for (path, action) in actions { #expect(counts[action] == 1, "\(path): \(counts)") }
            #expect(counts["auth.signed_in"] == 1 && counts["auth.sign_in_failed"] == 1, "\(counts)")
            for item in page.items {
                #expect(item["clientAddress"] as? String == "203.0.113.7", "\(item)")
                #expect(item["userAgent"] as? String == "Workbench/3.1 (audit test)", "\(item)")
            }
            let viewed = try #require(page.items.first { $0["action"] as? String == "customer.viewed" })
            #expect((viewed["details"] as? [String: String])?["contacts"] == "masked")
            let failed = try #require(page.items.first { $0["action"] as? String == "auth.sign_in_failed" })
            #expect((failed["details"] as? [String: String])?["reason"] == "wrong password")
            // Filters: by action, by target type, by time.
            let searches = try await api.send(.get, "/v1/admin/audit-events?action=messages.searched&from=\(from)", token: admin)
            #expect(searches.items.count == 1)
            let users = try await api.send(.get, "/v1/admin/audit-events?targetType=user&from=\(from)", token: admin)
            #expect(Set(users.items.compactMap { $0["action"] as? String }) == ["auth.signed_in", "auth.sign_in_failed"])
            let before = try await api.send(.get, "/v1/admin/audit-events?to=\(from)&actorId=\(acme.users["agentA"]!)", token: admin)
            #expect(!before.items.contains { ($0["action"] as? String)?.hasPrefix("customer.") == true })
        }
    }

    @Test("admin changes to the directory are on record with what changed, never a password")
    func directoryChanges() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("audit-directory")
            let admin = try await api.token("admin", of: acme)
            let agentID = acme.users["agentB"]!
            let changed = try await api.send(.patch, "/v1/admin/users/\(agentID)", token: admin,
                                             json: #"{"role":"supervisor","password":"another long password"}"#)
            #expect(changed.status == .ok)
            let events = try await api.send(.get, "/v1/admin/audit-events?targetId=\(agentID)&action=user.changed", token: admin)
            #expect(events.items.count == 1)
            let details = try #require(events.items.first?["details"] as? [String: String])
            #expect(details["role"] == "supervisor" && details["changed"] == "role,password")
            #expect(!String(decoding: events.body, as: UTF8.self).contains("another long password"))
            let key = try await api.send(.post, "/v1/admin/api-keys", token: admin, json: #"{"name":"k","channel":"web"}"#)
            let keyID = try #require(key["id"] as? String)
            #expect(try await api.send(.delete, "/v1/admin/api-keys/\(keyID)", token: admin).status == .noContent)
            let keyEvents = try await api.send(.get, "/v1/admin/audit-events?targetId=\(keyID)", token: admin)
            #expect(Set(keyEvents.items.compactMap { $0["action"] as? String }) == ["api_key.created", "api_key.revoked"])
            // The operator moving the tenant to another plan is on the tenant's own record.
            let moved = try await api.send(.patch, "/v1/operator/tenants/\(acme.tenantID)", token: APIHarness.operatorToken,
                                           json: #"{"plan":"professional"}"#)
            #expect(moved.status == .ok)
            let planEvents = try await api.send(.get, "/v1/admin/audit-events?action=tenant.changed_by_operator", token: admin)
            #expect((planEvents.items.first?["details"] as? [String: String])?["plan"] == "professional")
            // The operator changing the plan's limits is on the record of every tenant on it.
            let plans = try await api.send(.get, "/v1/operator/plans", token: APIHarness.operatorToken)
            let professional = try #require(plans.items.first { $0["code"] as? String == "professional" })
            let cap = professional["exportRowCap"] as? Int ?? 20_000
            #expect(try await api.send(.put, "/v1/operator/plans/professional", token: APIHarness.operatorToken,
                                       json: #"{"historyVisibleDays":null,"exportEnabled":true,"exportRowCap":\#(cap),"customRetentionAllowed":false}"#).status == .ok)
            let limits = try await api.send(.get, "/v1/admin/audit-events?action=plan.changed_by_operator", token: admin)
            #expect(limits.items.count == 1)
            #expect((limits.items.first?["details"] as? [String: String])?["exportRowCap"] == String(cap))
        }
    }

    @Test("a conversation's own log: admins only, its events only, another tenant's conversation is 404")
    func conversationLog() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("audit-log")
            let other = try await api.tenant("audit-other")
            let admin = try await api.token("admin", of: acme)
            let id = acme.conversations["sales"]!
            _ = try await api.send(.get, "/v1/conversations/\(id)", token: try await api.token("salesAgent", of: acme))
            _ = try await api.send(.get, "/v1/conversations/\(acme.conversations["support"]!)", token: admin)
            let log = try await api.send(.get, "/v1/conversations/\(id)/audit-events", token: admin)
            #expect(log.status == .ok)
            #expect(log.items.compactMap { $0["action"] as? String } == ["conversation.viewed"])
            #expect(log.items.allSatisfy { ($0["targetId"] as? String)?.lowercased() == id.uuidString.lowercased() })
            expectProblem(try await api.send(.get, "/v1/conversations/\(id)/audit-events", token: try await api.token("salesAgent", of: acme)),
                          .forbidden)
            expectProblem(try await api.send(.get, "/v1/conversations/\(id)/audit-events", token: try await api.token("supervisor", of: acme)),
                          .forbidden)
            expectProblem(try await api.send(.get, "/v1/conversations/\(other.conversations["sales"]!)/audit-events", token: admin), .notFound)
            expectProblem(try await api.send(.get, "/v1/conversations/nope/audit-events", token: admin), .notFound)
            expectProblem(try await api.send(.get, "/v1/conversations/\(id)/audit-events", token: nil), .unauthorized)
        }
    }

    @Test("bad filters are 400 naming the parameter")
    func badFilters() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("audit-filters")
            let admin = try await api.token("admin", of: acme)
            expectProblem(try await api.send(.get, "/v1/admin/audit-events?from=yesterday", token: admin), .badRequest, field: "query.from")
            expectProblem(try await api.send(.get, "/v1/admin/audit-events?to=2026-13-01T00:00:00Z", token: admin), .badRequest, field: "query.to")
            expectProblem(try await api.send(.get, "/v1/admin/audit-events?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", token: admin),
                          .badRequest, field: "query.to")
            expectProblem(try await api.send(.get, "/v1/admin/audit-events?targetType=\(String(repeating: "x", count: 65))", token: admin),
                          .badRequest, field: "query.targetType")
        }
    }
}
