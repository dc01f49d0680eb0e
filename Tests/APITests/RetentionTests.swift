import Domain
import Foundation
import HTTPTypes
import Store
import TestSupport
import Testing

/// `/v1/admin/cleanup-rules`, `/v1/admin/legal-holds`, `/v1/admin/retention-runs` and the
/// operator's compliance minimum, over HTTP: admins only, the plan and the minimum checked
/// before anything is written, field names in every refusal, other tenants' ids not found.
@Suite("Retention rules and holds")
struct RetentionTests {
    static let rule = #"{"deleteAfterDays":90}"#

    func lower(_ id: UUID) -> String { id.uuidString.lowercased() }

    /// Ends the fixture's conversations `days` ago (as ingestion leaves an ended conversation).
    func age(_ h: APIHarness, _ fixture: TenantFixture, days: Int) async throws {
        _ = try await h.db.superuserRows("""
            UPDATE conversations SET status = 'ended', ended_at = now() - interval '\(days) days',
                                     last_message_at = now() - interval '\(days) days'
            WHERE tenant_id = '\(lower(fixture.tenantID))'
            """)
    }

    @Test("an admin creates, reads, lists, previews, replaces and deletes rules, each audited; the preview counts what a run would delete and what holds keep")
    func lifecycleAndPreview() async throws {
        try await APIHarness.with { h in
            let acme = try await h.tenant("acme")
            let admin = try await h.token("admin", of: acme)
            try await age(h, acme, days: 200)
            let total = try await h.db.superuserRows(
                "SELECT count(*)::int, sum(message_count)::int FROM conversations WHERE tenant_id = '\(lower(acme.tenantID))'")[0]
                .decode((Int, Int).self)

            let created = try await h.send(.post, "/v1/admin/cleanup-rules", token: admin, json: Self.rule)
            #expect(created.status == .created, "\(String(decoding: created.body, as: UTF8.self))")
            let id = try #require(created["id"] as? String)
            #expect(created.headers[.location] == "/v1/admin/cleanup-rules/\(id)")
            #expect(created["deleteAfterDays"] as? Int == 90 && created["enabled"] as? Bool == true)
            #expect(created["channel"] == nil && created["departmentId"] == nil)
            #expect(try await h.send(.get, "/v1/admin/cleanup-rules/\(id)", token: admin)["id"] as? String == id)
            #expect(try await h.send(.get, "/v1/admin/cleanup-rules", token: admin).ids == [id])

            let preview = try await h.send(.post, "/v1/admin/cleanup-rules/preview", token: admin, json: Self.rule)
            #expect(preview.status == .ok)
            #expect(preview["conversations"] as? Int == total.0 && preview["messages"] as? Int == total.1)
            #expect(preview["heldConversations"] as? Int == 0)
            // Younger than the rule: nothing.
            let longer = try await h.send(.post, "/v1/admin/cleanup-rules/preview", token: admin, json: #"{"deleteAfterDays":365}"#)
            #expect(longer["conversations"] as? Int == 0)

            // A hold on one conversation takes it (and its messages) out of the count.
            let held = acme.conversations.values.sorted { $0.uuidString < $1.uuidString }[0]
            let hold = try await h.send(.post, "/v1/admin/legal-holds", token: admin, json: """
                {"subjectType":"conversation","subjectId":"\(lower(held))","reason":"litigation 2026-17"}
                """)
            #expect(hold.status == .created)
            let keptPreview = try await h.send(.post, "/v1/admin/cleanup-rules/preview", token: admin, json: Self.rule)
            #expect(keptPreview["conversations"] as? Int == total.0 - 1 && keptPreview["heldConversations"] as? Int == 1)

            let replaced = try await h.send(.put, "/v1/admin/cleanup-rules/\(id)", token: admin, json: """
                {"channel":"web","departmentId":"\(lower(acme.departments["afterSales"]!))","deleteAfterDays":120,"enabled":false}
                """)
            #expect(replaced.status == .ok)
            #expect(replaced["channel"] as? String == "web" && replaced["enabled"] as? Bool == false)
            #expect(replaced["departmentId"] as? String == lower(acme.departments["afterSales"]!))
            #expect(try await h.send(.delete, "/v1/admin/cleanup-rules/\(id)", token: admin).status == .noContent)
            expectProblem(try await h.send(.get, "/v1/admin/cleanup-rules/\(id)", token: admin), .notFound)
            let actions = try await h.db.superuserRows("""
                SELECT action FROM audit_events WHERE tenant_id = '\(lower(acme.tenantID))' AND action LIKE 'cleanup_rule.%'
                ORDER BY occurred_at
                """).map { try $0.decode(String.self) }
            #expect(actions == ["cleanup_rule.created", "cleanup_rule.changed", "cleanup_rule.deleted"])
        }
    }

    @Test("bad bodies are 400/422 naming the field, and nothing is written")
    func badBodies() async throws {
        try await APIHarness.with { h in
            let acme = try await h.tenant("acme")
            let admin = try await h.token("admin", of: acme)
            let other = try await h.tenant("other")
            for (body, status, field) in [
                (#"{}"#, HTTPResponse.Status.badRequest, "deleteAfterDays"),
                (#"{"deleteAfterDays":"90"}"#, .badRequest, "deleteAfterDays"),
                (#"{"deleteAfterDays":1.5}"#, .badRequest, "deleteAfterDays"),
                (#"{"deleteAfterDays":0}"#, .unprocessableContent, "deleteAfterDays"),
                (#"{"deleteAfterDays":36501}"#, .unprocessableContent, "deleteAfterDays"),
                (#"{"deleteAfterDays":90,"channel":"fax"}"#, .unprocessableContent, "channel"),
                (#"{"deleteAfterDays":90,"departmentId":"nope"}"#, .badRequest, "departmentId"),
                (#"{"deleteAfterDays":90,"enabled":null}"#, .badRequest, "enabled"),
            ] {
                expectProblem(try await h.send(.post, "/v1/admin/cleanup-rules", token: admin, json: body), status, field: field)
                expectProblem(try await h.send(.post, "/v1/admin/cleanup-rules/preview", token: admin, json: body), status, field: field)
            }
            // Another tenant's department is not found.
            expectProblem(try await h.send(.post, "/v1/admin/cleanup-rules", token: admin, json: """
                {"deleteAfterDays":90,"departmentId":"\(lower(other.departments["afterSales"]!))"}
                """), .notFound)
            for (body, status, field) in [
                (#"{"subjectType":"planet","reason":"x"}"#, HTTPResponse.Status.unprocessableContent, "subjectType"),
                (#"{"subjectType":"customer","reason":"x"}"#, .badRequest, "subjectId"),
                (#"{"subjectType":"tenant","subjectId":"0192f0c4-0000-7000-8000-000000000001","reason":"x"}"#, .badRequest, "subjectId"),
                (#"{"subjectType":"tenant","reason":""}"#, .unprocessableContent, "reason"),
                (#"{"subjectType":"tenant"}"#, .badRequest, "reason"),
            ] {
                expectProblem(try await h.send(.post, "/v1/admin/legal-holds", token: admin, json: body), status, field: field)
            }
            for table in ["cleanup_rules", "legal_holds"] {
                let written = try await h.db.superuserRows(
                    "SELECT count(*)::int FROM \(table) WHERE tenant_id = '\(lower(acme.tenantID))'")[0].decode(Int.self)
                #expect(written == 0, "\(table) written")
            }
        }
    }

    @Test("the compliance minimum: a rule or preview below it is 422 naming both; the operator sets, lowers and removes it")
    func complianceMinimum() async throws {
        try await APIHarness.with { h in
            let acme = try await h.tenant("acme")
            let admin = try await h.token("admin", of: acme)
            try await age(h, acme, days: 400)
            let set = try await h.send(.patch, "/v1/operator/tenants/\(lower(acme.tenantID))", token: APIHarness.operatorToken,
                                       json: #"{"complianceMinimumDays":1825}"#)
            #expect(set.status == .ok && set["complianceMinimumDays"] as? Int == 1825)
            let refused = try await h.send(.post, "/v1/admin/cleanup-rules", token: admin, json: Self.rule)
            expectProblem(refused, .unprocessableContent, field: "deleteAfterDays")
            let detail = refused["detail"] as? String ?? ""
            #expect(detail.contains("90") && detail.contains("1825"), "\(detail)")
            #expect(try await h.send(.post, "/v1/admin/cleanup-rules", token: admin, json: #"{"deleteAfterDays":1825}"#).status == .created)

            // Lowered to 60: a 90-day rule is allowed and reaches what ended over 90 days ago.
            _ = try await h.send(.patch, "/v1/operator/tenants/\(lower(acme.tenantID))", token: APIHarness.operatorToken,
                                 json: #"{"complianceMinimumDays":60}"#)
            let preview = try await h.send(.post, "/v1/admin/cleanup-rules/preview", token: admin, json: Self.rule)
            #expect(preview["complianceMinimumDays"] as? Int == 60)
            #expect((preview["conversations"] as? Int ?? 0) > 0)
            let older = try await h.send(.post, "/v1/admin/cleanup-rules/preview", token: admin, json: #"{"deleteAfterDays":500}"#)
            #expect(older.status == .ok && older["conversations"] as? Int == 0)
            expectProblem(try await h.send(.post, "/v1/admin/cleanup-rules/preview", token: admin, json: #"{"deleteAfterDays":30}"#),
                          .unprocessableContent, field: "deleteAfterDays")

            let removed = try await h.send(.patch, "/v1/operator/tenants/\(lower(acme.tenantID))", token: APIHarness.operatorToken,
                                           json: #"{"complianceMinimumDays":null}"#)
            #expect(removed.status == .ok && removed["complianceMinimumDays"] == nil)
            expectProblem(try await h.send(.patch, "/v1/operator/tenants/\(lower(acme.tenantID))", token: APIHarness.operatorToken,
                                           json: #"{"complianceMinimumDays":0}"#), .unprocessableContent, field: "complianceMinimumDays")
        }
    }

    @Test("only admins (403), only plans with custom retention for enabled rules (403), other tenants' ids 404")
    func permissions() async throws {
        try await APIHarness.with { h in
            let acme = try await h.tenant("acme")
            let admin = try await h.token("admin", of: acme)
            let ruleID = try #require(try await h.send(.post, "/v1/admin/cleanup-rules", token: admin, json: Self.rule)["id"] as? String)
            let holdID = try #require(try await h.send(.post, "/v1/admin/legal-holds", token: admin,
                                                       json: #"{"subjectType":"tenant","reason":"audit"}"#)["id"] as? String)
            let routes: [(HTTPRequest.Method, String, String?)] = [
                (.get, "/v1/admin/cleanup-rules", nil), (.post, "/v1/admin/cleanup-rules", Self.rule),
                (.post, "/v1/admin/cleanup-rules/preview", Self.rule), (.get, "/v1/admin/cleanup-rules/\(ruleID)", nil),
                (.put, "/v1/admin/cleanup-rules/\(ruleID)", Self.rule), (.delete, "/v1/admin/cleanup-rules/\(ruleID)", nil),
                (.get, "/v1/admin/legal-holds", nil), (.post, "/v1/admin/legal-holds", #"{"subjectType":"tenant","reason":"x"}"#),
                (.get, "/v1/admin/legal-holds/\(holdID)", nil), (.post, "/v1/admin/legal-holds/\(holdID)/release", #"{"reason":"x"}"#),
                (.get, "/v1/admin/retention-runs", nil),
            ]
            for user in ["agentA", "supervisor"] {
                let token = try await h.token(user, of: acme)
                for (method, path, body) in routes {
                    expectProblem(try await h.send(method, path, token: token, json: body), .forbidden)
                }
            }
            // Another tenant's admin: the rule and the hold are not found.
            let other = try await h.tenant("other")
            let otherAdmin = try await h.token("admin", of: other)
            for (method, path, body) in routes where path.contains(ruleID) || path.contains(holdID) {
                expectProblem(try await h.send(method, path, token: otherAdmin, json: body), .notFound)
            }
            expectProblem(try await h.send(.post, "/v1/admin/legal-holds", token: otherAdmin, json: """
                {"subjectType":"conversation","subjectId":"\(lower(acme.conversations.values.first!))","reason":"x"}
                """), .notFound, field: nil)
            // Nothing of acme's changed.
            #expect(try await h.send(.get, "/v1/admin/cleanup-rules/\(ruleID)", token: admin).status == .ok)
            #expect(try await h.send(.get, "/v1/admin/legal-holds/\(holdID)", token: admin)["active"] as? Bool == true)

            // A plan without custom retention (trial) may keep a disabled rule and preview, not enable one.
            let pro = try await h.tenant("pro", plan: "trial")
            let proAdmin = try await h.token("admin", of: pro)
            expectProblem(try await h.send(.post, "/v1/admin/cleanup-rules", token: proAdmin, json: Self.rule), .forbidden)
            #expect(try await h.send(.post, "/v1/admin/cleanup-rules", token: proAdmin,
                                     json: #"{"deleteAfterDays":90,"enabled":false}"#).status == .created)
            #expect(try await h.send(.post, "/v1/admin/cleanup-rules/preview", token: proAdmin, json: Self.rule).status == .ok)
        }
    }

    @Test("a hold is released once (then 409), stays on record, and both are audited")
    func holdRelease() async throws {
        try await APIHarness.with { h in
            let acme = try await h.tenant("acme")
            let admin = try await h.token("admin", of: acme)
            let customer = try #require(try await h.db.superuserRows(
                "SELECT id FROM customers WHERE tenant_id = '\(lower(acme.tenantID))' LIMIT 1")[0].decode(UUID.self))
            let placed = try await h.send(.post, "/v1/admin/legal-holds", token: admin, json: """
                {"subjectType":"customer","subjectId":"\(lower(customer))","reason":"regulator request"}
                """)
            let id = try #require(placed["id"] as? String)
            #expect(placed["active"] as? Bool == true && placed["placedBy"] as? String == lower(acme.users["admin"]!))
            let released = try await h.send(.post, "/v1/admin/legal-holds/\(id)/release", token: admin, json: #"{"reason":"closed"}"#)
            #expect(released.status == .ok && released["active"] as? Bool == false && released["releaseReason"] as? String == "closed")
            expectProblem(try await h.send(.post, "/v1/admin/legal-holds/\(id)/release", token: admin, json: #"{"reason":"again"}"#),
                          .conflict)
            #expect(try await h.send(.get, "/v1/admin/legal-holds", token: admin).ids == [id])
            #expect(try await h.send(.get, "/v1/admin/legal-holds?active=true", token: admin).ids.isEmpty)
            let actions = try await h.db.superuserRows("""
                SELECT action FROM audit_events WHERE tenant_id = '\(lower(acme.tenantID))' AND action LIKE 'legal_hold.%'
                ORDER BY occurred_at
                """).map { try $0.decode(String.self) }
            #expect(actions == ["legal_hold.placed", "legal_hold.released"])
            #expect(try await h.send(.get, "/v1/admin/retention-runs", token: admin).items.isEmpty)
        }
    }
}
