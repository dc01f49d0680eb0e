import Foundation
import HTTPTypes
import TestSupport
import Testing

@Suite("Tags, ratings, stars and attachments")
struct LabelsTests {
    private func createTag(_ api: APIHarness, _ admin: String, _ name: String) async throws -> String {
        let reply = try await api.send(.post, "/v1/admin/tags", token: admin, json: ##"{"name":"\##(name)","color":"#e5484d"}"##)
        #expect(reply.status == .created)
        return try #require(reply["id"] as? String)
    }

    @Test("admins keep the tag library; agents read it and tag what they can see; filters find tagged conversations")
    func tags() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let admin = try await api.token("admin", of: acme)
            let agent = try await api.token("agentA", of: acme)
            let complaint = try await createTag(api, admin, "投诉处理")
            let hot = try await createTag(api, admin, "高意向客户")
            expectProblem(try await api.send(.post, "/v1/admin/tags", token: admin, json: #"{"name":"投诉处理"}"#), .conflict)
            expectProblem(try await api.send(.post, "/v1/admin/tags", token: agent, json: #"{"name":"x"}"#), .forbidden)
            #expect(try await api.send(.get, "/v1/tags", token: agent).items.count == 2)

            let mine = acme.conversations["afterSales"]!
            let tagged = try await api.send(.put, "/v1/conversations/\(mine)/tags", token: agent, json: #"{"tagIds":["\#(complaint)","\#(hot)"]}"#)
            #expect(tagged.status == .ok)
            #expect((tagged["tagIds"] as? [String])?.count == 2)
            let both = try await api.send(.get, "/v1/conversations?tagIds=\(complaint),\(hot)", token: admin)
            #expect(both.ids == [mine.uuidString.lowercased()])
            let search = try await api.send(.get, "/v1/search/messages?q=%E9%80%80%E6%AC%BE&tagIds=\(complaint)", token: admin)
            #expect(Set(search.items.compactMap { ($0["conversation"] as? [String: Any])?["id"] as? String }) == [mine.uuidString.lowercased()])

            // A colleague's conversation is not there for this agent; nor are unknown tags.
            expectProblem(try await api.send(.put, "/v1/conversations/\(acme.conversations["sales"]!)/tags", token: agent,
                                             json: #"{"tagIds":["\#(complaint)"]}"#), .notFound)
            expectProblem(try await api.send(.put, "/v1/conversations/\(mine)/tags", token: agent, json: #"{"tagIds":["\#(complaint)","\#(UUID())"]}"#),
                          .unprocessableContent, field: "tagIds[1]")
            expectProblem(try await api.send(.put, "/v1/conversations/\(mine)/tags", token: agent, json: #"{"tagIds":"x"}"#), .badRequest, field: "tagIds")
            expectProblem(try await api.send(.get, "/v1/conversations?tagIds=nope", token: admin), .badRequest, field: "query.tagIds")

            // Deleting a tag takes it off everything.
            #expect(try await api.send(.delete, "/v1/admin/tags/\(hot)", token: admin).status == .noContent)
            let after = try await api.send(.get, "/v1/conversations/\(mine)", token: admin)
            #expect((after["tagIds"] as? [String])?.map { $0.lowercased() } == [complaint.lowercased()])
            expectProblem(try await api.send(.delete, "/v1/admin/tags/\(hot)", token: admin), .notFound)
        }
    }

    @Test("another tenant's tags cannot be used or deleted here")
    func tagsAcrossTenants() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let other = try await api.tenant("other")
            let theirAdmin = try await api.token("admin", of: other)
            let theirTag = try await createTag(api, theirAdmin, "VIP")
            let admin = try await api.token("admin", of: acme)
            expectProblem(try await api.send(.put, "/v1/conversations/\(acme.conversations["sales"]!)/tags", token: admin,
                                             json: #"{"tagIds":["\#(theirTag)"]}"#), .unprocessableContent, field: "tagIds[0]")
            expectProblem(try await api.send(.delete, "/v1/admin/tags/\(theirTag)", token: admin), .notFound)
            #expect(try await api.send(.get, "/v1/tags", token: admin).items.isEmpty)
            #expect(try await api.send(.get, "/v1/tags", token: theirAdmin).items.count == 1)
        }
    }

    @Test("ratings come from ingestion or the API, and filter conversations, 'none' for unrated")
    func ratings() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let admin = try await api.token("admin", of: acme)
            let rated = try await api.send(.put, "/v1/conversations/\(acme.conversations["sales"]!)/rating", token: admin, json: #"{"satisfaction":"bad"}"#)
            #expect(rated["satisfaction"] as? String == "bad")
            var item = ingestItem(conversation: "rated-by-channel", message: "r1")
            item.removeLast()
            _ = try await api.send(.post, "/v1/ingest/messages", token: acme.apiKey, json: batch([item + #","satisfaction":"good"}"#]))
            #expect(try await api.send(.get, "/v1/conversations?satisfaction=good", token: admin).items.compactMap { $0["externalId"] as? String }
                    == ["rated-by-channel"])
            #expect(try await api.send(.get, "/v1/conversations?satisfaction=bad", token: admin).ids == [acme.conversations["sales"]!.uuidString.lowercased()])
            #expect(try await api.send(.get, "/v1/conversations?satisfaction=none", token: admin).items.count == 2)
            expectProblem(try await api.send(.put, "/v1/conversations/\(acme.conversations["sales"]!)/rating", token: admin,
                                             json: #"{"satisfaction":"great"}"#), .unprocessableContent, field: "satisfaction")
            expectProblem(try await api.send(.get, "/v1/conversations?satisfaction=great", token: admin), .badRequest, field: "query.satisfaction")
            let cleared = try await api.send(.put, "/v1/conversations/\(acme.conversations["sales"]!)/rating", token: admin, json: #"{"satisfaction":null}"#)
            #expect(cleared["satisfaction"] == nil)
            // The rating is the customer's: an agent cannot rate even their own conversation.
            let agent = try await api.token("agentA", of: acme)
            expectProblem(try await api.send(.put, "/v1/conversations/\(acme.conversations["afterSales"]!)/rating", token: agent,
                                             json: #"{"satisfaction":"good"}"#), .forbidden)
            let otherAdmin = try await api.token("admin", of: try await api.tenant("other"))
            expectProblem(try await api.send(.put, "/v1/conversations/\(acme.conversations["sales"]!)/rating", token: otherAdmin,
                                             json: #"{"satisfaction":"good"}"#), .notFound)
        }
    }

    @Test("stars are personal: star, list my starred, unstar")
    func stars() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let admin = try await api.token("admin", of: acme)
            let supervisor = try await api.token("supervisor", of: acme)
            let conversation = acme.conversations["support"]!
            #expect(try await api.send(.put, "/v1/conversations/\(conversation)/star", token: supervisor).status == .noContent)
            #expect(try await api.send(.put, "/v1/conversations/\(conversation)/star", token: supervisor).status == .noContent)  // idempotent
            #expect(try await api.send(.get, "/v1/conversations?starred=true", token: supervisor).ids == [conversation.uuidString.lowercased()])
            #expect(try await api.send(.get, "/v1/conversations/\(conversation)", token: supervisor)["starred"] as? Bool == true)
            // The admin sees the conversation, but not the supervisor's star.
            #expect(try await api.send(.get, "/v1/conversations?starred=true", token: admin).items.isEmpty)
            #expect(try await api.send(.get, "/v1/conversations/\(conversation)", token: admin)["starred"] as? Bool == false)
            #expect(try await api.send(.delete, "/v1/conversations/\(conversation)/star", token: supervisor).status == .noContent)
            #expect(try await api.send(.get, "/v1/conversations?starred=true", token: supervisor).items.isEmpty)
            expectProblem(try await api.send(.put, "/v1/conversations/\(acme.conversations["sales"]!)/star", token: supervisor), .notFound)
            expectProblem(try await api.send(.put, "/v1/conversations/\(conversation)/star"), .unauthorized)
            expectProblem(try await api.send(.get, "/v1/conversations?starred=maybe", token: admin), .badRequest, field: "query.starred")
        }
    }

    @Test("attachments: a conversation's list, across conversations by kind, and the has-attachment filter")
    func attachments() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let other = try await api.tenant("other")
            let admin = try await api.token("admin", of: acme)
            let photo = #"{"conversationExternalId":"att","messageExternalId":"a1","customer":{"externalId":"c-att"},"sentAt":"\#(TestTimes.sentAt())","senderSide":"customer","kind":"image","attachment":{"url":"https://files.example.com/p.jpg","name":"p.jpg","mimeType":"image/jpeg","sizeBytes":1234}}"#
            let file = #"{"conversationExternalId":"att","messageExternalId":"a2","customer":{"externalId":"c-att"},"sentAt":"\#(TestTimes.sentAt(minutes: 1))","senderSide":"customer","kind":"file","attachment":{"url":"https://files.example.com/invoice.pdf","name":"invoice.pdf"}}"#
            let ingested = try await api.send(.post, "/v1/ingest/messages", token: acme.apiKey, json: batch([photo, file]))
            let conversation = try #require((ingested["results"] as? [[String: Any]])?.first?["conversationId"] as? String)
            let list = try await api.send(.get, "/v1/conversations/\(conversation)/attachments", token: admin)
            #expect(list.items.compactMap { $0["name"] as? String } == ["p.jpg", "invoice.pdf"])
            #expect(list.items.first?["sizeBytes"] as? Int == 1234)
            let images = try await api.send(.get, "/v1/attachments?kind=image", token: admin)
            #expect(images.items.compactMap { $0["url"] as? String } == ["https://files.example.com/p.jpg"])
            #expect(try await api.send(.get, "/v1/conversations?hasAttachment=true", token: admin).items.count == 1)
            #expect(try await api.send(.get, "/v1/conversations?hasAttachment=false", token: admin).items.count == 3)
            // Scope: another tenant and an agent who did not take part see none of it.
            let agent = try await api.token("agentA", of: acme)
            #expect(try await api.send(.get, "/v1/attachments", token: agent).items.isEmpty)
            expectProblem(try await api.send(.get, "/v1/conversations/\(conversation)/attachments", token: agent), .notFound)
            expectProblem(try await api.send(.get, "/v1/conversations/\(conversation)/attachments", token: try await api.token("admin", of: other)), .notFound)
            expectProblem(try await api.send(.get, "/v1/attachments?kind=fax", token: admin), .badRequest, field: "query.kind")
            expectProblem(try await api.send(.get, "/v1/attachments"), .unauthorized)
        }
    }
}
