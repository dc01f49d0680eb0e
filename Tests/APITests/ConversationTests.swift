import Foundation
import HTTPTypes
import TestSupport
import Testing

@Suite("Reading conversations")
struct ConversationTests {
    @Test("the list is newest first and a cursor walks it without gaps or repeats")
    func pagination() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let base = Date().addingTimeInterval(-3 * 86_400)
            for index in 0..<7 {
                _ = try await acme.ingestConversation(in: api.db, externalID: "p-\(index)", customer: "p-\(index)",
                                                      agent: acme.users["agentA"]!, department: acme.departments["afterSales"]!,
                                                      at: base.addingTimeInterval(Double(index) * 60))
            }
            let token = try await api.token("admin", of: acme)
            var seen: [String] = []
            var starts: [String] = []
            var cursor: String?
            repeat {
                let page = try await api.send(.get, "/v1/conversations?limit=3" + (cursor.map { "&cursor=\($0)" } ?? ""), token: token)
                #expect(page.status == .ok)
                seen += page.ids
                starts += page.items.compactMap { $0["startedAt"] as? String }
                cursor = page["nextCursor"] as? String
            } while cursor != nil
            #expect(seen.count == 10)
            #expect(Set(seen).count == 10)
            #expect(starts == starts.sorted(by: >))
        }
    }

    @Test("filters narrow the list; a bad filter is a 400 naming the parameter")
    func filters() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let token = try await api.token("admin", of: acme)
            let sales = try await api.send(.get, "/v1/conversations?departmentId=\(acme.departments["sales"]!)", token: token)
            #expect(sales.ids == [acme.conversations["sales"]!.uuidString.lowercased()])
            let byAgent = try await api.send(.get, "/v1/conversations?agentId=\(acme.users["agentB"]!)", token: token)
            #expect(byAgent.ids == [acme.conversations["support"]!.uuidString.lowercased()])
            #expect(try await api.send(.get, "/v1/conversations?channel=web&status=ongoing&preset=7d", token: token).items.count == 3)
            #expect(try await api.send(.get, "/v1/conversations?channel=douyin", token: token).items.isEmpty)
            #expect(try await api.send(.get, "/v1/conversations?status=ended", token: token).items.isEmpty)
            let future = try await api.send(.get, "/v1/conversations?from=2999-01-01T00:00:00Z", token: token)
            #expect(future.items.isEmpty)
            for (query, field) in [("channel=fax", "query.channel"), ("status=open", "query.status"), ("preset=year", "query.preset"),
                                   ("from=yesterday", "query.from"), ("agentId=42", "query.agentId"), ("limit=0", "query.limit"),
                                   ("limit=201", "query.limit"), ("cursor=%25%25", "query.cursor"),
                                   ("from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "query.to"),
                                   ("preset=7d&from=2026-01-01T00:00:00Z", "query.preset")] {
                expectProblem(try await api.send(.get, "/v1/conversations?\(query)", token: token), .badRequest, field: field)
            }
        }
    }

    @Test("another tenant's conversation is a 404 everywhere, and lists never show it")
    func otherTenant() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let other = try await api.tenant("other")
            let token = try await api.token("admin", of: acme)
            let foreign = other.conversations["sales"]!
            expectProblem(try await api.send(.get, "/v1/conversations/\(foreign)", token: token), .notFound)
            expectProblem(try await api.send(.get, "/v1/conversations/\(foreign)/messages", token: token), .notFound)
            expectProblem(try await api.send(.post, "/v1/conversations/\(foreign)/end", token: token), .notFound)
            expectProblem(try await api.send(.post, "/v1/conversations/\(foreign)/transfer", token: token,
                                             json: #"{"toAgentId":"\#(acme.users["agentA"]!)"}"#), .notFound)
            expectProblem(try await api.send(.get, "/v1/conversations/not-a-uuid", token: token), .notFound)
            let listed = Set(try await api.send(.get, "/v1/conversations?limit=200", token: token).ids)
            #expect(listed == Set(acme.conversations.values.map { $0.uuidString.lowercased() }))
            #expect(try await api.send(.get, "/v1/conversations/\(foreign)", token: try await api.token("admin", of: other)).status == .ok)
        }
    }

    @Test("an agent lists only conversations they took part in and gets 404 for a colleague's")
    func agentScope() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let token = try await api.token("agentA", of: acme)
            #expect(try await api.send(.get, "/v1/conversations", token: token).ids == [acme.conversations["afterSales"]!.uuidString.lowercased()])
            expectProblem(try await api.send(.get, "/v1/conversations/\(acme.conversations["support"]!)", token: token), .notFound)
            expectProblem(try await api.send(.post, "/v1/conversations/\(acme.conversations["support"]!)/end", token: token), .notFound)
            let supervisor = try await api.token("supervisor", of: acme)
            #expect(Set(try await api.send(.get, "/v1/conversations", token: supervisor).ids)
                    == Set([acme.conversations["afterSales"]!, acme.conversations["support"]!].map { $0.uuidString.lowercased() }))
        }
    }

    @Test("opening a conversation shows it and is audited; its transcript reads in order")
    func openAndRead() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let token = try await api.token("agentA", of: acme)
            let id = acme.conversations["afterSales"]!
            let conversation = try await api.send(.get, "/v1/conversations/\(id)", token: token)
            #expect(conversation.status == .ok)
            #expect(conversation["messageCount"] as? Int == 2)
            #expect((conversation["agent"] as? [String: Any])?["name"] as? String == "AgentA")
            // The admin reads who looked at it; agents may not read the audit trail.
            let audit = try await api.send(.get, "/v1/admin/audit-events?targetId=\(id)", token: try await api.token("admin", of: acme))
            #expect(audit.items.compactMap { $0["action"] as? String } == ["conversation.viewed"])
            #expect((audit.items.first?["actorId"] as? String)?.lowercased() == acme.users["agentA"]!.uuidString.lowercased())
            expectProblem(try await api.send(.get, "/v1/admin/audit-events", token: token), .forbidden)
            // Another tenant's admin sees none of it.
            let otherAdmin = try await api.token("admin", of: try await api.tenant("other"))
            #expect(try await api.send(.get, "/v1/admin/audit-events?targetId=\(id)", token: otherAdmin).items.isEmpty)
            expectProblem(try await api.send(.get, "/v1/admin/audit-events?targetId=nope", token: try await api.token("admin", of: acme)),
                          .badRequest, field: "query.targetId")
            let first = try await api.send(.get, "/v1/conversations/\(id)/messages?limit=1", token: token)
            #expect(first.items.first?["senderSide"] as? String == "customer")
            let cursor = try #require(first["nextCursor"] as? String)
            let second = try await api.send(.get, "/v1/conversations/\(id)/messages?limit=1&cursor=\(cursor)", token: token)
            #expect(second.items.first?["senderSide"] as? String == "agent")
            #expect(second["nextCursor"] == nil)
        }
    }

    @Test("ending a conversation once works; twice is a 409")
    func end() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let token = try await api.token("agentA", of: acme)
            let id = acme.conversations["afterSales"]!
            let ended = try await api.send(.post, "/v1/conversations/\(id)/end", token: token)
            #expect(ended["status"] as? String == "ended")
            #expect(ended["endedAt"] as? String != nil)
            expectProblem(try await api.send(.post, "/v1/conversations/\(id)/end", token: token), .conflict)
        }
    }

    @Test("a transfer hands the conversation over; bad targets are refused with nothing changed")
    func transfer() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let other = try await api.tenant("other")
            let agentA = try await api.token("agentA", of: acme)
            let agentB = try await api.token("agentB", of: acme)
            let id = acme.conversations["afterSales"]!
            expectProblem(try await api.send(.get, "/v1/conversations/\(id)", token: agentB), .notFound)
            expectProblem(try await api.send(.post, "/v1/conversations/\(id)/transfer", token: agentA, json: "{}"),
                          .unprocessableContent, field: "toAgentId")
            expectProblem(try await api.send(.post, "/v1/conversations/\(id)/transfer", token: agentA,
                                             json: #"{"toAgentId":"\#(other.users["agentB"]!)"}"#), .unprocessableContent, field: "toAgentId")
            expectProblem(try await api.send(.post, "/v1/conversations/\(id)/transfer", token: agentA,
                                             json: #"{"toDepartmentId":"\#(other.departments["sales"]!)"}"#), .unprocessableContent, field: "toDepartmentId")
            expectProblem(try await api.send(.post, "/v1/conversations/\(id)/transfer", token: agentA, json: #"{"toAgentId":12}"#),
                          .badRequest, field: "toAgentId")
            #expect(try await api.count("conversation_transfers") == 0)
            let moved = try await api.send(.post, "/v1/conversations/\(id)/transfer", token: agentA,
                                           json: #"{"toAgentId":"\#(acme.users["agentB"]!)"}"#)
            #expect(moved.status == .ok)
            #expect((moved["agent"] as? [String: Any])?["id"] as? String == acme.users["agentB"]!.uuidString.lowercased())
            #expect(try await api.send(.get, "/v1/conversations/\(id)/messages", token: agentB).items.count == 2)
            #expect(try await api.count("conversation_transfers") == 1)
        }
    }

    @Test("a trial tenant's list hides history older than 30 days")
    func trial() async throws {
        try await APIHarness.with { api in
            let trial = try await api.tenant("trial", plan: "trial")
            let old = try await trial.ingestConversation(in: api.db, externalID: "old", customer: "old", agent: trial.users["agentA"]!,
                                                         department: nil, at: Date().addingTimeInterval(-31 * 86_400))
            let token = try await api.token("admin", of: trial)
            #expect(!(try await api.send(.get, "/v1/conversations", token: token).ids.contains(old.uuidString.lowercased())))
            expectProblem(try await api.send(.get, "/v1/conversations/\(old)", token: token), .notFound)
        }
    }
}
