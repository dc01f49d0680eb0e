import Domain
import Foundation
import HTTPTypes
import Store
import TestSupport
import Testing

/// `POST /v1/admin/customers/{customerId}/erasure`: everything about one customer deleted in
/// one go — or nothing, with 409 naming what blocks it — leaving an audit event without
/// personal data.
@Suite("Customer erasure")
struct ErasureTests {
    func lower(_ id: UUID) -> String { id.uuidString.lowercased() }

    func tenant(_ h: APIHarness, _ slug: String) async throws -> TenantFixture {
        try await TenantFixture.make(in: h.db, slug: slug, passwordHash: APIHarness.passwordHash, labelled: true)
    }

    /// The customer of the fixture's after-sales conversation (who has a note and a visit).
    func customer(_ h: APIHarness, _ fixture: TenantFixture) async throws -> String {
        try await h.db.superuserRows("""
            SELECT customer_id FROM conversations WHERE tenant_id = '\(lower(fixture.tenantID))' AND id = '\(lower(fixture.conversations["afterSales"]!))'
            """)[0].decode(UUID.self).uuidString.lowercased()
    }

    func counts(_ h: APIHarness, _ fixture: TenantFixture, customer: String) async throws -> [Int] {
        let tenant = lower(fixture.tenantID)
        let row = try await h.db.superuserRows("""
            SELECT (SELECT count(*) FROM customers WHERE tenant_id = '\(tenant)' AND id = '\(customer)')::int,
                   (SELECT count(*) FROM customer_identities WHERE tenant_id = '\(tenant)' AND customer_id = '\(customer)')::int,
                   (SELECT count(*) FROM conversations WHERE tenant_id = '\(tenant)' AND customer_id = '\(customer)')::int,
                   (SELECT count(*) FROM messages m JOIN conversations c ON c.tenant_id = m.tenant_id AND c.id = m.conversation_id
                    WHERE m.tenant_id = '\(tenant)' AND c.customer_id = '\(customer)')::int,
                   (SELECT count(*) FROM visits WHERE tenant_id = '\(tenant)' AND customer_id = '\(customer)')::int,
                   (SELECT count(*) FROM customer_notes WHERE tenant_id = '\(tenant)' AND customer_id = '\(customer)')::int,
                   (SELECT count(*) FROM customer_note_revisions r JOIN customer_notes n ON n.tenant_id = r.tenant_id AND n.id = r.note_id
                    WHERE r.tenant_id = '\(tenant)' AND n.customer_id = '\(customer)')::int,
                   (SELECT count(*) FROM messages WHERE tenant_id = '\(tenant)')::int
            """)[0].decode((Int, Int, Int, Int, Int, Int, Int, Int).self)
        return [row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7]
    }

