import Foundation
import HTTPTypes
import TestSupport
import Testing

@Suite("Message search")
struct SearchAPITests {
    private func messageIDs(_ reply: APIHarness.Reply) -> [String] {
        reply.items.compactMap { (($0["message"] as? [String: Any])?["id"] as? String)?.lowercased() }
    }

    private func q(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }

    @Test("Chinese and English keywords find messages, newest first, with highlighted snippets")
    func findsAndHighlights() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let admin = try await api.token("admin", of: acme)
            let found = try await api.send(.get, "/v1/search/messages?q=\(q("退款"))&mode=exact", token: admin)
            #expect(found.status == .ok)
            #expect(found.items.count == 3)
            #expect((found["total"] as? [String: Any])?["count"] as? Int == 3)
            #expect((found["total"] as? [String: Any])?["exact"] as? Bool == true)
            let snippet = try #require(found.items.first?["snippet"] as? [String: Any])
            let text = try #require(snippet["text"] as? String)
            let highlight = try #require((snippet["highlights"] as? [[String: Int]])?.first)
            let utf16 = Array(text.utf16)
            #expect(String(decoding: utf16[highlight["start"]!..<highlight["end"]!], as: UTF16.self) == "退款")
            let english = try await api.send(.get, "/v1/search/messages?q=REF", token: admin)  // fuzzy: prefix, case-folded
            #expect(english.items.count == 3)
            #expect(english.items.allSatisfy { ($0["message"] as? [String: Any])?["senderSide"] as? String == "agent" })
        }
    }

    @Test("search sees what the caller may see: an agent their own, another tenant nothing")
    func isolation() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let other = try await api.tenant("other")
            let agentA = try await api.token("agentA", of: acme)
            let results = try await api.send(.get, "/v1/search/messages?q=\(q("退款"))", token: agentA)
            let conversations = Set(results.items.compactMap { ($0["conversation"] as? [String: Any])?["id"] as? String })
            #expect(conversations == [acme.conversations["afterSales"]!.uuidString.lowercased()])
            let otherAdmin = try await api.token("admin", of: other)
            let theirs = try await api.send(.get, "/v1/search/messages?q=\(q("退款"))", token: otherAdmin)
            let theirConversations = Set(theirs.items.compactMap { ($0["conversation"] as? [String: Any])?["id"] as? String })
            #expect(theirConversations.isDisjoint(with: acme.conversations.values.map(\.uuidString)))
            expectProblem(try await api.send(.get, "/v1/search/messages?q=x"), .unauthorized)
        }
    }

    @Test("hostile keywords are literal text or a 400, never a 500")
    func hostileKeywords() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let admin = try await api.token("admin", of: acme)
            let hostile = ["a & b", "a | b", "!a", "a <-> b", "a:*", "'", "''", "\\", "\\'", "\"quoted\"", "退款 & !refund", "(", ")",
                           "a:A", "*", "<1>", "a\u{0}b", "%", "_", "😀", "\u{202E}abc", "１２３"]
            for text in hostile {
                for mode in ["exact", "fuzzy"] {
                    let reply = try await api.send(.get, "/v1/search/messages?q=\(q(text))&mode=\(mode)", token: admin)
                    #expect(reply.status == .ok || reply.status == .badRequest, "\(text) → \(reply.status)")
                    if reply.status == .badRequest { expectProblem(reply, .badRequest, field: "query.q") }
                }
            }
            expectProblem(try await api.send(.get, "/v1/search/messages?q=\(String(repeating: "长", count: 10_000))", token: admin),
                          .badRequest, field: "query.q")
            expectProblem(try await api.send(.get, "/v1/search/messages?q=\(q("&|!"))", token: admin), .badRequest, field: "query.q")
            expectProblem(try await api.send(.get, "/v1/search/messages", token: admin), .badRequest, field: "query.q")
            expectProblem(try await api.send(.get, "/v1/search/messages?q=a&mode=regex", token: admin), .badRequest, field: "query.mode")
            expectProblem(try await api.send(.get, "/v1/search/messages?q=a&limit=101", token: admin), .badRequest, field: "query.limit")
        }
    }

    @Test("filters combine with the keyword: time, channel, status, agent, and a masked phone")
    func combinedFilters() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let admin = try await api.token("admin", of: acme)
            _ = try await api.send(.post, "/v1/ingest/messages", token: acme.apiKey, json: batch([
                ingestItem(conversation: "oct", message: "oct-1", customer: "phone-owner", phone: "13812341234",
                           sentAt: "2025-10-15T08:00:00Z", text: "我想退款，订单 DD20251015"),
                ingestItem(conversation: "oct2", message: "oct-2", customer: "someone-else", phone: "13900000000",
                           sentAt: "2025-10-16T08:00:00Z", text: "我想退款"),
            ]))
            let october = "from=2025-10-01T00:00:00Z&to=2025-11-01T00:00:00Z"
            let all = try await api.send(.get, "/v1/search/messages?q=\(q("退款"))&\(october)&channel=web", token: admin)
            #expect(all.items.count == 2)
            let byPhone = try await api.send(.get, "/v1/search/messages?q=\(q("退款"))&\(october)&customerPhone=\(q("138****1234"))", token: admin)
            #expect(byPhone.items.compactMap { ($0["message"] as? [String: Any])?["externalId"] as? String } == ["oct-1"])
            let orderNumber = try await api.send(.get, "/v1/search/messages?q=20251015", token: admin)
            #expect(orderNumber.items.count == 1)
            #expect(try await api.send(.get, "/v1/search/messages?q=\(q("退款"))&\(october)&channel=douyin", token: admin).items.isEmpty)
            #expect(try await api.send(.get, "/v1/search/messages?q=\(q("退款"))&status=ended", token: admin).items.isEmpty)
            let agentB = try await api.send(.get, "/v1/search/messages?q=\(q("退款"))&agentId=\(acme.users["agentB"]!)", token: admin)
            #expect(agentB.items.count == 1)  // the support conversation's customer message
            // Conversations containing a keyword.
            let conversations = try await api.send(.get, "/v1/conversations?q=\(q("退款"))&customerPhone=13812341234", token: admin)
            #expect(conversations.items.compactMap { $0["externalId"] as? String } == ["oct"])
        }
    }

    @Test("paging through results stays stable while new messages arrive")
    func stablePagination() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let admin = try await api.token("admin", of: acme)
            let base = Date().addingTimeInterval(-86_400)
            for index in 0..<5 {
                _ = try await acme.ingestConversation(in: api.db, externalID: "s-\(index)", customer: "s-\(index)",
                                                      agent: acme.users["agentA"]!, department: nil, at: base.addingTimeInterval(Double(index)))
            }
            let expected = messageIDs(try await api.send(.get, "/v1/search/messages?q=\(q("我要退款"))&mode=exact&limit=100", token: admin))
            #expect(expected.count == 8)
            var seen: [String] = []
            var cursor: String?
            repeat {
                let page = try await api.send(.get, "/v1/search/messages?q=\(q("我要退款"))&mode=exact&limit=3"
                                              + (cursor.map { "&cursor=\($0)" } ?? ""), token: admin)
                seen += messageIDs(page)
                cursor = page["nextCursor"] as? String
                // A newer matching message arrives between pages: it must not shift the pages after the cursor.
                _ = try await acme.ingestConversation(in: api.db, externalID: "new-\(seen.count)", customer: "n-\(seen.count)",
                                                      agent: acme.users["agentA"]!, department: nil, at: Date())
            } while cursor != nil
            #expect(seen == expected)
        }
    }
}
