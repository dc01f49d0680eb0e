import Domain
import Foundation
import HTTPTypes
import Store
import TestSupport
import Testing

/// `DELETE /v1/conversations/{id}` and `/v1/admin/recycle-bin`: a supervisor's delete is soft
/// (hidden everywhere, restorable by an admin for 30 days), an admin's is final and asks
/// first; time is moved, never waited for.
@Suite("Recycle bin")
struct RecycleBinTests {
    func lower(_ id: UUID) -> String { id.uuidString.lowercased() }

    /// Conversation ids the search for the fixture's text finds for `token`.
    func searched(_ h: APIHarness, _ token: String) async throws -> Set<String> {
        let reply = try await h.send(.get, "/v1/search/messages?q=%E9%80%80%E6%AC%BE", token: token)  // 退款
        #expect(reply.status == .ok)
        return Set(reply.items.compactMap { (($0["conversation"] as? [String: Any])?["id"] as? String)?.lowercased() })
    }

    @Test("a supervisor's delete hides the conversation from lists, transcripts, search, exports and counts; an admin restores it as it was")
    func binAndRestore() async throws {
        try await APIHarness.with { h in
            let acme = try await h.tenant("acme")
            let admin = try await h.token("admin", of: acme)
            let supervisor = try await h.token("supervisor", of: acme)
            let id = lower(acme.conversations["afterSales"]!)
            let customer = try #require((try await h.send(.get, "/v1/conversations/\(id)", token: admin)["customer"] as? [String: Any])?["id"] as? String)
            #expect(try await searched(h, admin).contains(id))

            let binned = try await h.send(.delete, "/v1/conversations/\(id)", token: supervisor)
            #expect(binned.status == .ok, "\(String(decoding: binned.body, as: UTF8.self))")
            #expect(binned["conversationId"] as? String == id && binned["previousStatus"] as? String == "ongoing")
            #expect(binned["deletedBy"] as? String == lower(acme.users["supervisor"]!))
            let deletedAt = try #require((binned["deletedAt"] as? String).flatMap(RFC3339.parse))
            let purgeAfter = try #require((binned["purgeAfter"] as? String).flatMap(RFC3339.parse))
            #expect(abs(purgeAfter.timeIntervalSince(deletedAt) - 30 * 86_400) < 1)

            for token in [admin, supervisor] {
                #expect(!(try await h.send(.get, "/v1/conversations", token: token).ids.contains(id)))
                expectProblem(try await h.send(.get, "/v1/conversations/\(id)", token: token), .notFound)
                expectProblem(try await h.send(.get, "/v1/conversations/\(id)/messages", token: token), .notFound)
                #expect(!(try await searched(h, token).contains(id)))
            }
            #expect(try await h.send(.get, "/v1/customers/\(customer)/conversations", token: admin).ids.isEmpty)
            let export = try await h.send(.post, "/v1/exports", token: admin, json: #"{"format":"csv","rows":"conversations","filter":{}}"#)
            #expect(export["rowsTotal"] as? Int == 2)
            // Deleting it again: it is not there to delete.
            expectProblem(try await h.send(.delete, "/v1/conversations/\(id)", token: supervisor), .notFound)

            let bin = try await h.send(.get, "/v1/admin/recycle-bin", token: admin)
            #expect(bin.status == .ok && bin.items.count == 1)
            #expect(bin.items.first?["conversationId"] as? String == id)
            #expect((bin.items.first?["conversation"] as? [String: Any])?["messageCount"] as? Int == 2)

            // A conversation in the bin can be put under a legal hold (what keeps it from the purge).
            let hold = try await h.send(.post, "/v1/admin/legal-holds", token: admin,
                                        json: #"{"subjectType":"conversation","subjectId":"\#(id)","reason":"dispute"}"#)
            #expect(hold.status == .created, "\(String(decoding: hold.body, as: UTF8.self))")

            let restored = try await h.send(.post, "/v1/admin/recycle-bin/\(id)/restore", token: admin)
            #expect(restored.status == .ok, "\(String(decoding: restored.body, as: UTF8.self))")
            #expect(restored["status"] as? String == "ongoing" && restored["messageCount"] as? Int == 2)
            #expect(try await h.send(.get, "/v1/conversations", token: supervisor).ids.contains(id))
            #expect(try await h.send(.get, "/v1/conversations/\(id)/messages", token: admin).items.count == 2)
            #expect(try await searched(h, admin).contains(id))
            #expect(try await h.send(.get, "/v1/admin/recycle-bin", token: admin).items.isEmpty)
            let actions = try await h.db.superuserRows("""
                SELECT action FROM audit_events WHERE tenant_id = '\(lower(acme.tenantID))' AND action IN ('conversation.binned', 'conversation.restored')
                ORDER BY occurred_at, id
                """).map { try $0.decode(String.self) }
            #expect(actions == ["conversation.binned", "conversation.restored"])
        }
    }

    @Test("restorable after 29 days, refused (410) after 31; new messages of a binned conversation are binned with it")
    func thirtyDays() async throws {
        let clock = MovableClock()
        try await APIHarness.with(clock: clock) { h in
            let acme = try await h.tenant("acme")
            let id = lower(acme.conversations["afterSales"]!)
            _ = try await h.send(.delete, "/v1/conversations/\(id)", token: try await h.token("supervisor", of: acme))
            // The customer writes again: the message joins the binned conversation, hidden with it.
            let pushed = try await h.send(.post, "/v1/ingest/messages", token: acme.apiKey, json: batch([
                ingestItem(conversation: "\(acme.slug)-afterSales", message: "late-1", customer: "\(acme.slug)-customer-afterSales",
                           sentAt: RFC3339.format(clock.now), text: "还在吗 refund"),
            ]))
            #expect(pushed.status == .ok || pushed.status == .created, "\(String(decoding: pushed.body, as: UTF8.self))")
            let admin = try await h.token("admin", of: acme)
            #expect(!(try await h.send(.get, "/v1/conversations", token: admin).ids.contains(id)))
            #expect(!(try await searched(h, admin).contains(id)))

            clock.advance(days: 29)
            let later = try await h.token("admin", of: acme)
            let restored = try await h.send(.post, "/v1/admin/recycle-bin/\(id)/restore", token: later)
            #expect(restored.status == .ok && restored["messageCount"] as? Int == 3)
            #expect(try await h.send(.get, "/v1/conversations/\(id)/messages", token: later).items.count == 3)

            _ = try await h.send(.delete, "/v1/conversations/\(id)", token: try await h.token("supervisor", of: acme))
            clock.advance(days: 31)
            let muchLater = try await h.token("admin", of: acme)
            expectProblem(try await h.send(.post, "/v1/admin/recycle-bin/\(id)/restore", token: muchLater), .gone)
            #expect(try await h.send(.get, "/v1/admin/recycle-bin", token: muchLater).items.count == 1)
        }
    }

    @Test("an admin's delete is final: 409 without confirm, 204 with it; a hold keeps it (409); agents need the permission (403)")
    func finalAndPermissions() async throws {
        try await APIHarness.with { h in
            let acme = try await h.tenant("acme")
            let admin = try await h.token("admin", of: acme)
            let sales = lower(acme.conversations["sales"]!)
            let asked = try await h.send(.delete, "/v1/conversations/\(sales)", token: admin)
            expectProblem(asked, .conflict)
            #expect((asked["detail"] as? String)?.contains("final") == true)
            #expect(try await h.send(.get, "/v1/conversations/\(sales)", token: admin).status == .ok)
            #expect(try await h.send(.delete, "/v1/conversations/\(sales)?confirm=true", token: admin).status == .noContent)
            let left = try await h.db.superuserRows("""
                SELECT (SELECT count(*) FROM conversations WHERE id = '\(sales)')::int,
                       (SELECT count(*) FROM messages WHERE conversation_id = '\(sales)')::int,
                       (SELECT count(*) FROM recycle_bin WHERE conversation_id = '\(sales)')::int
                """)[0].decode((Int, Int, Int).self)
            #expect(left == (0, 0, 0))

            let support = lower(acme.conversations["support"]!)
            _ = try await h.send(.post, "/v1/admin/legal-holds", token: admin,
                                 json: #"{"subjectType":"conversation","subjectId":"\#(support)","reason":"claim"}"#)
            expectProblem(try await h.send(.delete, "/v1/conversations/\(support)?confirm=true", token: admin), .conflict)
            #expect(try await h.send(.get, "/v1/conversations/\(support)", token: admin).status == .ok)

            // Agents may not, unless a custom role grants conversations.delete.
            let afterSales = lower(acme.conversations["afterSales"]!)
            expectProblem(try await h.send(.delete, "/v1/conversations/\(afterSales)", token: try await h.token("agentA", of: acme)), .forbidden)
            let role = try await h.send(.post, "/v1/admin/roles", token: admin,
                                        json: #"{"name":"Cleaner","permissions":["conversations.delete"],"departmentIds":[]}"#)
            #expect(role.status == .created, "\(String(decoding: role.body, as: UTF8.self))")
            let roleID = try #require(role["id"] as? String)
            let updated = try await h.send(.patch, "/v1/admin/users/\(lower(acme.users["agentA"]!))", token: admin,
                                           json: #"{"customRoleId":"\#(roleID)"}"#)
            #expect(updated.status == .ok, "\(String(decoding: updated.body, as: UTF8.self))")
            #expect(try await h.send(.delete, "/v1/conversations/\(afterSales)", token: try await h.token("agentA", of: acme)).status == .ok)
        }
    }

    @Test("other tenants' ids are 404; only admins list and restore (403); a malformed confirm is 400")
    func refusals() async throws {
        try await APIHarness.with { h in
            let acme = try await h.tenant("acme")
            let other = try await h.tenant("other")
            let supervisor = try await h.token("supervisor", of: acme)
            let theirs = lower(other.conversations["afterSales"]!)
            expectProblem(try await h.send(.delete, "/v1/conversations/\(theirs)", token: supervisor), .notFound)
            expectProblem(try await h.send(.delete, "/v1/conversations/\(theirs)?confirm=true", token: try await h.token("admin", of: acme)), .notFound)
            _ = try await h.send(.delete, "/v1/conversations/\(theirs)", token: try await h.token("supervisor", of: other))
            let admin = try await h.token("admin", of: acme)
            expectProblem(try await h.send(.post, "/v1/admin/recycle-bin/\(theirs)/restore", token: admin), .notFound)
            #expect(try await h.send(.get, "/v1/admin/recycle-bin", token: admin).items.isEmpty)
            expectProblem(try await h.send(.post, "/v1/admin/recycle-bin/\(lower(acme.conversations["sales"]!))/restore", token: admin), .notFound)
            expectProblem(try await h.send(.delete, "/v1/conversations/\(lower(acme.conversations["sales"]!))?confirm=maybe", token: admin),
                          .badRequest, field: "query.confirm")
            for user in ["supervisor", "agentA", "analyst"] {
                let token = try await h.token(user, of: acme)
                expectProblem(try await h.send(.get, "/v1/admin/recycle-bin", token: token), .forbidden)
                expectProblem(try await h.send(.post, "/v1/admin/recycle-bin/\(theirs)/restore", token: token), .forbidden)
            }
            expectProblem(try await h.send(.delete, "/v1/conversations/\(theirs)"), .unauthorized)
            expectProblem(try await h.send(.get, "/v1/admin/recycle-bin"), .unauthorized)
            let binned = try await h.db.superuserRows("SELECT count(*)::int FROM recycle_bin WHERE tenant_id = '\(lower(acme.tenantID))'")[0]
                .decode(Int.self)
            #expect(binned == 0)
        }
    }
}