    @Test("a preview says what would go; a confirmed erasure deletes it all and leaves an audit event without personal data")
    func previewThenErase() async throws {
        try await APIHarness.with { h in
            let acme = try await tenant(h, "acme")
            let admin = try await h.token("admin", of: acme)
            let id = try await customer(h, acme)
            let before = try await counts(h, acme, customer: id)
            #expect(before[0] == 1 && before[1] >= 1 && before[2] == 1 && before[3] == 2 && before[4] == 1 && before[5] == 1 && before[6] >= 1)

            let preview = try await h.send(.post, "/v1/admin/customers/\(id)/erasure", token: admin, json: "{}")
            #expect(preview.status == .ok, "\(String(decoding: preview.body, as: UTF8.self))")
            #expect(preview["performed"] as? Bool == false && preview["blockers"] as? [String] == [])
            #expect(preview["conversations"] as? Int == 1 && preview["messages"] as? Int == 2 && preview["visits"] as? Int == 1)
            #expect(preview["notes"] as? Int == 1 && preview["identities"] as? Int == before[1])
            #expect(try await counts(h, acme, customer: id) == before)

            let erased = try await h.send(.post, "/v1/admin/customers/\(id)/erasure", token: admin, json: #"{"confirm":true}"#)
            #expect(erased.status == .ok, "\(String(decoding: erased.body, as: UTF8.self))")
            #expect(erased["performed"] as? Bool == true && erased["conversations"] as? Int == 1)
            let after = try await counts(h, acme, customer: id)
            #expect(Array(after.prefix(7)) == [0, 0, 0, 0, 0, 0, 0])
            #expect(after[7] == before[7] - 2, "the other customers' messages stay")
            expectProblem(try await h.send(.get, "/v1/customers/\(id)", token: admin), .notFound)
            expectProblem(try await h.send(.post, "/v1/admin/customers/\(id)/erasure", token: admin, json: #"{"confirm":true}"#), .notFound)

            let events = try await h.db.superuserRows("""
                SELECT target_id, details::text FROM audit_events
                WHERE tenant_id = '\(lower(acme.tenantID))' AND action = 'customer.erased'
                """).map { try $0.decode((UUID, String).self) }
            #expect(events.count == 1 && events.first?.0.uuidString.lowercased() == id)
            let details = events.first?.1 ?? ""
            #expect(details.contains(#""messages": "2""#) || details.contains(#""messages":"2""#), "\(details)")
            #expect(!details.contains("Customer") && !details.contains(acme.slug), "personal data in the tombstone: \(details)")
        }
    }

    @Test("a hold on the tenant, the customer or one of their conversations, or the floor, blocks it: 409 naming what, nothing deleted")
    func blocked() async throws {
        try await APIHarness.with { h in
            let acme = try await tenant(h, "acme")
            let admin = try await h.token("admin", of: acme)
            let id = try await customer(h, acme)
            let before = try await counts(h, acme, customer: id)
            let subjects = [
                (#"{"subjectType":"tenant","reason":"audit"}"#, "the whole tenant"),
                (#"{"subjectType":"customer","subjectId":"\#(id)","reason":"claim"}"#, "on this customer"),
                (#"{"subjectType":"conversation","subjectId":"\#(lower(acme.conversations["afterSales"]!))","reason":"claim"}"#,
                 "1 of their conversations"),
            ]
            for (hold, named) in subjects {
                let placed = try await h.send(.post, "/v1/admin/legal-holds", token: admin, json: hold)
                let holdID = try #require(placed["id"] as? String)
                let preview = try await h.send(.post, "/v1/admin/customers/\(id)/erasure", token: admin, json: "{}")
                #expect((preview["blockers"] as? [String])?.contains { $0.contains(named) } == true, "\(preview["blockers"] ?? "")")
                let refused = try await h.send(.post, "/v1/admin/customers/\(id)/erasure", token: admin, json: #"{"confirm":true}"#)
                expectProblem(refused, .conflict)
                #expect((refused["detail"] as? String)?.contains(named) == true, "\(refused["detail"] ?? "")")
                #expect(try await counts(h, acme, customer: id) == before)
                _ = try await h.send(.post, "/v1/admin/legal-holds/\(holdID)/release", token: admin, json: #"{"reason":"done"}"#)
            }
            _ = try await h.send(.patch, "/v1/operator/tenants/\(acme.tenantID)", token: APIHarness.operatorToken,
                                 json: #"{"complianceMinimumDays":30}"#)
            let young = try await h.send(.post, "/v1/admin/customers/\(id)/erasure", token: admin, json: #"{"confirm":true}"#)
            expectProblem(young, .conflict)
            #expect((young["detail"] as? String)?.contains("minimum retention of 30 days") == true)
            #expect(try await counts(h, acme, customer: id) == before)
            // With every block lifted it goes through.
            _ = try await h.send(.patch, "/v1/operator/tenants/\(acme.tenantID)", token: APIHarness.operatorToken,
                                 json: #"{"complianceMinimumDays":null}"#)
            #expect(try await h.send(.post, "/v1/admin/customers/\(id)/erasure", token: admin, json: #"{"confirm":true}"#).status == .ok)
        }
    }

    @Test("only admins (403); another tenant's customer is 404; bad bodies 400 naming the field; nothing deleted")
    func refusals() async throws {
        try await APIHarness.with { h in
            let acme = try await tenant(h, "acme")
            let other = try await tenant(h, "other")
            let id = try await customer(h, acme)
            let theirs = try await customer(h, other)
            let before = try await counts(h, acme, customer: id)
            for user in ["agentA", "supervisor", "analyst"] {
                expectProblem(try await h.send(.post, "/v1/admin/customers/\(id)/erasure", token: try await h.token(user, of: acme),
                                               json: #"{"confirm":true}"#), .forbidden)
            }
            expectProblem(try await h.send(.post, "/v1/admin/customers/\(id)/erasure", json: #"{"confirm":true}"#), .unauthorized)
            let admin = try await h.token("admin", of: acme)
            expectProblem(try await h.send(.post, "/v1/admin/customers/\(theirs)/erasure", token: admin, json: #"{"confirm":true}"#), .notFound)
            expectProblem(try await h.send(.post, "/v1/admin/customers/not-an-id/erasure", token: admin, json: #"{"confirm":true}"#), .notFound)
            expectProblem(try await h.send(.post, "/v1/admin/customers/\(id)/erasure", token: admin, json: #"{"confirm":"yes"}"#),
                          .badRequest, field: "confirm")
            expectProblem(try await h.send(.post, "/v1/admin/customers/\(id)/erasure", token: admin, json: "[]"), .badRequest)
            #expect(try await counts(h, acme, customer: id) == before)
            #expect(try await counts(h, other, customer: theirs)[0] == 1)
        }
    }
}
