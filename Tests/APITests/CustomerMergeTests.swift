import Foundation
import HTTPTypes
import Store
import TestSupport
import Testing

/// One person, many identities: what a second identity says does not overwrite the profile;
/// admins merge two profiles and split an identity off.
@Suite("Customer merge and split")
struct CustomerMergeTests {
    func customerID(of conversation: UUID, _ api: APIHarness, _ token: String) async throws -> String {
        let reply = try await api.send(.get, "/v1/conversations/\(conversation)", token: token)
        return try #require((reply["customer"] as? [String: Any])?["id"] as? String)
    }

    @Test("someone else's phone in a chat joins that customer without renaming it; the identity keeps what it said")
    func identityFactsDoNotOverwrite() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("merge-facts")
            let admin = try await api.token("admin", of: acme)
            func ingest(_ message: String, customer: String, name: String, phone: String) async throws {
                let item = #"{"conversationExternalId":"conv-\#(customer)","messageExternalId":"\#(message)","customer":{"externalId":"\#(customer)","name":"\#(name)","phone":"\#(phone)"},"sentAt":"\#(TestTimes.sentAt())","senderSide":"customer","kind":"text","text":"hi"}"#
                #expect(try await api.send(.post, "/v1/ingest/messages", token: acme.apiKey, json: batch([item])).status == .ok)
            }
            try await ingest("m1", customer: "zhang", name: "张三", phone: "13812345678")
            // Another person writes with 张三's number (a relative's phone): joined by phone…
            try await ingest("m2", customer: "li", name: "李四", phone: "13812345678")
            try await ingest("m3", customer: "li", name: "李四", phone: "13812345678")
            let found = try await api.send(.get, "/v1/customers?q=13812345678", token: admin)
            #expect(found.items.count == 1)
            let profile = try #require(found.items.first)
            // …but the profile is still 张三's; 李四 is what that identity said.
            #expect(profile["name"] as? String == "张三")
            let identities = try #require(profile["identities"] as? [[String: Any]])
            #expect(identities.count == 2)
            #expect(identities.first { $0["externalId"] as? String == "li" }?["name"] as? String == "李四")
            // The customer's own first identity still updates the profile.
            try await ingest("m4", customer: "zhang", name: "张三丰", phone: "13812345678")
            #expect(try await api.send(.get, "/v1/customers?q=13812345678", token: admin).items.first?["name"] as? String == "张三丰")
            // Agents see the identity's phone masked like the profile's.
            let agentView = try await api.send(.get, "/v1/customers/\(profile["id"] as? String ?? "")", token: try await api.token("agentA", of: acme))
            let masked = (agentView["identities"] as? [[String: Any]])?.compactMap { $0["phone"] as? String }
            #expect(masked == ["138****5678", "138****5678"])
        }
    }

    @Test("admins merge two profiles: conversations, identities and tags move, the other profile is gone")
    func merge() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("merge")
            let other = try await api.tenant("merge-other")
            let admin = try await api.token("admin", of: acme)
            let target = try await customerID(of: acme.conversations["afterSales"]!, api, admin)
            let source = try await customerID(of: acme.conversations["support"]!, api, admin)
            let foreign = try await customerID(of: other.conversations["sales"]!, api, try await api.token("admin", of: other))
            expectProblem(try await api.send(.post, "/v1/admin/customers/\(target)/merge", token: admin, json: #"{"customerId":"\#(target)"}"#),
                          .unprocessableContent, field: "customerId")
            expectProblem(try await api.send(.post, "/v1/admin/customers/\(target)/merge", token: admin, json: #"{"customerId":"\#(foreign)"}"#),
                          .unprocessableContent, field: "customerId")
            expectProblem(try await api.send(.post, "/v1/admin/customers/\(foreign)/merge", token: admin, json: #"{"customerId":"\#(source)"}"#),
                          .notFound)
            expectProblem(try await api.send(.post, "/v1/admin/customers/\(target)/merge", token: admin, json: #"{"customerId":"nope"}"#),
                          .badRequest, field: "customerId")
            expectProblem(try await api.send(.post, "/v1/admin/customers/\(target)/merge", token: try await api.token("supervisor", of: acme),
                                             json: #"{"customerId":"\#(source)"}"#), .forbidden)
            #expect(try await api.count("customers WHERE tenant_id = '\(acme.tenantID.uuidString.lowercased())'") == 3)

            let merged = try await api.send(.post, "/v1/admin/customers/\(target)/merge", token: admin, json: #"{"customerId":"\#(source)"}"#)
            #expect(merged.status == .ok)
            #expect((merged["identities"] as? [[String: Any]])?.count == 2)
            expectProblem(try await api.send(.get, "/v1/customers/\(source)", token: admin), .notFound)
            let conversations = try await api.send(.get, "/v1/customers/\(target)/conversations", token: admin)
            #expect(Set(conversations.ids) == [acme.conversations["afterSales"]!.uuidString.lowercased(),
                                               acme.conversations["support"]!.uuidString.lowercased()])
            #expect(try await api.send(.get, "/v1/admin/audit-events?action=customer.merged&targetId=\(target)", token: admin).items.count == 1)

            // Split the identity off again: a customer of its own with that identity.
            let identity = try #require((merged["identities"] as? [[String: Any]])?.last?["externalId"] as? String)
            let split = try await api.send(.post, "/v1/admin/customers/\(target)/split", token: admin,
                                           json: #"{"channel":"web","externalId":"\#(identity)"}"#)
            #expect(split.status == .created)
            #expect((split["identities"] as? [[String: Any]])?.compactMap { $0["externalId"] as? String } == [identity])
            // Both identities were on the web channel: the conversations cannot be told apart and stay.
            #expect(try await api.send(.get, "/v1/customers/\(target)/conversations", token: admin).items.count == 2)
            expectProblem(try await api.send(.post, "/v1/admin/customers/\(target)/split", token: admin,
                                             json: #"{"channel":"web","externalId":"nobody"}"#), .unprocessableContent, field: "externalId")
            expectProblem(try await api.send(.post, "/v1/admin/customers/\(split["id"] as? String ?? "")/split", token: admin,
                                             json: #"{"channel":"web","externalId":"\#(identity)"}"#), .conflict)
            expectProblem(try await api.send(.post, "/v1/admin/customers/\(target)/split", token: admin,
                                             json: #"{"channel":"fax","externalId":"x"}"#), .unprocessableContent, field: "channel")
            expectProblem(try await api.send(.post, "/v1/admin/customers/\(target)/split", token: try await api.token("agentA", of: acme),
                                             json: #"{"channel":"web","externalId":"x"}"#), .forbidden)
        }
    }
}

extension CustomerMergeTests {
    @Test("a customer under a legal hold is not merged away (409); merged into, it is")
    func heldCustomer() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("merge-held")
            let admin = try await api.token("admin", of: acme)
            let held = try await customerID(of: acme.conversations["afterSales"]!, api, admin)
            let free = try await customerID(of: acme.conversations["sales"]!, api, admin)
            #expect(try await api.send(.post, "/v1/admin/legal-holds", token: admin,
                                       json: #"{"subjectType":"customer","subjectId":"\#(held)","reason":"claim"}"#).status == .created)
            expectProblem(try await api.send(.post, "/v1/admin/customers/\(free)/merge", token: admin, json: #"{"customerId":"\#(held)"}"#),
                          .conflict)
            #expect(try await api.send(.post, "/v1/admin/customers/\(held)/merge", token: admin, json: #"{"customerId":"\#(free)"}"#).status == .ok)
        }
    }
}
