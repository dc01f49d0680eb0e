import Domain
import Foundation
import HTTPTypes
import TestSupport
import Testing

/// Who may do what to which rows, and what an answer may show: transfers out of one's
/// own scope, the trial window on every dated table, masked channel ids, contact lookups.
@Suite("Scope and privacy")
struct ScopeAndPrivacyTests {
    @Test("a supervisor moves a conversation to another department: 200, then 404 for them; the new department's supervisor sees it")
    func transferOutOfScope() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let supervisor = try await api.token("supervisor", of: acme)
            let id = acme.conversations["afterSales"]!
            let moved = try await api.send(.post, "/v1/conversations/\(id)/transfer", token: supervisor,
                                           json: #"{"toDepartmentId":"\#(acme.departments["sales"]!)","toAgentId":"\#(acme.users["salesAgent"]!)"}"#)
            #expect(moved.status == .ok, "\(String(decoding: moved.body, as: UTF8.self))")
            #expect((moved["departmentId"] as? String) == acme.departments["sales"]!.uuidString.lowercased())
            #expect((moved["agent"] as? [String: Any])?["name"] as? String == "SalesAgent")
            expectProblem(try await api.send(.get, "/v1/conversations/\(id)", token: supervisor), .notFound)
            // The copies the policy reads moved with it: sales sees the conversation and its messages.
            let sales = try await api.token("salesAgent", of: acme)
            #expect(try await api.send(.get, "/v1/conversations/\(id)/messages", token: sales).items.count == 2)
            let analyst = try await api.token("analyst", of: acme)  // custom role scoped to sales
            #expect(try await api.send(.get, "/v1/conversations/\(id)", token: analyst).status == .ok)
            #expect(try await api.count("conversation_transfers") == 1)
            // A custom-role user moves it out of its departments the same way.
            let back = try await api.send(.post, "/v1/conversations/\(id)/transfer", token: analyst,
                                          json: #"{"toDepartmentId":"\#(acme.departments["afterSales"]!)"}"#)
            #expect(back.status == .ok)
            expectProblem(try await api.send(.get, "/v1/conversations/\(id)", token: analyst), .notFound)
            // What the caller cannot see cannot be transferred, and another tenant's id is unknown.
            expectProblem(try await api.send(.post, "/v1/conversations/\(id)/transfer", token: analyst,
                                             json: #"{"toDepartmentId":"\#(acme.departments["sales"]!)"}"#), .notFound)
            let other = try await api.token("admin", of: try await api.tenant("other"))
            expectProblem(try await api.send(.post, "/v1/conversations/\(id)/transfer", token: other,
                                             json: #"{"toDepartmentId":"\#(acme.departments["sales"]!)"}"#), .notFound)
            #expect(try await api.count("conversation_transfers") == 2)
            // The scope was lifted only inside the function: the caller's later reads are theirs.
            let list = try await api.send(.get, "/v1/conversations", token: analyst)
            #expect(list.ids == [acme.conversations["sales"]!.uuidString.lowercased()])
        }
    }

    @Test("repeated tag ids, in any letter case, are stored once")
    func repeatedTagIDs() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let admin = try await api.token("admin", of: acme)
            let t1 = try #require(try await api.send(.post, "/v1/admin/tags", token: admin, json: #"{"name":"t1"}"#)["id"] as? String)
            let t2 = try #require(try await api.send(.post, "/v1/admin/tags", token: admin, json: #"{"name":"t2"}"#)["id"] as? String)
            let id = acme.conversations["afterSales"]!
            let tagged = try await api.send(.put, "/v1/conversations/\(id)/tags", token: admin,
                                            json: #"{"tagIds":["\#(t1)","\#(t2)","\#(t1.uppercased())","\#(t1)"]}"#)
            #expect(tagged["tagIds"] as? [String] == [t1, t2])
            _ = try await api.send(.delete, "/v1/admin/tags/\(t2)", token: admin)
            #expect(try await api.send(.get, "/v1/conversations/\(id)", token: admin)["tagIds"] as? [String] == [t1])
            let customer = try #require((try await api.send(.get, "/v1/conversations/\(id)", token: admin)["customer"] as? [String: Any])?["id"] as? String)
            let customerTags = try await api.send(.put, "/v1/customers/\(customer)/tags", token: admin,
                                                  json: #"{"tagIds":["\#(t1.uppercased())","\#(t1)"]}"#)
            #expect(customerTags["tagIds"] as? [String] == [t1])
        }
    }

    @Test("a keyword with from/to lists conversations started in the window even when the matching message came later")
    func keywordWithTimeWindow() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let admin = try await api.token("admin", of: acme)
            let reply = try await api.send(.post, "/v1/ingest/messages", token: acme.apiKey, json: batch([
                ingestItem(conversation: "late", message: "late-1", sentAt: "2025-10-30T23:00:00Z", text: "你好"),
                ingestItem(conversation: "late", message: "late-2", sentAt: "2025-11-02T09:00:00Z", text: "包裹一直没收到"),
            ]))
            let id = try #require((reply["results"] as? [[String: Any]])?.first?["conversationId"] as? String)
            let inWindow = try await api.send(.get, "/v1/conversations?q=没收到&from=2025-10-01T00:00:00Z&to=2025-11-01T00:00:00Z", token: admin)
            #expect(inWindow.ids == [id])
            let before = try await api.send(.get, "/v1/conversations?q=没收到&from=2025-11-01T00:00:00Z", token: admin)
            #expect(before.ids.isEmpty)
        }
    }

    @Test("a trial tenant sees neither old visits, old note revisions nor old audit events; counters count only visible messages")
    func trialWindowEverywhere() async throws {
        try await APIHarness.with { api in
            let trial = try await api.tenant("trial", plan: "trial")
            let admin = try await api.token("admin", of: trial)
            let old = Date().addingTimeInterval(-40 * 86_400)
            let recent = Date().addingTimeInterval(-86_400)
            func iso(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }
            // One conversation that began 40 days ago and went on yesterday.
            let reply = try await api.send(.post, "/v1/ingest/messages", token: trial.apiKey, json: batch([
                ingestItem(conversation: "long", message: "long-1", customer: "c-long", sentAt: iso(old), text: "很久以前的问题"),
                String(ingestItem(conversation: "long", message: "long-2", customer: "c-long", sentAt: iso(old.addingTimeInterval(60)),
                                  kind: "image", text: nil).dropLast()) + #","attachment":{"url":"https://img.example/old.png"}}"#,
                ingestItem(conversation: "long", message: "long-3", customer: "c-long", sentAt: iso(recent), text: "昨天又来问"),
            ]))
            let id = try #require((reply["results"] as? [[String: Any]])?.first?["conversationId"] as? String)
            let conversation = try await api.send(.get, "/v1/conversations/\(id)", token: admin)
            #expect(conversation["messageCount"] as? Int == 1)
            #expect(conversation["startedAt"] as? String == iso(recent).replacingOccurrences(of: "Z", with: ".000Z"))
            let listed = try await api.send(.get, "/v1/conversations", token: admin).items.first { $0["id"] as? String == id }
            #expect(listed?["messageCount"] as? Int == 1)
            // Time and attachment filters see what is shown, not the hidden history.
            func ids(_ query: String) async throws -> [String] {
                try await api.send(.get, "/v1/conversations?\(query)", token: admin).ids
            }
            let shownStart = recent.addingTimeInterval(-3600), hiddenStart = old.addingTimeInterval(-3600)
            #expect(try await ids("preset=7d").contains(id))
            #expect(try await ids("from=\(iso(shownStart))&to=\(iso(shownStart.addingTimeInterval(7200)))") == [id])
            #expect(try await ids("from=\(iso(hiddenStart))&to=\(iso(hiddenStart.addingTimeInterval(7200)))").isEmpty)
            #expect(try await ids("hasAttachment=true").isEmpty)
            #expect(try await api.send(.get, "/v1/conversations/\(id)/messages", token: admin).items.count == 1)
            // Visits: one old, one recent.
            _ = try await api.send(.post, "/v1/ingest/visits", token: trial.apiKey, json: """
                {"visits":[{"visitExternalId":"v-old","customer":{"externalId":"c-long"},"pageUrl":"https://shop.example/old","startedAt":"\(iso(old))"},
                           {"visitExternalId":"v-new","customer":{"externalId":"c-long"},"pageUrl":"https://shop.example/new","startedAt":"\(iso(recent))"}]}
                """)
            let customer = try #require((conversation["customer"] as? [String: Any])?["id"] as? String)
            let timeline = try await api.send(.get, "/v1/customers/\(customer)/timeline", token: admin)
            let visits = timeline.items.compactMap { ($0["visit"] as? [String: Any])?["pageUrl"] as? String }
            #expect(visits == ["https://shop.example/new"])
            // Audit events and note revisions older than the window, written behind RLS.
            _ = try await api.db.superuserRows("""
                INSERT INTO audit_events (tenant_id, id, actor_id, action, target_type, occurred_at)
                VALUES ('\(trial.tenantID)', gen_random_uuid(), NULL, 'old.event', 'tenant', now() - interval '40 days')
                """)
            let audit = try await api.send(.get, "/v1/admin/audit-events?action=old.event", token: admin)
            #expect(audit.status == .ok)
            #expect(audit.items.isEmpty)
            // The same rows for a paid plan are all there.
            _ = try await api.send(.patch, "/v1/operator/tenants/\(trial.tenantID)", token: APIHarness.operatorToken,
                                   json: #"{"plan":"professional"}"#)
            let paid = try await api.token("admin", of: trial)
            #expect(try await api.send(.get, "/v1/conversations/\(id)", token: paid)["messageCount"] as? Int == 3)
            #expect(try await api.send(.get, "/v1/customers/\(customer)/timeline", token: paid).items
                .compactMap { ($0["visit"] as? [String: Any])?["pageUrl"] as? String }.count == 2)
            #expect(try await api.send(.get, "/v1/admin/audit-events?action=old.event", token: paid).items.count == 1)
        }
    }

    @Test("an e-mail or phone used as a channel id is masked wherever the customer's contact is: transcript, search hits, identities")
    func channelIDsMasked() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let agent = try await api.token("agentA", of: acme)
            let admin = try await api.token("admin", of: acme)
            _ = try await api.send(.post, "/v1/ingest/messages", token: acme.apiKey, json: batch([
                ingestItem(conversation: "mail-1", message: "mail-1a", customer: "alice.secret@example.com", text: "退款进度如何"),
                ingestItem(conversation: "mail-1", message: "mail-1b", customer: "alice.secret@example.com", side: "agent",
                           agentId: acme.users["agentA"]!, text: "正在处理退款"),
                ingestItem(conversation: "sms-1", message: "sms-1a", customer: "+86 138 1234 5678", side: "customer", text: "退款查询"),
                ingestItem(conversation: "sms-1", message: "sms-1b", customer: "+86 138 1234 5678", side: "agent",
                           agentId: acme.users["agentA"]!, text: "好的"),
            ]))
            let listed = try await api.send(.get, "/v1/conversations", token: agent)
            for conversation in listed.items {
                let id = try #require(conversation["id"] as? String)
                for token in [agent, admin] {
                    let transcript = try await api.send(.get, "/v1/conversations/\(id)/messages", token: token)
                    let sender = transcript.items.first { $0["senderSide"] as? String == "customer" }?["senderId"] as? String
                    let text = String(decoding: transcript.body, as: UTF8.self)
                    if token == agent {
                        #expect(!text.contains("alice.secret") && !text.contains("1234 5678"), "\(text)")
                        #expect(["a****@example.com", "861******5678", acme.customerExternalID("afterSales")].contains(sender ?? ""), "\(sender ?? "-")")
                    } else {
                        #expect(["alice.secret@example.com", "+86 138 1234 5678", acme.customerExternalID("afterSales")].contains(sender ?? ""))
                    }
                }
            }
            let hits = try await api.send(.get, "/v1/search/messages?q=退款", token: agent)
            let senders = hits.items.compactMap { ($0["message"] as? [String: Any])?["senderId"] as? String }
            #expect(!senders.contains { $0.contains("alice.secret") || $0.contains("1234 5678") }, "\(senders)")
            #expect(hits.items.count >= 2)
            let customer = try #require(listed.items.first { $0["externalId"] as? String == "mail-1" }.flatMap { ($0["customer"] as? [String: Any])?["id"] as? String })
            let profile = try await api.send(.get, "/v1/customers/\(customer)", token: agent)
            #expect((profile["identities"] as? [[String: Any]])?.first?["externalId"] as? String == "a****@example.com")
            let full = try await api.send(.get, "/v1/customers/\(customer)", token: admin)
            #expect((full["identities"] as? [[String: Any]])?.first?["externalId"] as? String == "alice.secret@example.com")
        }
    }

