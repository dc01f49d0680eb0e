import Foundation
import HTTPTypes
import TestSupport
import Testing

@Suite("Ingestion")
struct IngestionTests {
    @Test("a batch creates customer, conversation and messages; replaying it creates nothing new")
    func ingestAndReplay() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let agent = acme.users["agentA"]!
            let body = batch([
                ingestItem(conversation: "c-new", message: "m-1", customer: "u-9", phone: "13800001111"),
                ingestItem(conversation: "c-new", message: "m-2", customer: "u-9", sentAt: TestTimes.sentAt(minutes: 1),
                           side: "agent", agentId: agent, text: "您好，请提供订单号"),
            ])
            let first = try await api.send(.post, "/v1/ingest/messages", token: acme.apiKey, json: body)
            #expect(first.status == .ok)
            #expect(first["accepted"] as? Int == 2)
            let messages = try await api.count("messages")
            let conversations = try await api.count("conversations")
            let customers = try await api.count("customers")

            let replay = try await api.send(.post, "/v1/ingest/messages", token: acme.apiKey, json: body)
            #expect(replay.status == .ok)
            #expect(replay["accepted"] as? Int == 0)
            #expect(replay["duplicates"] as? Int == 2)
            #expect(try await api.count("messages") == messages)
            #expect(try await api.count("conversations") == conversations)
            #expect(try await api.count("customers") == customers)

