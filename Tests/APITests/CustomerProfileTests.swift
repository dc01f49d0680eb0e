import Foundation
import HTTPTypes
import TestSupport
import Testing

@Suite("Customer profile: notes, visits, timeline")
struct CustomerProfileTests {
    private func customerID(_ api: APIHarness, _ fixture: TenantFixture, _ token: String, name: String) async throws -> String {
        let found = try await api.send(.get, "/v1/customers?q=\(name.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)", token: token)
        return try #require(found.ids.first)
    }

    @Test("notes keep every revision with who and when; a locked note is for admins only")
    func notes() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let admin = try await api.token("admin", of: acme)
            let agent = try await api.token("agentA", of: acme)
            let customer = try await customerID(api, acme, agent, name: acme.customerName("afterSales"))
            let created = try await api.send(.post, "/v1/customers/\(customer)/notes", token: agent, json: #"{"text":"VIP，偏好电话联系"}"#)
            #expect(created.status == .created)
            let note = try #require(created["id"] as? String)
            let edited = try await api.send(.put, "/v1/customers/\(customer)/notes/\(note)", token: agent, json: #"{"text":"VIP，偏好微信联系"}"#)
            #expect(edited["text"] as? String == "VIP，偏好微信联系")
            #expect(try await api.send(.put, "/v1/customers/\(customer)/notes/\(note)/lock", token: admin)["locked"] as? Bool == true)
            expectProblem(try await api.send(.put, "/v1/customers/\(customer)/notes/\(note)", token: agent, json: #"{"text":"改掉"}"#), .forbidden)
            expectProblem(try await api.send(.put, "/v1/customers/\(customer)/notes/\(note)/lock", token: agent), .forbidden)
            expectProblem(try await api.send(.delete, "/v1/customers/\(customer)/notes/\(note)/lock", token: agent), .forbidden)
            #expect(try await api.send(.put, "/v1/customers/\(customer)/notes/\(note)", token: admin, json: #"{"text":"管理员修改"}"#).status == .ok)
            let history = try await api.send(.get, "/v1/customers/\(customer)/notes/\(note)/revisions", token: agent)
            #expect(history.items.compactMap { $0["action"] as? String } == ["created", "edited", "locked", "edited"])
            #expect(history.items.compactMap { ($0["actorId"] as? String)?.lowercased() }
                    == [acme.users["agentA"]!, acme.users["agentA"]!, acme.users["admin"]!, acme.users["admin"]!].map { $0.uuidString.lowercased() })
            let profile = try await api.send(.get, "/v1/customers/\(customer)", token: agent)
            #expect((profile["notes"] as? [[String: Any]])?.first?["text"] as? String == "管理员修改")
            // Bad input writes nothing.
            let before = try await api.count("customer_note_revisions")
            expectProblem(try await api.send(.post, "/v1/customers/\(customer)/notes", token: agent, json: #"{"text":"  "}"#), .unprocessableContent, field: "text")
            expectProblem(try await api.send(.post, "/v1/customers/\(customer)/notes", token: agent, json: #"{"text":5}"#), .badRequest, field: "text")
            expectProblem(try await api.send(.post, "/v1/customers/\(customer)/notes", token: agent,
                                             json: #"{"text":"\#(String(repeating: "长", count: 10_001))"}"#), .unprocessableContent, field: "text")
            expectProblem(try await api.send(.post, "/v1/customers/\(customer)/notes", json: #"{"text":"x"}"#), .unauthorized)
            #expect(try await api.count("customer_note_revisions") == before)
        }
    }

    @Test("another tenant's customers and notes are unknown here")
    func otherTenant() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let other = try await api.tenant("other")
            let theirAdmin = try await api.token("admin", of: other)
            let theirCustomer = try await customerID(api, other, theirAdmin, name: other.customerName("sales"))
            let theirNote = try #require(try await api.send(.post, "/v1/customers/\(theirCustomer)/notes", token: theirAdmin,
                                                             json: #"{"text":"secret"}"#)["id"] as? String)
            let admin = try await api.token("admin", of: acme)
            let mine = try await customerID(api, acme, admin, name: acme.customerName("sales"))
            expectProblem(try await api.send(.post, "/v1/customers/\(theirCustomer)/notes", token: admin, json: #"{"text":"x"}"#), .notFound)
            expectProblem(try await api.send(.put, "/v1/customers/\(theirCustomer)/notes/\(theirNote)", token: admin, json: #"{"text":"x"}"#), .notFound)
            // Their note id under my customer is not found either.
            expectProblem(try await api.send(.put, "/v1/customers/\(mine)/notes/\(theirNote)", token: admin, json: #"{"text":"x"}"#), .notFound)
            expectProblem(try await api.send(.get, "/v1/customers/\(theirCustomer)/notes/\(theirNote)/revisions", token: admin), .notFound)
            expectProblem(try await api.send(.put, "/v1/customers/\(theirCustomer)/notes/\(theirNote)/lock", token: admin), .notFound)
            expectProblem(try await api.send(.get, "/v1/customers/\(theirCustomer)/timeline", token: admin), .notFound)
            expectProblem(try await api.send(.put, "/v1/customers/\(theirCustomer)/tags", token: admin, json: #"{"tagIds":[]}"#), .notFound)
            let untouched = try await api.db.superuserRows("SELECT body FROM customer_notes WHERE id = '\(theirNote.lowercased())'")
            #expect(try untouched[0].decode(String.self) == "secret")
        }
    }

    @Test("a timeline of conversations alone pages through all of them; a bad cursor or limit is a 400")
    func timelinePages() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let admin = try await api.token("admin", of: acme)
            // A second conversation of the same customer, and no visits.
            _ = try await acme.ingestConversation(in: api.db, externalID: "acme-second", customer: acme.customerExternalID("afterSales"),
                                                  agent: acme.users["agentA"]!, department: acme.departments["afterSales"]!,
                                                  at: Date().addingTimeInterval(60))
            let customer = try await customerID(api, acme, admin, name: acme.customerName("afterSales"))
            var seen: [String] = []
            var cursor: String?
            repeat {
                let page = try await api.send(.get, "/v1/customers/\(customer)/timeline?limit=1" + (cursor.map { "&cursor=\($0)" } ?? ""), token: admin)
                seen += page.items.compactMap { $0["type"] as? String }
                cursor = page["nextCursor"] as? String
            } while cursor != nil && seen.count < 5
            #expect(seen == ["conversation", "conversation"])
            expectProblem(try await api.send(.get, "/v1/customers/\(customer)/timeline?cursor=not-a-cursor", token: admin), .badRequest, field: "query.cursor")
            expectProblem(try await api.send(.get, "/v1/customers/\(customer)/timeline?limit=0", token: admin), .badRequest, field: "query.limit")
        }
    }

    @Test("visits are ingested idempotently and merged with conversations into one timeline, oldest first")
    func visitsAndTimeline() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let admin = try await api.token("admin", of: acme)
            let visits = #"{"visits":[{"visitExternalId":"v1","customer":{"externalId":"\#(acme.customerExternalID("afterSales"))","attributes":{"会员等级":"金卡"}},"pageUrl":"https://shop.example.com/p/1","pageTitle":"商品详情","referrer":"https://www.baidu.com/","entrySource":"baidu","device":"iPhone 15 / Safari","startedAt":"2020-01-01T08:00:00Z","dwellSeconds":95}]}"#
            let first = try await api.send(.post, "/v1/ingest/visits", token: acme.apiKey, json: visits)
            #expect(first["accepted"] as? Int == 1)
            let replay = try await api.send(.post, "/v1/ingest/visits", token: acme.apiKey, json: visits)
            #expect(replay["accepted"] as? Int == 0 && replay["duplicates"] as? Int == 1)
            let customer = try await customerID(api, acme, admin, name: acme.customerName("afterSales"))
            let profile = try await api.send(.get, "/v1/customers/\(customer)", token: admin)
            #expect((profile["attributes"] as? [String: String])?["会员等级"] == "金卡")
            let timeline = try await api.send(.get, "/v1/customers/\(customer)/timeline", token: admin)
            #expect(timeline.items.compactMap { $0["type"] as? String } == ["visit", "conversation"])
            #expect((timeline.items.first?["visit"] as? [String: Any])?["dwellSeconds"] as? Int == 95)
            let page = try await api.send(.get, "/v1/customers/\(customer)/timeline?limit=1", token: admin)
            let next = try await api.send(.get, "/v1/customers/\(customer)/timeline?limit=1&cursor=\(try #require(page["nextCursor"] as? String))", token: admin)
            #expect(next.items.compactMap { $0["type"] as? String } == ["conversation"])
            // An agent who never served this customer sees the visit but not the conversation.
            let salesAgent = try await api.token("salesAgent", of: acme)
            #expect(try await api.send(.get, "/v1/customers/\(customer)/timeline", token: salesAgent).items.compactMap { $0["type"] as? String } == ["visit"])

            let before = try await api.count("visits")
            let bad = visits.replacingOccurrences(of: #""dwellSeconds":95"#, with: #""dwellSeconds":-1"#)
            expectProblem(try await api.send(.post, "/v1/ingest/visits", token: acme.apiKey, json: bad.replacingOccurrences(of: "v1", with: "v2")),
                          .unprocessableContent, field: "visits[0].dwellSeconds")
            expectProblem(try await api.send(.post, "/v1/ingest/visits", token: acme.apiKey,
                                             json: visits.replacingOccurrences(of: "https://shop.example.com/p/1", with: "not a url")),
                          .unprocessableContent, field: "visits[0].pageUrl")
            expectProblem(try await api.send(.post, "/v1/ingest/visits", token: acme.apiKey, json: #"{"visits":[]}"#), .unprocessableContent, field: "visits")
            expectProblem(try await api.send(.post, "/v1/ingest/visits", token: admin, json: visits), .unauthorized)
            #expect(try await api.count("visits") == before)
        }
    }
}
