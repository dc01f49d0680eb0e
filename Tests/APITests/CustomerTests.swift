import Foundation
import HTTPTypes
import TestSupport
import Testing

@Suite("Customer profiles")
struct CustomerTests {
    @Test("a customer is found by phone, name prefix or e-mail; contacts are masked unless the viewer may see them")
    func searchAndMasking() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            _ = try await api.send(.post, "/v1/ingest/messages", token: acme.apiKey, json: batch([
                #"{"conversationExternalId":"c","messageExternalId":"m","customer":{"externalId":"zx","name":"张小明","phone":"13812341234","email":"Xiaoming@Example.com"},"sentAt":"\#(TestTimes.sentAt())","senderSide":"customer","kind":"text","text":"在吗"}"#,
            ]))
            let agent = try await api.token("agentA", of: acme)
            let admin = try await api.token("admin", of: acme)
            let analyst = try await api.token("analyst", of: acme)  // custom role with contacts.view_unmasked
            for query in ["13812341234", "%E5%BC%A0", "xiaoming@example.com"] {
                let found = try await api.send(.get, "/v1/customers?q=\(query)", token: agent)
                #expect(found.items.count == 1, "query \(query)")
                #expect(found.items.first?["phone"] as? String == "138****1234")
                #expect(found.items.first?["email"] as? String == "x****@example.com")
            }
            #expect(try await api.send(.get, "/v1/customers?q=13812341234", token: admin).items.first?["phone"] as? String == "13812341234")
            #expect(try await api.send(.get, "/v1/customers?q=13812341234", token: analyst).items.first?["phone"] as? String == "13812341234")
            // LIKE wildcards in the query are literal characters.
            #expect(try await api.send(.get, "/v1/customers?q=%25", token: admin).items.isEmpty)
            // Without q the customers are browsed (AdminToolsTests); an empty q is still a mistake.
            #expect(try await api.send(.get, "/v1/customers", token: admin).status == .ok)
            expectProblem(try await api.send(.get, "/v1/customers?q=%20%20", token: admin), .badRequest, field: "query.q")
            expectProblem(try await api.send(.get, "/v1/customers?q=\(String(repeating: "a", count: 201))", token: admin), .badRequest, field: "query.q")
            expectProblem(try await api.send(.get, "/v1/customers?q=x"), .unauthorized)
        }
    }

    @Test("another tenant's customer is a 404; their conversations list only what the caller may see")
    func otherTenantAndVisibility() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let other = try await api.tenant("other")
            let admin = try await api.token("admin", of: acme)
            let otherCustomer = try await api.send(.get, "/v1/customers?q=Customer%20\(other.customerExternalID("sales"))", token: try await api.token("admin", of: other))
            let foreignID = try #require(otherCustomer.ids.first)
            expectProblem(try await api.send(.get, "/v1/customers/\(foreignID)", token: admin), .notFound)
            expectProblem(try await api.send(.get, "/v1/customers/\(foreignID)/conversations", token: admin), .notFound)
            expectProblem(try await api.send(.get, "/v1/customers/nope/conversations", token: admin), .notFound)

            let mine = try await api.send(.get, "/v1/customers?q=Customer%20\(acme.customerExternalID("sales"))", token: admin)
            let customerID = try #require(mine.ids.first)
            #expect(try await api.send(.get, "/v1/customers/\(customerID)", token: admin).status == .ok)
            #expect(try await api.send(.get, "/v1/customers/\(customerID)/conversations", token: admin).items.count == 1)
            // agentA never served this customer: the profile is visible, the conversation is not.
            let agentA = try await api.token("agentA", of: acme)
            #expect(try await api.send(.get, "/v1/customers/\(customerID)/conversations", token: agentA).items.isEmpty)
        }
    }
}