    @Test("lookups by full phone or e-mail are audited and throttled per user without the contact permission; name searches and admins are not")
    func contactLookupsThrottled() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let agent = try await api.token("agentA", of: acme)
            let admin = try await api.token("admin", of: acme)
            for guess in 0..<APIHarness.contactLookupsPerHour {
                let uri = guess % 3 == 0 ? "/v1/conversations?customerPhone=1381234\(String(format: "%04d", guess))"
                    : guess % 3 == 1 ? "/v1/customers?q=1381234\(String(format: "%04d", guess))" : "/v1/search/messages?q=退款&customerEmail=x\(guess)@example.com"
                #expect(try await api.send(.get, uri, token: agent).status == .ok, "\(uri)")
            }
            let throttled = try await api.send(.get, "/v1/customers?q=13812349999", token: agent)
            expectProblem(throttled, .tooManyRequests)
            #expect((1...3600).contains(Int(throttled.headers[.retryAfter] ?? "") ?? 0))
            expectProblem(try await api.send(.get, "/v1/conversations?customerPhone=13812349999", token: agent), .tooManyRequests)
            // Not a contact lookup: a name, or the masked form as shown.
            #expect(try await api.send(.get, "/v1/customers?q=Customer", token: agent).status == .ok)
            #expect(try await api.send(.get, "/v1/conversations?customerPhone=138****9999", token: agent).status == .ok)
            // Other users, and users who see contacts in full, are not slowed.
            #expect(try await api.send(.get, "/v1/customers?q=13812349999", token: try await api.token("agentB", of: acme)).status == .ok)
            for _ in 0..<(APIHarness.contactLookupsPerHour + 2) {
                #expect(try await api.send(.get, "/v1/customers?q=13812349999", token: admin).status == .ok)
            }
            let audit = try await api.send(.get, "/v1/admin/audit-events?action=customers.looked_up_by_contact&actorId=\(acme.users["agentA"]!)&limit=200",
                                           token: admin)
            #expect(audit.items.count == APIHarness.contactLookupsPerHour)
        }
    }

    @Test("every transcript and search page is audited, a hand-made cursor's too")
    func everyPageAudited() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let agent = try await api.token("agentA", of: acme)
            let admin = try await api.token("admin", of: acme)
            let id = acme.conversations["afterSales"]!
            // A cursor no answer handed out: made by the client itself.
            let forged = KeysetCursor(time: Date(timeIntervalSince1970: 0), id: UUID()).encoded
            _ = try await api.send(.get, "/v1/conversations/\(id)/messages?cursor=\(forged)", token: agent)
            _ = try await api.send(.get, "/v1/search/messages?q=退款&cursor=\(forged)", token: agent)
            let audit = try await api.send(.get, "/v1/admin/audit-events?actorId=\(acme.users["agentA"]!)", token: admin)
            // Besides the agent's sign-in.
            #expect(Set(audit.items.compactMap { $0["action"] as? String }) == ["auth.signed_in", "conversation.transcript_viewed", "messages.searched"])
        }
    }

    @Test("agents and supervisors may not change a rating (403); admins may")
    func ratingsAreAdmins() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let id = acme.conversations["afterSales"]!
            for user in ["agentA", "supervisor"] {
                expectProblem(try await api.send(.put, "/v1/conversations/\(id)/rating", token: try await api.token(user, of: acme),
                                                 json: #"{"satisfaction":"good"}"#), .forbidden)
            }
            #expect(try await api.send(.put, "/v1/conversations/\(id)/rating", token: try await api.token("admin", of: acme),
                                       json: #"{"satisfaction":"good"}"#).status == .ok)
        }
    }

    @Test("visits take http(s) page URLs only; a batch may reach at most three months not stored before")
    func ingestionBounds() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            for url in ["javascript:alert(1)", "data:text/html,x", "ftp://x.example/"] {
                expectProblem(try await api.send(.post, "/v1/ingest/visits", token: acme.apiKey, json: """
                    {"visits":[{"visitExternalId":"v","customer":{"externalId":"c"},"pageUrl":"\(url)","startedAt":"\(TestTimes.sentAt())"}]}
                    """), .unprocessableContent, field: "visits[0].pageUrl")
            }
            #expect(try await api.count("visits") == 0)
            // On a shared database other tests add months of their own meanwhile: count the months this one reaches.
            let partitions = "SELECT count(*)::int FROM pg_inherits WHERE inhparent = 'public.messages'::regclass"
                + (TestDatabase.isShared ? " AND inhrelid::regclass::text LIKE 'messages_2001%'" : "")
            let before = try await api.db.superuserRows(partitions)[0].decode(Int.self)
            let years = ["2001-01-05", "2001-02-05", "2001-03-05", "2001-04-05", "2001-05-05"]
            let wide = try await api.send(.post, "/v1/ingest/messages", token: acme.apiKey, json: batch(years.enumerated().map { index, day in
                ingestItem(conversation: "import", message: "old-\(index)", sentAt: "\(day)T10:00:00Z")
            }))
            expectProblem(wide, .unprocessableContent, field: "messages[3].sentAt")
            #expect(try await api.db.superuserRows(partitions)[0].decode(Int.self) == before)
            let narrow = try await api.send(.post, "/v1/ingest/messages", token: acme.apiKey, json: batch(years.prefix(3).enumerated().map { index, day in
                ingestItem(conversation: "import", message: "old-\(index)", sentAt: "\(day)T10:00:00Z")
            }))
            #expect(narrow.status == .ok)
            #expect(try await api.db.superuserRows(partitions)[0].decode(Int.self) == before + 3)
        }
    }
}
