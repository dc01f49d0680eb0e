import Domain
import Foundation
import HTTPTypes
import Store
import TestSupport
import Testing

/// `POST /v1/admin/customers/{customerId}/data-export`: everything about one customer in one
/// JSON document, through the export jobs.
@Suite("Customer data export")
struct CustomerDataExportTests {
    func lower(_ id: UUID) -> String { id.uuidString.lowercased() }

    @Test("an admin's export holds the customer's profile, identities, tags, notes with revisions, visits and conversations with messages")
    func wholeRecord() async throws {
        try await APIHarness.with { h in
            let acme = try await TenantFixture.make(in: h.db, slug: "acme", passwordHash: APIHarness.passwordHash, labelled: true)
            let admin = try await h.token("admin", of: acme)
            let conversation = lower(acme.conversations["afterSales"]!)
            let customer = try #require((try await h.send(.get, "/v1/conversations/\(conversation)", token: admin)["customer"]
                as? [String: Any])?["id"] as? String)
            let queued = try await h.send(.post, "/v1/admin/customers/\(customer)/data-export", token: admin)
            #expect(queued.status == .accepted, "\(String(decoding: queued.body, as: UTF8.self))")
            let id = try #require(queued["id"] as? String)
            #expect(queued.headers[.location] == "/v1/exports/\(id)")
            #expect(queued["format"] as? String == "json" && queued["rowsTotal"] as? Int == 2)
            #expect((queued["fileName"] as? String)?.hasSuffix(".json") == true)
            try await ExportTests.drain(h)
            let job = try await h.send(.get, "/v1/exports/\(id)", token: admin)
            #expect(job["status"] as? String == "succeeded", "\(String(decoding: job.body, as: UTF8.self))")
            let file = try await h.send(.get, "/v1/exports/\(id)/download", token: admin)
            #expect(file.status == .ok)
            let document = try #require(try JSONSerialization.jsonObject(with: file.body) as? [String: Any],
                                        "\(String(decoding: file.body.prefix(500), as: UTF8.self))")
            #expect(document["format"] as? String == "parley.customer-data.v1")
            let record = try #require(document["customer"] as? [String: Any])
            #expect((record["id"] as? String)?.lowercased() == customer)
            #expect((record["identities"] as? [[String: Any]])?.isEmpty == false)
            #expect(record["attributes"] is [String: Any])
            let notes = try #require(record["notes"] as? [[String: Any]])
            #expect(notes.count == 1 && notes.first?["text"] as? String == "prefers phone calls")
            #expect((notes.first?["revisions"] as? [[String: Any]])?.isEmpty == false)
            #expect((record["visits"] as? [[String: Any]])?.count == 1)
            let conversations = try #require(document["conversations"] as? [[String: Any]])
            #expect(conversations.count == 1 && (conversations.first?["id"] as? String)?.lowercased() == conversation)
            let messages = try #require(conversations.first?["messages"] as? [[String: Any]])
            #expect(messages.map { $0["text"] as? String } == ["我要退款", "好的，马上处理 refund"])
            let audited = try await h.db.superuserRows("""
                SELECT count(*)::int FROM audit_events WHERE tenant_id = '\(lower(acme.tenantID))' AND action = 'customer.data_exported'
                """)[0].decode(Int.self)
            #expect(audited == 1)
        }
    }

    @Test("a conversation in the recycle bin is still held about the customer, so the export holds it")
    func binnedConversationsIncluded() async throws {
        try await APIHarness.with { h in
            let acme = try await h.tenant("acme")
            let admin = try await h.token("admin", of: acme)
            let conversation = lower(acme.conversations["afterSales"]!)
            let customer = try #require((try await h.send(.get, "/v1/conversations/\(conversation)", token: admin)["customer"]
                as? [String: Any])?["id"] as? String)
            #expect(try await h.send(.delete, "/v1/conversations/\(conversation)", token: try await h.token("supervisor", of: acme)).status == .ok)
            let queued = try await h.send(.post, "/v1/admin/customers/\(customer)/data-export", token: admin)
            #expect(queued["rowsTotal"] as? Int == 2)
            try await ExportTests.drain(h)
            let file = try await h.send(.get, "/v1/exports/\(try #require(queued["id"] as? String))/download", token: admin)
            let document = try #require(try JSONSerialization.jsonObject(with: file.body) as? [String: Any])
            let conversations = try #require(document["conversations"] as? [[String: Any]])
            #expect(conversations.count == 1 && conversations.first?["status"] as? String == "deleted")
            #expect((conversations.first?["messages"] as? [Any])?.count == 2)
        }
    }

    @Test("only admins (403); another tenant's customer is 404; POST /v1/exports refuses json (422); nothing queued")
    func refusals() async throws {
        try await APIHarness.with { h in
            let acme = try await h.tenant("acme")
            let other = try await h.tenant("other")
            let admin = try await h.token("admin", of: acme)
            let theirs = try await h.db.superuserRows("SELECT id FROM customers WHERE tenant_id = '\(lower(other.tenantID))' LIMIT 1")[0]
                .decode(UUID.self)
            expectProblem(try await h.send(.post, "/v1/admin/customers/\(lower(theirs))/data-export", token: admin), .notFound)
            expectProblem(try await h.send(.post, "/v1/admin/customers/nope/data-export", token: admin), .notFound)
            let mine = try await h.db.superuserRows("SELECT id FROM customers WHERE tenant_id = '\(lower(acme.tenantID))' LIMIT 1")[0]
                .decode(UUID.self)
            for user in ["agentA", "supervisor", "analyst"] {
                expectProblem(try await h.send(.post, "/v1/admin/customers/\(lower(mine))/data-export", token: try await h.token(user, of: acme)),
                              .forbidden)
            }
            expectProblem(try await h.send(.post, "/v1/admin/customers/\(lower(mine))/data-export"), .unauthorized)
            let json = try await h.send(.post, "/v1/exports", token: admin, json: #"{"format":"json","filter":{}}"#)
            expectProblem(json, .unprocessableContent, field: "format")
            #expect((json["detail"] as? String)?.contains("data-export") == true)
            #expect(try await h.db.superuserRows(
                "SELECT count(*)::int FROM export_jobs WHERE tenant_id = '\(lower(acme.tenantID))'")[0].decode(Int.self) == 0)
        }
    }
}
