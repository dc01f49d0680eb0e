import Domain
import Foundation
import HTTPTypes
import Store
import TestSupport
import Testing

/// `/v1/admin/limits` and the operator's plan bounds, over HTTP: tenant admins narrow their
/// plan (export row cap, who exports, history per role), never widen it; a plan change is
/// in force on the next request and deletes nothing.
@Suite("Tenant limits within the plan")
struct TenantLimitsTests {
    func lower(_ id: UUID) -> String { id.uuidString.lowercased() }

    /// A plan of this test's own: plans are shared by every test of the run.
    func ownPlan(_ h: APIHarness, _ base: String, historyDays: Int? = nil, rowCap: Int = 1_000,
                 customRetention: Bool = false) async throws -> String {
        let code = "lim_" + h.slug(base).replacingOccurrences(of: "-", with: "_").prefix(27)
        _ = try await h.db.superuserRows("""
            INSERT INTO plans (code, name, history_visible_days, export_enabled, export_row_cap, custom_retention_allowed)
            VALUES ('\(code)', 'Limits test', \(historyDays.map(String.init) ?? "NULL"), true, \(rowCap), \(customRetention))
            """)
        return code
    }

    func tenant(_ h: APIHarness, _ slug: String, plan: String, daysAgo: Int = 0) async throws -> TenantFixture {
        try await TenantFixture.make(in: h.db, slug: slug, plan: plan, passwordHash: APIHarness.passwordHash,
                                     conversationsAt: Date().addingTimeInterval(-Double(daysAgo) * 86_400))
    }

    func limitRows(_ h: APIHarness, _ fixture: TenantFixture) async throws -> Int {
        try await h.db.superuserRows("SELECT count(*)::int FROM tenant_limits WHERE tenant_id = '\(lower(fixture.tenantID))'")[0]
            .decode(Int.self)
    }

    @Test("an admin reads the plan's ceilings, sets limits within them (audited), and they hold on the next request")
    func setAndRead() async throws {
        try await APIHarness.with { h in
            let acme = try await tenant(h, "acme", plan: try await ownPlan(h, "acme"))
            let admin = try await h.token("admin", of: acme)
            let initial = try await h.send(.get, "/v1/admin/limits", token: admin)
            #expect(initial.status == .ok, "\(String(decoding: initial.body, as: UTF8.self))")
            let plan = try #require(initial["plan"] as? [String: Any])
            #expect(plan["exportRowCap"] as? Int == 1_000 && plan["exportEnabled"] as? Bool == true)
            let limits = try #require(initial["limits"] as? [String: Any])
            #expect(limits["exportRowCap"] == nil || limits["exportRowCap"] is NSNull)
            #expect(limits["exportRoles"] as? [String] == ["agent", "supervisor", "admin"])
            #expect((initial["effective"] as? [String: Any])?["exportRowCap"] as? Int == 1_000)
            #expect(initial["updatedAt"] == nil || initial["updatedAt"] is NSNull)

            let set = try await h.send(.put, "/v1/admin/limits", token: admin, json: """
                {"exportRowCap":1,"exportRoles":["admin","supervisor"],"historyDays":{"agent":7}}
                """)
            #expect(set.status == .ok, "\(String(decoding: set.body, as: UTF8.self))")
            let stored = try #require(set["limits"] as? [String: Any])
            #expect(stored["exportRowCap"] as? Int == 1)
            #expect(stored["exportRoles"] as? [String] == ["supervisor", "admin"])
            #expect((stored["historyDays"] as? [String: Any])?["agent"] as? Int == 7)
            let effective = try #require(set["effective"] as? [String: Any])
            #expect(effective["exportRowCap"] as? Int == 1 && effective["exportRoles"] as? [String] == ["supervisor", "admin"])
            #expect((set["updatedBy"] as? String) == lower(acme.users["admin"]!))
            let reread = try await h.send(.get, "/v1/admin/limits", token: admin)
            #expect((reread["limits"] as? [String: Any])?["exportRowCap"] as? Int == 1)
            let audited = try await h.db.superuserRows("""
                SELECT details->>'exportRowCap', details->>'historyDays.agent' FROM audit_events
                WHERE tenant_id = '\(lower(acme.tenantID))' AND action = 'tenant_limits.changed'
                """).map { try $0.decode((String, String).self) }
            #expect(audited.count == 1 && audited.first?.0 == "1" && audited.first?.1 == "7")

            // The role gate: agents no longer export.
            let agent = try await h.token("agentA", of: acme)
            let refused = try await h.send(.post, "/v1/exports", token: agent, json: #"{"format":"csv","rows":"conversations","filter":{}}"#)
            expectProblem(refused, .forbidden)
            #expect((refused["detail"] as? String)?.contains("agents") == true)
            // The tenant's cap, below the plan's: six message rows against a cap of one.
            let over = try await h.send(.post, "/v1/exports", token: admin, json: #"{"format":"csv","filter":{}}"#)
            expectProblem(over, .unprocessableContent, field: "filter")
            let detail = try #require(over["detail"] as? String)
            #expect(detail.contains("6 rows") && detail.contains("limit is 1 per export") && detail.contains("1000"), "\(detail)")
            #expect(try await h.db.superuserRows(
                "SELECT count(*)::int FROM export_jobs WHERE tenant_id = '\(lower(acme.tenantID))'")[0].decode(Int.self) == 0)
        }
    }

