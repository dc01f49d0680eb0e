import Domain
import Foundation
import HTTPTypes
import Store
import TestSupport
import Testing

/// `POST /v1/admin/conversations/batch`: an admin archives, deletes (final, asked twice) or
/// exports what the list shows for a filter, or chosen conversations; holds and the floor
/// keep what they protect; one audit event per batch.
@Suite("Batch operations")
struct BatchTests {
    func lower(_ id: UUID) -> String { id.uuidString.lowercased() }

    func tenant(_ h: APIHarness, _ slug: String, daysAgo: Int = 0) async throws -> TenantFixture {
        let fixture = try await TenantFixture.make(in: h.db, slug: slug, passwordHash: APIHarness.passwordHash,
                                                   conversationsAt: Date().addingTimeInterval(-Double(daysAgo) * 86_400))
        _ = try await h.db.superuserRows("""
            UPDATE conversations SET status = 'ended', ended_at = last_message_at WHERE tenant_id = '\(lower(fixture.tenantID))'
            """)
        return fixture
    }

    func count(_ h: APIHarness, _ table: String, of fixture: TenantFixture) async throws -> Int {
        try await h.db.superuserRows("SELECT count(*)::int FROM \(table) WHERE tenant_id = '\(lower(fixture.tenantID))'")[0].decode(Int.self)
    }

    func audited(_ h: APIHarness, _ action: String, of fixture: TenantFixture) async throws -> [[String: String]] {
        try await h.db.superuserRows("""
            SELECT details::text FROM audit_events WHERE tenant_id = '\(lower(fixture.tenantID))' AND action = '\(action)'
            ORDER BY occurred_at, id
            """).map { try JSONDecoder().decode([String: String].self, from: Data(try $0.decode(String.self).utf8)) }
    }

    @Test("archive on a filter touches exactly what the list shows for it, audited once with the count")
    func archiveByFilter() async throws {
        try await APIHarness.with { h in
            let acme = try await tenant(h, "acme")
            let admin = try await h.token("admin", of: acme)
            let department = lower(acme.departments["afterSales"]!)
            let listed = Set(try await h.send(.get, "/v1/conversations?departmentId=\(department)", token: admin).ids)
            #expect(!listed.isEmpty && listed.count < 3)
            let archived = try await h.send(.post, "/v1/admin/conversations/batch", token: admin, json: """
                {"action":"archive","filter":{"departmentId":"\(department)"}}
                """)
            #expect(archived.status == .ok, "\(String(decoding: archived.body, as: UTF8.self))")
            #expect(archived["performed"] as? Bool == true && archived["final"] as? Bool == false)
            #expect(archived["matched"] as? Int == listed.count && archived["touched"] as? Int == listed.count)
            #expect(Set(try await h.send(.get, "/v1/conversations?status=archived", token: admin).ids) == listed)
            // Again: nothing left to archive, all skipped.
            let again = try await h.send(.post, "/v1/admin/conversations/batch", token: admin, json: """
                {"action":"archive","filter":{"departmentId":"\(department)"}}
                """)
            #expect(again["touched"] as? Int == 0 && again["skipped"] as? Int == listed.count)
            let events = try await audited(h, "conversations.archived", of: acme)
            #expect(events.count == 2 && events.first?["archived"] == "\(listed.count)")
        }
    }

