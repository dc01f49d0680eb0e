import Domain
import Foundation
import Store
import TestSupport
import Testing

/// `ConversationQuery`: the one meaning of "the conversations matching a filter" that the
/// list and exports share — resolved under the caller's scope, capped steps reported.
@Suite("Conversation query")
struct ConversationQueryTests {
    @Test("contact and keyword filters resolve to ids under the caller's scope; a step at its bound says so")
    func resolvesAndReportsCaps() async throws {
        try await TestDatabase.with { db in
            let acme = try await TenantFixture.make(in: db, slug: "acme")
            // Every fixture conversation holds 退款 (the customer's first message).
            let query = ConversationQuery(keyword: "退款", keywordMode: .exact)
            let admin = try await db.database.withScope(.user(acme.principal("admin"))) { tx in
                try await query.resolve(tx, tenantID: acme.tenantID)
            }
            #expect(Set(admin.filter.conversationIDs ?? []) == Set(acme.conversations.values))
            #expect(admin.capped.isEmpty)

            // An agent's resolution sees only their own conversation's messages.
            let agent = try await db.database.withScope(.user(acme.principal("agentA"))) { tx in
                try await query.resolve(tx, tenantID: acme.tenantID)
            }
            #expect(agent.filter.conversationIDs == [acme.conversations["afterSales"]!])

            // With small bounds, both steps report that they stopped early.
            var everything = query
            everything.customerName = "Customer"
            let capped = try await db.database.withScope(.user(acme.principal("admin"))) { tx in
                try await everything.resolve(tx, tenantID: acme.tenantID, customerBound: 2, keywordMatchBound: 1)
            }
            #expect(capped.capped.map(\.step) == [.customers, .keyword])
            #expect(capped.filter.customerIDs?.count == 2)
            #expect(capped.capped.map(\.bound) == [2, 1])
            #expect(capped.filter.conversationIDs?.count == 1)

            // Chosen conversations and a keyword: only chosen ones that match.
            var chosen = ConversationQuery(keyword: "退款", keywordMode: .exact)
            chosen.filter.conversationIDs = [acme.conversations["sales"]!, UUID()]
            let narrowed = try await db.database.withScope(.user(acme.principal("admin"))) { tx in
                try await chosen.resolve(tx, tenantID: acme.tenantID)
            }
            #expect(narrowed.filter.conversationIDs == [acme.conversations["sales"]!])
        }
    }

    @Test("a job keeps the query as JSON and reads back the same value")
    func codableRoundTrip() throws {
        var query = ConversationQuery(customerPhone: "138****5678", keyword: "refund", keywordMode: .fuzzy)
        query.filter.channel = .wechat
        query.filter.from = Date(timeIntervalSince1970: 1_700_000_000)
        query.filter.tagIDs = [UUID()]
        let data = try JSONEncoder().encode(query)
        #expect(try JSONDecoder().decode(ConversationQuery.self, from: data) == query)
    }
}