    @Test("a role's history window shorter than the plan's hides older conversations from that role only")
    func historyPerRole() async throws {
        try await APIHarness.with { h in
            let acme = try await tenant(h, "acme", plan: "enterprise", daysAgo: 20)
            let admin = try await h.token("admin", of: acme)
            let agent = try await h.token("agentA", of: acme)
            let supervisor = try await h.token("supervisor", of: acme)
            let theirs = acme.conversations["afterSales"]!
            #expect(try await h.send(.get, "/v1/conversations", token: agent).ids == [lower(theirs)])
            let supervised = try await h.send(.get, "/v1/conversations", token: supervisor).ids.count

            #expect(try await h.send(.put, "/v1/admin/limits", token: admin, json: #"{"historyDays":{"agent":10}}"#).status == .ok)
            #expect(try await h.send(.get, "/v1/conversations", token: agent).ids.isEmpty)
            expectProblem(try await h.send(.get, "/v1/conversations/\(theirs)", token: agent), .notFound)
            #expect(try await h.send(.get, "/v1/conversations", token: supervisor).ids.count == supervised)
            #expect(try await h.send(.get, "/v1/conversations", token: admin).ids.count == 3)

            // Thirty days reach back far enough; the admin's own window hides from admins only.
            _ = try await h.send(.put, "/v1/admin/limits", token: admin, json: #"{"historyDays":{"agent":30,"admin":10}}"#)
            #expect(try await h.send(.get, "/v1/conversations", token: agent).ids == [lower(theirs)])
            #expect(try await h.send(.get, "/v1/conversations", token: admin).ids.isEmpty)
            // And back: nothing was deleted, only hidden.
            _ = try await h.send(.put, "/v1/admin/limits", token: admin, json: #"{}"#)
            #expect(try await h.send(.get, "/v1/conversations", token: admin).ids.count == 3)
        }
    }

    @Test("a limit above the plan's ceiling is 422 naming the limit and the ceiling; bad bodies 400/422 naming the field; nothing written")
    func refusals() async throws {
        try await APIHarness.with { h in
            let trial = try await h.tenant("trial", plan: "trial")
            let trialAdmin = try await h.token("admin", of: trial)
            let window = try await h.send(.put, "/v1/admin/limits", token: trialAdmin, json: #"{"historyDays":{"agent":60}}"#)
            expectProblem(window, .unprocessableContent, field: "historyDays.agent")
            #expect((window["detail"] as? String).map { $0.contains("60") && $0.contains("30 days") } == true, "\(window["detail"] ?? "")")
            let cap = try await h.send(.put, "/v1/admin/limits", token: trialAdmin, json: #"{"exportRowCap":5}"#)
            expectProblem(cap, .unprocessableContent, field: "exportRowCap")
            #expect((cap["detail"] as? String)?.contains("ceiling of 0 rows") == true)

            let acme = try await tenant(h, "acme", plan: try await ownPlan(h, "acme"))
            let admin = try await h.token("admin", of: acme)
            let above = try await h.send(.put, "/v1/admin/limits", token: admin, json: #"{"exportRowCap":1001}"#)
            expectProblem(above, .unprocessableContent, field: "exportRowCap")
            #expect((above["detail"] as? String).map { $0.contains("1001") && $0.contains("ceiling of 1000") } == true)
            for (body, status, field) in [
                (#"{"exportRowCap":"many"}"#, HTTPResponse.Status.badRequest, "exportRowCap"),
                (#"{"exportRowCap":-1}"#, .unprocessableContent, "exportRowCap"),
                (#"{"exportRowCap":2.5}"#, .badRequest, "exportRowCap"),
                (#"{"exportRoles":"admin"}"#, .badRequest, "exportRoles"),
                (#"{"exportRoles":["admin","owner"]}"#, .unprocessableContent, "exportRoles[1]"),
                (#"{"historyDays":{"agent":0}}"#, .unprocessableContent, "historyDays.agent"),
                (#"{"historyDays":{"supervisor":36501}}"#, .unprocessableContent, "historyDays.supervisor"),
                (#"{"historyDays":{"agent":"week"}}"#, .badRequest, "historyDays.agent"),
                (#"{"historyDays":{"agent":null,"admin":[]}}"#, .badRequest, "historyDays.admin"),
                (#"{"historyDays":7}"#, .badRequest, "historyDays"),
            ] {
                expectProblem(try await h.send(.put, "/v1/admin/limits", token: admin, json: body), status, field: field)
            }
            expectProblem(try await h.send(.put, "/v1/admin/limits", token: admin, json: "[1]"), .badRequest)
            #expect(try await limitRows(h, trial) == 0)
            #expect(try await limitRows(h, acme) == 0)
            let audited = try await h.db.superuserRows("""
                SELECT count(*)::int FROM audit_events WHERE action = 'tenant_limits.changed'
                  AND tenant_id IN ('\(lower(trial.tenantID))', '\(lower(acme.tenantID))')
                """)[0].decode(Int.self)
            #expect(audited == 0)
        }
    }

    @Test("agents, supervisors and custom roles neither read nor set limits (403); no token is 401; one tenant's limits never reach another")
    func permissions() async throws {
        try await APIHarness.with { h in
            let acme = try await h.tenant("acme")
            let other = try await h.tenant("other")
            for user in ["agentA", "supervisor", "analyst"] {
                let token = try await h.token(user, of: acme)
                expectProblem(try await h.send(.get, "/v1/admin/limits", token: token), .forbidden)
                expectProblem(try await h.send(.put, "/v1/admin/limits", token: token, json: #"{"exportRowCap":5}"#), .forbidden)
            }
            expectProblem(try await h.send(.get, "/v1/admin/limits"), .unauthorized)
            expectProblem(try await h.send(.put, "/v1/admin/limits", json: #"{"exportRowCap":5}"#), .unauthorized)
            #expect(try await limitRows(h, acme) == 0)

            let admin = try await h.token("admin", of: acme)
            #expect(try await h.send(.put, "/v1/admin/limits", token: admin, json: #"{"exportRowCap":5}"#).status == .ok)
            let theirs = try await h.send(.get, "/v1/admin/limits", token: try await h.token("admin", of: other))
            let theirPlanCap = try #require((theirs["plan"] as? [String: Any])?["exportRowCap"] as? Int)
            #expect((theirs["effective"] as? [String: Any])?["exportRowCap"] as? Int == theirPlanCap && theirPlanCap != 5)
            #expect(try await limitRows(h, other) == 0)
        }
    }

    @Test("a plan change is in force on the next request, wins where it is stricter, and deletes nothing")
    func planChange() async throws {
        try await APIHarness.with { h in
            let code = try await ownPlan(h, "acme")
            let acme = try await tenant(h, "acme", plan: code, daysAgo: 40)
            let admin = try await h.token("admin", of: acme)
            let agent = try await h.token("agentA", of: acme)
            _ = try await h.send(.put, "/v1/admin/limits", token: admin, json: #"{"exportRowCap":500,"historyDays":{"agent":90}}"#)
            #expect(try await h.send(.get, "/v1/conversations", token: agent).ids.count == 1)
            let messages = try await h.db.superuserRows(
                "SELECT count(*)::int FROM messages WHERE tenant_id = '\(lower(acme.tenantID))'")[0].decode(Int.self)

            // The operator lowers the plan's cap below the tenant's own.
            let lowered = try await h.send(.put, "/v1/operator/plans/\(code)", token: APIHarness.operatorToken, json: """
                {"historyVisibleDays":null,"exportEnabled":true,"exportRowCap":100,"customRetentionAllowed":false}
                """)
            #expect(lowered.status == .ok)
            let afterCap = try await h.send(.get, "/v1/admin/limits", token: admin)
            #expect((afterCap["limits"] as? [String: Any])?["exportRowCap"] as? Int == 500)
            #expect((afterCap["effective"] as? [String: Any])?["exportRowCap"] as? Int == 100)

            // Down to trial: no exports, 30 days of history, on the very next request.
            let moved = try await h.send(.patch, "/v1/operator/tenants/\(acme.tenantID)", token: APIHarness.operatorToken,
                                         json: #"{"plan":"trial"}"#)
            #expect(moved.status == .ok)
            let onTrial = try await h.send(.get, "/v1/admin/limits", token: admin)
            let effective = try #require(onTrial["effective"] as? [String: Any])
            #expect(effective["exportEnabled"] as? Bool == false && effective["exportRoles"] as? [String] == [])
            #expect((effective["historyDays"] as? [String: Any])?["agent"] as? Int == 30)
            #expect(((onTrial["limits"] as? [String: Any])?["historyDays"] as? [String: Any])?["agent"] as? Int == 90)
            #expect(try await h.send(.get, "/v1/conversations", token: agent).ids.isEmpty)
            #expect(try await h.send(.get, "/v1/conversations", token: admin).ids.isEmpty)
            expectProblem(try await h.send(.post, "/v1/exports", token: admin, json: #"{"format":"csv","filter":{}}"#), .forbidden)
            // Limits above the trial ceiling can no longer be set; nothing was deleted.
            expectProblem(try await h.send(.put, "/v1/admin/limits", token: admin, json: #"{"historyDays":{"agent":90}}"#),
                          .unprocessableContent, field: "historyDays.agent")
            let after = try await h.db.superuserRows(
                "SELECT count(*)::int FROM messages WHERE tenant_id = '\(lower(acme.tenantID))'")[0].decode(Int.self)
            #expect(after == messages)

            // Back up: everything is visible again.
            _ = try await h.send(.patch, "/v1/operator/tenants/\(acme.tenantID)", token: APIHarness.operatorToken, json: #"{"plan":"\#(code)"}"#)
            #expect(try await h.send(.get, "/v1/conversations", token: agent).ids.count == 1)
            #expect(try await h.send(.get, "/v1/conversations", token: admin).ids.count == 3)
        }
    }

    @Test("the operator bounds a plan's retention; clean-up rules outside the bounds are 422 naming both numbers")
    func planRetentionBounds() async throws {
        try await APIHarness.with { h in
            let code = try await ownPlan(h, "acme", customRetention: true)
            let acme = try await tenant(h, "acme", plan: code)
            let admin = try await h.token("admin", of: acme)
            func plan(_ extra: String) -> String {
                #"{"historyVisibleDays":null,"exportEnabled":true,"exportRowCap":1000,"customRetentionAllowed":true\#(extra)}"#
            }
            let bounded = try await h.send(.put, "/v1/operator/plans/\(code)", token: APIHarness.operatorToken,
                                           json: plan(#","minimumRetentionDays":180,"maximumRetentionDays":3650"#))
            #expect(bounded.status == .ok, "\(String(decoding: bounded.body, as: UTF8.self))")
            #expect(bounded["minimumRetentionDays"] as? Int == 180 && bounded["maximumRetentionDays"] as? Int == 3650)
            expectProblem(try await h.send(.put, "/v1/operator/plans/\(code)", token: APIHarness.operatorToken,
                                           json: plan(#","minimumRetentionDays":400,"maximumRetentionDays":300"#)),
                          .unprocessableContent, field: "minimumRetentionDays")
            expectProblem(try await h.send(.put, "/v1/operator/plans/\(code)", token: APIHarness.operatorToken,
                                           json: plan(#","maximumRetentionDays":0"#)),
                          .unprocessableContent, field: "maximumRetentionDays")
            expectProblem(try await h.send(.put, "/v1/operator/plans/\(code)", token: APIHarness.operatorToken,
                                           json: plan(#","minimumRetentionDays":"long""#)),
                          .badRequest, field: "minimumRetentionDays")

            let short = try await h.send(.post, "/v1/admin/cleanup-rules", token: admin, json: #"{"deleteAfterDays":90}"#)
            expectProblem(short, .unprocessableContent, field: "deleteAfterDays")
            #expect((short["detail"] as? String).map { $0.contains("90") && $0.contains("180") } == true)
            let long = try await h.send(.post, "/v1/admin/cleanup-rules/preview", token: admin, json: #"{"deleteAfterDays":4000}"#)
            expectProblem(long, .unprocessableContent, field: "deleteAfterDays")
            #expect((long["detail"] as? String).map { $0.contains("4000") && $0.contains("3650") } == true)
            #expect(try await h.send(.post, "/v1/admin/cleanup-rules", token: admin, json: #"{"deleteAfterDays":365}"#).status == .created)
            // The stricter floor wins: a compliance minimum above the plan's is named instead.
            _ = try await h.send(.patch, "/v1/operator/tenants/\(acme.tenantID)", token: APIHarness.operatorToken,
                                 json: #"{"complianceMinimumDays":1825}"#)
            let belowCompliance = try await h.send(.post, "/v1/admin/cleanup-rules", token: admin, json: #"{"deleteAfterDays":365}"#)
            expectProblem(belowCompliance, .unprocessableContent, field: "deleteAfterDays")
            #expect((belowCompliance["detail"] as? String)?.contains("compliance minimum of 1825") == true)
        }
    }
}