    @Test("a delete without confirm changes nothing and says what it would delete; with confirm it deletes, final, audited once")
    func deleteAskedTwice() async throws {
        try await APIHarness.with { h in
            let acme = try await tenant(h, "acme")
            let admin = try await h.token("admin", of: acme)
            let chosen = [acme.conversations["afterSales"]!, acme.conversations["sales"]!]
            let body = #"{"action":"delete","conversationIds":["\#(lower(chosen[0]))","\#(lower(chosen[1]))"]}"#
            let preview = try await h.send(.post, "/v1/admin/conversations/batch", token: admin, json: body)
            #expect(preview.status == .ok, "\(String(decoding: preview.body, as: UTF8.self))")
            #expect(preview["performed"] as? Bool == false && preview["final"] as? Bool == true)
            #expect(preview["matched"] as? Int == 2 && preview["touched"] as? Int == 2 && preview["messages"] as? Int == 4)
            #expect(try await count(h, "conversations", of: acme) == 3)
            #expect(try await audited(h, "conversations.deleted", of: acme).isEmpty)

            let confirmed = try await h.send(.post, "/v1/admin/conversations/batch", token: admin,
                                             json: body.replacingOccurrences(of: #""action":"delete""#, with: #""action":"delete","confirm":true"#))
            #expect(confirmed["performed"] as? Bool == true && confirmed["touched"] as? Int == 2 && confirmed["messages"] as? Int == 4)
            #expect(try await count(h, "conversations", of: acme) == 1)
            #expect(try await count(h, "messages", of: acme) == 2)
            #expect(try await count(h, "message_keys", of: acme) == 2)
            #expect(try await h.send(.get, "/v1/conversations", token: admin).ids == [lower(acme.conversations["support"]!)])
            let events = try await audited(h, "conversations.deleted", of: acme)
            #expect(events.count == 1 && events.first?["conversations"] == "2" && events.first?["messages"] == "4")
            // The ids are gone now: naming them again is not found.
            expectProblem(try await h.send(.post, "/v1/admin/conversations/batch", token: admin, json: body), .notFound)
        }
    }

    @Test("no admin delete reaches what a legal hold keeps or what the compliance minimum protects")
    func holdsAndFloorsKeep() async throws {
        try await APIHarness.with { h in
            let acme = try await tenant(h, "acme", daysAgo: 10)
            let admin = try await h.token("admin", of: acme)
            let held = acme.conversations["sales"]!
            #expect(try await h.send(.post, "/v1/admin/legal-holds", token: admin, json: """
                {"subjectType":"conversation","subjectId":"\(lower(held))","reason":"dispute"}
                """).status == .created)
            // A minimum of 30 days protects all three ten-day-old conversations.
            _ = try await h.send(.patch, "/v1/operator/tenants/\(acme.tenantID)", token: APIHarness.operatorToken,
                                 json: #"{"complianceMinimumDays":30}"#)
            let protected = try await h.send(.post, "/v1/admin/conversations/batch", token: admin,
                                             json: #"{"action":"delete","filter":{},"confirm":true}"#)
            #expect(protected["matched"] as? Int == 3 && protected["touched"] as? Int == 0)
            // The floor is counted first: a held conversation it protects too counts as the floor's.
            #expect(protected["keptByMinimum"] as? Int == 3 && protected["keptByHold"] as? Int == 0)
            #expect(try await count(h, "conversations", of: acme) == 3)

            // Down to 5 days: the two unheld ones go, the held one stays.
            _ = try await h.send(.patch, "/v1/operator/tenants/\(acme.tenantID)", token: APIHarness.operatorToken,
                                 json: #"{"complianceMinimumDays":5}"#)
            let deleted = try await h.send(.post, "/v1/admin/conversations/batch", token: admin,
                                           json: #"{"action":"delete","filter":{},"confirm":true}"#)
            #expect(deleted["touched"] as? Int == 2 && deleted["keptByHold"] as? Int == 1 && deleted["keptByMinimum"] as? Int == 0)
            let left = try await h.db.superuserRows("SELECT id FROM conversations WHERE tenant_id = '\(lower(acme.tenantID))'")
                .map { try $0.decode(UUID.self) }
            #expect(left == [held])
        }
    }

    @Test("bad bodies are 400/422 naming the field and change nothing; another tenant's ids are 404; only admins (403)")
    func refusals() async throws {
        try await APIHarness.with { h in
            let acme = try await tenant(h, "acme")
            let other = try await tenant(h, "other")
            let admin = try await h.token("admin", of: acme)
            let mine = lower(acme.conversations["sales"]!)
            for (body, status, field) in [
                (#"{"conversationIds":["\#(mine)"]}"#, HTTPResponse.Status.badRequest, "action"),
                (#"{"action":"shred","conversationIds":["\#(mine)"]}"#, .unprocessableContent, "action"),
                (#"{"action":"delete"}"#, .badRequest, "conversationIds"),
                (#"{"action":"delete","conversationIds":["\#(mine)"],"filter":{}}"#, .badRequest, "conversationIds"),
                (#"{"action":"archive","conversationIds":[]}"#, .badRequest, "conversationIds"),
                (#"{"action":"archive","conversationIds":["nope"]}"#, .badRequest, "conversationIds[0]"),
                (#"{"action":"delete","filter":{"colour":"red"}}"#, .badRequest, "filter.colour"),
                (#"{"action":"delete","filter":{"channel":"pigeon"}}"#, .badRequest, "filter.channel"),
                (#"{"action":"delete","filter":{},"confirm":"yes"}"#, .badRequest, "confirm"),
                (#"{"action":"export","filter":{}}"#, .badRequest, "format"),
                (#"{"action":"export","filter":{},"format":"docx"}"#, .unprocessableContent, "format"),
            ] {
                expectProblem(try await h.send(.post, "/v1/admin/conversations/batch", token: admin, json: body), status, field: field)
            }
            // Another tenant's conversation, alone or among ours: not found, and nothing happens to either.
            let theirs = lower(other.conversations["sales"]!)
            for ids in [#"["\#(theirs)"]"#, #"["\#(mine)","\#(theirs)"]"#] {
                expectProblem(try await h.send(.post, "/v1/admin/conversations/batch", token: admin,
                                               json: #"{"action":"delete","confirm":true,"conversationIds":\#(ids)}"#), .notFound)
                expectProblem(try await h.send(.post, "/v1/admin/conversations/batch", token: admin,
                                               json: #"{"action":"archive","conversationIds":\#(ids)}"#), .notFound)
            }
            for user in ["agentA", "supervisor", "analyst"] {
                expectProblem(try await h.send(.post, "/v1/admin/conversations/batch", token: try await h.token(user, of: acme),
                                               json: #"{"action":"delete","confirm":true,"filter":{}}"#), .forbidden)
            }
            expectProblem(try await h.send(.post, "/v1/admin/conversations/batch", json: #"{"action":"delete","filter":{}}"#), .unauthorized)
            #expect(try await count(h, "conversations", of: acme) == 3)
            #expect(try await count(h, "conversations", of: other) == 3)
            let archived = try await h.db.superuserRows("SELECT count(*)::int FROM conversations WHERE status = 'archived' AND tenant_id IN ('\(lower(acme.tenantID))', '\(lower(other.tenantID))')")[0].decode(Int.self)
            #expect(archived == 0)
            #expect(try await count(h, "export_jobs", of: acme) == 0)
            #expect(try await audited(h, "conversations.deleted", of: acme).isEmpty)
        }
    }

    @Test("export runs through the export jobs: queued with the list's conversations, followed at its Location")
    func exportThroughJobs() async throws {
        try await APIHarness.with { h in
            let acme = try await tenant(h, "acme")
            let admin = try await h.token("admin", of: acme)
            let queued = try await h.send(.post, "/v1/admin/conversations/batch", token: admin,
                                          json: #"{"action":"export","filter":{"channel":"web"},"format":"csv","rows":"conversations"}"#)
            #expect(queued.status == .accepted, "\(String(decoding: queued.body, as: UTF8.self))")
            let id = try #require(queued["exportId"] as? String)
            #expect(queued.headers[.location] == "/v1/exports/\(id)")
            #expect(queued["matched"] as? Int == 3)
            let job = try await h.send(.get, "/v1/exports/\(id)", token: admin)
            #expect(job.status == .ok && job["rowsTotal"] as? Int == 3 && job["format"] as? String == "csv")
        }
    }
}