            // The agent who answered now sees the conversation and both messages.
            let token = try await api.token("agentA", of: acme)
            let conversationID = try #require((first["results"] as? [[String: Any]])?.first?["conversationId"] as? String)
            let transcript = try await api.send(.get, "/v1/conversations/\(conversationID)/messages", token: token)
            #expect(transcript.items.map { $0["externalId"] as? String } == ["m-1", "m-2"])
        }
    }

    @Test("one bad item rejects the whole batch, names the item, and writes nothing")
    func badItemWritesNothing() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let other = try await api.tenant("other")
            let before = try await (api.count("messages"), api.count("conversations"), api.count("customers"), api.count("message_keys"))
            let good = (0..<3).map { ingestItem(conversation: "c-x", message: "m-\($0)") }
            let cases: [(String, HTTPResponse.Status, String)] = [
                (ingestItem(message: "bad", kind: "fax"), .unprocessableContent, "messages[3].kind"),
                (ingestItem(message: "bad", side: "agent"), .unprocessableContent, "messages[3].agentId"),
                // An agent of another tenant is "no such agent" here.
                (ingestItem(message: "bad", side: "agent", agentId: other.users["agentA"]!), .unprocessableContent, "messages[3].agentId"),
                (ingestItem(message: "bad", text: String(repeating: "字", count: 20_001)), .unprocessableContent, "messages[3].text"),
                (ingestItem(message: String(repeating: "m", count: 201)), .unprocessableContent, "messages[3].messageExternalId"),
                (ingestItem(message: "bad", sentAt: "2999-01-01T00:00:00Z"), .unprocessableContent, "messages[3].sentAt"),
                (ingestItem(message: "bad", sentAt: "yesterday"), .badRequest, "messages[3].sentAt"),
                (ingestItem(message: "bad", text: nil), .unprocessableContent, "messages[3].text"),
                (#"{"messageExternalId":"bad"}"#, .badRequest, "messages[3].conversationExternalId"),
                (ingestItem(message: "bad").replacingOccurrences(of: #""kind":"text""#, with: #""kind":7"#), .badRequest, "messages[3].kind"),
            ]
            for (bad, status, field) in cases {
                let reply = try await api.send(.post, "/v1/ingest/messages", token: acme.apiKey, json: batch(good + [bad]))
                expectProblem(reply, status, field: field)
            }
            let after = try await (api.count("messages"), api.count("conversations"), api.count("customers"), api.count("message_keys"))
            #expect(before == after)
        }
    }

    @Test("batch and body limits: empty, over 1,000 messages, over the byte limit, not JSON, not UTF-8")
    func limits() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let before = try await api.count("messages")
            expectProblem(try await api.send(.post, "/v1/ingest/messages", token: acme.apiKey, json: #"{"messages":[]}"#),
                          .unprocessableContent, field: "messages")
            let tooMany = batch((0...1_000).map { _ in "{}" })
            expectProblem(try await api.send(.post, "/v1/ingest/messages", token: acme.apiKey, json: tooMany), .badRequest)
            let tooManyValid = batch((0...1_000).map { ingestItem(message: "m\($0)", text: "x") })
            expectProblem(try await api.send(.post, "/v1/ingest/messages", token: acme.apiKey, json: tooManyValid),
                          .unprocessableContent, field: "messages")
            let oversized = batch([ingestItem(message: "big", text: String(repeating: "x", count: APIHarness.maxBodyBytes))])
            expectProblem(try await api.send(.post, "/v1/ingest/messages", token: acme.apiKey, json: oversized), .contentTooLarge)
            expectProblem(try await api.send(.post, "/v1/ingest/messages", token: acme.apiKey, json: "messages: []"), .badRequest)
            let invalidUTF8 = Data(batch([ingestItem(message: "m-utf8", text: "PLACEHOLDER")]).utf8)
                .replacing(Data("PLACEHOLDER".utf8), with: Data([0xC3, 0x28, 0xA0, 0xA1]))
            expectProblem(try await api.send(.post, "/v1/ingest/messages", token: acme.apiKey, raw: invalidUTF8), .badRequest)
            #expect(try await api.count("messages") == before)
        }
    }

    @Test("1,000 messages is the batch limit: accepted in one atomic batch")
    func fullBatch() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let before = try await api.count("messages")
            let items = (0..<1_000).map { ingestItem(conversation: "c-\($0 % 10)", message: "m\($0)", customer: "u\($0 % 10)", text: "t") }
            let body = batch(items)
            try #require(body.utf8.count <= APIHarness.maxBodyBytes)
            let reply = try await api.send(.post, "/v1/ingest/messages", token: acme.apiKey, json: body)
            #expect(reply.status == .ok)
            #expect(reply["accepted"] as? Int == 1_000)
            #expect(try await api.count("messages") == before + 1_000)
        }
    }

    @Test("only a valid, unrevoked API key may ingest; user tokens may not")
    func keysOnly() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let body = batch([ingestItem(message: "m-1")])
            let admin = try await api.token("admin", of: acme)
            expectProblem(try await api.send(.post, "/v1/ingest/messages", json: body), .unauthorized)
            expectProblem(try await api.send(.post, "/v1/ingest/messages", token: admin, json: body), .unauthorized)
            // Right tenant and key id, wrong secret.
            let forged = String(acme.apiKey.dropLast(4)) + "AAAA"
            expectProblem(try await api.send(.post, "/v1/ingest/messages", token: forged, json: body), .unauthorized)
            #expect(try await api.send(.delete, "/v1/admin/api-keys/\(acme.integration.apiKeyID)", token: admin).status == .noContent)
            expectProblem(try await api.send(.post, "/v1/ingest/messages", token: acme.apiKey, json: body), .unauthorized)
        }
    }

    @Test("a customer reached on two channels with the same phone is one customer")
    func identitiesMerge() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let admin = try await api.token("admin", of: acme)
            let wechat = try await api.send(.post, "/v1/admin/api-keys", token: admin, json: #"{"name":"wechat","channel":"wechat"}"#)
            let wechatKey = try #require(wechat["key"] as? String)
            _ = try await api.send(.post, "/v1/ingest/messages", token: acme.apiKey,
                                   json: batch([ingestItem(conversation: "web-1", message: "w1", customer: "web-user", phone: "13812345678")]))
            _ = try await api.send(.post, "/v1/ingest/messages", token: wechatKey,
                                   json: batch([ingestItem(conversation: "wx-1", message: "x1", customer: "openid-abc", phone: "13812345678",
                                                           sentAt: TestTimes.sentAt(days: 1))]))
            let found = try await api.send(.get, "/v1/customers?q=13812345678", token: admin)
            #expect(found.items.count == 1)
            let identities = found.items.first?["identities"] as? [[String: Any]] ?? []
            #expect(Set(identities.compactMap { $0["channel"] as? String }) == ["web", "wechat"])
            let customerID = try #require(found.ids.first)
            let history = try await api.send(.get, "/v1/customers/\(customerID)/conversations", token: admin)
            #expect(history.items.map { $0["channel"] as? String } == ["web", "wechat"])  // oldest first, across channels
        }
    }
}

@Suite("Ingestion edge cases")
struct IngestionEdgeCaseTests {
    @Test("a message id reused for another conversation is refused, naming the item")
    func reusedMessageID() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            _ = try await api.send(.post, "/v1/ingest/messages", token: acme.apiKey, json: batch([ingestItem(conversation: "a", message: "same")]))
            let before = try await api.count("messages")
            let reply = try await api.send(.post, "/v1/ingest/messages", token: acme.apiKey,
                                           json: batch([ingestItem(conversation: "b", message: "fresh"), ingestItem(conversation: "b", message: "same")]))
            expectProblem(reply, .unprocessableContent, field: "messages[1].messageExternalId")
            #expect(try await api.count("messages") == before)
        }
    }

    @Test("the same external ids in two tenants are two different messages")
    func externalIDsAreTenantScoped() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let other = try await api.tenant("other")
            let body = batch([ingestItem(conversation: "shared", message: "shared-1")])
            #expect(try await api.send(.post, "/v1/ingest/messages", token: acme.apiKey, json: body)["accepted"] as? Int == 1)
            #expect(try await api.send(.post, "/v1/ingest/messages", token: other.apiKey, json: body)["accepted"] as? Int == 1)
        }
    }
}

extension IngestionTests {
    @Test("an integration may name the agent by e-mail; unknown, malformed or doubled is 422 naming it, nothing written")
    func agentByEmail() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("ingest-email")
            func item(_ message: String, _ agent: String) -> String {
                #"{"conversationExternalId":"by-email","messageExternalId":"\#(message)","customer":{"externalId":"c"},"sentAt":"\#(TestTimes.sentAt())","senderSide":"agent",\#(agent),"kind":"text","text":"hello"}"#
            }
            let before = try await api.count("messages")
            expectProblem(try await api.send(.post, "/v1/ingest/messages", token: acme.apiKey,
                                             json: batch([item("e1", #""agentEmail":"nobody@\#(acme.slug).test""#)])),
                          .unprocessableContent, field: "messages[0].agentEmail")
            expectProblem(try await api.send(.post, "/v1/ingest/messages", token: acme.apiKey,
                                             json: batch([item("e1", #""agentEmail":"not-an-address""#)])),
                          .unprocessableContent, field: "messages[0].agentEmail")
            expectProblem(try await api.send(.post, "/v1/ingest/messages", token: acme.apiKey,
                                             json: batch([item("e1", #""agentEmail":"\#(acme.email("agentA"))","agentId":"\#(acme.users["agentA"]!)""#)])),
                          .unprocessableContent, field: "messages[0].agentEmail")
            #expect(try await api.count("messages") == before)
            let reply = try await api.send(.post, "/v1/ingest/messages", token: acme.apiKey,
                                           json: batch([item("e1", #""agentEmail":"  \#(acme.email("agentA").uppercased())""#)]))
            #expect(reply.status == .ok && reply["accepted"] as? Int == 1)
            let id = try #require((reply["results"] as? [[String: Any]])?.first?["conversationId"] as? String)
            let conversation = try await api.send(.get, "/v1/conversations/\(id)", token: try await api.token("agentA", of: acme))
            #expect((conversation["agent"] as? [String: Any])?["name"] as? String == "AgentA")
        }
    }
}
