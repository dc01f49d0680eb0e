import Domain
import Foundation
import HTTPTypes
import Store
import TestSupport
import Testing

@Suite("Notifications")
struct NotificationTests {
    /// Posts as the export worker does: in the tenant's scope, through the repository.
    @discardableResult
    private func post(_ api: APIHarness, _ fixture: TenantFixture, to user: String, title: String = "导出完成 Export ready",
                      link: String? = "/v1/exports/job/download", subject: UUID? = UUID()) async throws -> UUID {
        try await api.db.database.withScope(.tenant(fixture.tenantID)) { tx in
            try await NotificationRepository(tx, tenantID: fixture.tenantID).post(
                to: fixture.users[user]!, kind: link == nil ? "export.failed" : "export.succeeded", title: title,
                body: link == nil ? "the database went away" : "conversations.xlsx, 1,204 rows", link: link,
                subjectType: subject == nil ? nil : "export", subjectID: subject)
        }
    }

    private func lower(_ id: UUID) -> String { id.uuidString.lowercased() }

    @Test("a user lists their notifications oldest first after a cursor, with the unread count, and marks them read")
    func listAndMarkRead() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let token = try await api.token("agentA", of: acme)
            let empty = try await api.send(.get, "/v1/notifications", token: token)
            #expect(empty.status == .ok)
            #expect(empty.items.isEmpty && empty["unreadCount"] as? Int == 0 && empty["nextCursor"] == nil)

            let job = UUID()
            let first = try await post(api, acme, to: "agentA", subject: job)
            let second = try await post(api, acme, to: "agentA", title: "second")
            let third = try await post(api, acme, to: "agentA", link: nil, subject: nil)

            let all = try await api.send(.get, "/v1/notifications", token: token)
            #expect(all.ids == [first, second, third].map(lower))
            #expect(all["unreadCount"] as? Int == 3)
            #expect(all["nextCursor"] as? String == lower(third))
            let item = all.items[0]
            #expect(item["kind"] as? String == "export.succeeded")
            #expect(item["title"] as? String == "导出完成 Export ready")
            #expect(item["body"] as? String == "conversations.xlsx, 1,204 rows")
            #expect(item["link"] as? String == "/v1/exports/job/download")
            #expect(item["subjectType"] as? String == "export")
            #expect(item["subjectId"] as? String == lower(job))
            #expect(RFC3339.parse(item["createdAt"] as? String ?? "") != nil)
            #expect(item["readAt"] == nil)
            // Optional members without a value are left out.
            #expect(all.items[2]["link"] == nil && all.items[2]["subjectType"] == nil && all.items[2]["subjectId"] == nil)

            let page = try await api.send(.get, "/v1/notifications?limit=2", token: token)
            #expect(page.ids == [first, second].map(lower))
            let rest = try await api.send(.get, "/v1/notifications?after=\(page["nextCursor"] as? String ?? "")", token: token)
            #expect(rest.ids == [lower(third)])
            // Nothing newer: an empty page that hands the cursor back.
            let none = try await api.send(.get, "/v1/notifications?after=\(lower(third))", token: token)
            #expect(none.status == .ok && none.items.isEmpty && none["nextCursor"] as? String == lower(third))

            let upTo = try await api.send(.post, "/v1/notifications/read", token: token, json: #"{"upTo":"\#(lower(second))"}"#)
            #expect(upTo.status == .ok)
            #expect(upTo["unreadCount"] as? Int == 1)
            let after = try await api.send(.get, "/v1/notifications", token: token)
            #expect(after.items.map { $0["readAt"] != nil } == [true, true, false])
            #expect(after["unreadCount"] as? Int == 1)

            let byID = try await api.send(.post, "/v1/notifications/read", token: token, json: #"{"ids":["\#(lower(third))","\#(lower(third))"]}"#)
            #expect(byID["unreadCount"] as? Int == 0)
            // Again: nothing left to mark, and a first read time is kept.
            let readAt = try await api.send(.get, "/v1/notifications", token: token).items.map { $0["readAt"] as? String }
            #expect(try await api.send(.post, "/v1/notifications/read", token: token, json: #"{"upTo":"\#(lower(third))"}"#)["unreadCount"] as? Int == 0)
            #expect(try await api.send(.get, "/v1/notifications", token: token).items.map { $0["readAt"] as? String } == readAt)
        }
    }

    @Test("only the recipient sees or marks a notification: not a colleague, not an admin, not another tenant")
    func onlyTheOwner() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let other = try await api.tenant("other")
            let mine = try await post(api, acme, to: "agentA")
            for (user, fixture) in [("agentB", acme), ("admin", acme), ("admin", other)] {
                let token = try await api.token(user, of: fixture)
                let list = try await api.send(.get, "/v1/notifications", token: token)
                #expect(list.status == .ok && list.items.isEmpty && list["unreadCount"] as? Int == 0, "\(user) of \(fixture.slug)")
                // Another's id is simply not theirs: ignored, whichever way it is named.
                let byID = try await api.send(.post, "/v1/notifications/read", token: token, json: #"{"ids":["\#(lower(mine))"]}"#)
                #expect(byID.status == .ok && byID["unreadCount"] as? Int == 0)
                let upTo = try await api.send(.post, "/v1/notifications/read", token: token, json: #"{"upTo":"\#(lower(UUID()))"}"#)
                #expect(upTo.status == .ok)
            }
            #expect(try await api.count("notifications WHERE read_at IS NOT NULL") == 0)
            let owner = try await api.send(.get, "/v1/notifications", token: try await api.token("agentA", of: acme))
            #expect(owner.ids == [lower(mine)] && owner["unreadCount"] as? Int == 1)

            // In SQL too: a user's scope may not post to a colleague (only to themselves), and
            // the worker's tenant scope reads nothing.
            let agentB = acme.principal("agentB")
            await #expect(throws: (any Error).self) {
                try await api.db.database.withScope(.user(agentB)) { tx in
                    try await NotificationRepository(tx, tenantID: acme.tenantID).post(
                        to: acme.users["agentA"]!, kind: "export.succeeded", title: "forged", body: "", link: nil, subjectType: nil, subjectID: nil)
                }
            }
            _ = try await api.db.database.withScope(.user(agentB)) { tx in
                try await NotificationRepository(tx, tenantID: acme.tenantID).post(
                    to: agentB.userID, kind: "note.reminder", title: "to myself", body: "", link: nil, subjectType: nil, subjectID: nil)
            }
            let seenByWorker = try await api.db.database.withScope(.tenant(acme.tenantID)) { tx in
                try await NotificationRepository(tx, tenantID: acme.tenantID).list(for: acme.users["agentA"]!, after: nil, limit: 10)
            }
            #expect(seenByWorker.isEmpty)
            #expect(try await api.count("notifications") == 2)
        }
    }

    @Test("a long poll answers soon after a notification is posted, and with an empty page when its wait ends")
    func longPoll() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let token = try await api.token("agentA", of: acme)
            let seen = try await post(api, acme, to: "agentA")

            let started = ContinuousClock.now
            async let held = api.send(.get, "/v1/notifications?after=\(lower(seen))&wait=10", token: token)
            try await Task.sleep(for: .milliseconds(400))
            // A colleague's notification does not answer it; the user's own does.
            try await post(api, acme, to: "agentB")
            try await Task.sleep(for: .milliseconds(200))
            let fresh = try await post(api, acme, to: "agentA")
            let reply = try await held
            let elapsed = ContinuousClock.now - started
            #expect(reply.status == .ok)
            #expect(reply.ids == [lower(fresh)])
            #expect(reply["unreadCount"] as? Int == 2)
            #expect(elapsed < .seconds(5), "answered after \(elapsed)")

            let waitStarted = ContinuousClock.now
            let ended = try await api.send(.get, "/v1/notifications?after=\(lower(fresh))&wait=1", token: token)
            let waited = ContinuousClock.now - waitStarted
            #expect(ended.status == .ok && ended.items.isEmpty && ended["nextCursor"] as? String == lower(fresh))
            // Held at least half of `wait` (the rest is spread at random).
            #expect(waited >= .milliseconds(490) && waited < .seconds(5), "waited \(waited)")

            // Something newer than the cursor answers at once, whatever the wait.
            let quick = ContinuousClock.now
            #expect(try await api.send(.get, "/v1/notifications?after=\(lower(seen))&wait=30", token: token).ids == [lower(fresh)])
            #expect(ContinuousClock.now - quick < .seconds(2))
        }
    }

    @Test("bad input in every parameter and member is 400 naming it, and writes nothing")
    func badInput() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let token = try await api.token("agentA", of: acme)
            let id = try await post(api, acme, to: "agentA")
            for (query, field) in [("after=nope", "query.after"), ("after=\(String(repeating: "a", count: 129))", "query.after"),
                                   ("after=%ZZ", "query.after"), ("limit=0", "query.limit"), ("limit=201", "query.limit"),
                                   ("limit=ten", "query.limit"), ("wait=-1", "query.wait"), ("wait=31", "query.wait"),
                                   ("wait=1.5", "query.wait"), ("wait=soon", "query.wait"), ("wait=", "query.wait"),
                                   ("wait=+5", "query.wait")] {
                expectProblem(try await api.send(.get, "/v1/notifications?\(query)", token: token), .badRequest, field: field)
            }
            for (body, field) in [("{}", "upTo"), (#"{"upTo":"\#(lower(id))","ids":["\#(lower(id))"]}"#, "ids"),
                                  (#"{"upTo":"nope"}"#, "upTo"), (#"{"upTo":null}"#, "upTo"), (#"{"upTo":7}"#, "upTo"),
                                  (#"{"ids":[]}"#, "ids"), (#"{"ids":["nope"]}"#, "ids[0]"), (#"{"ids":"\#(lower(id))"}"#, "ids"),
                                  (#"{"ids":[\#((0...200).map { _ in "\"\(lower(UUID()))\"" }.joined(separator: ","))]}"#, "ids")] {
                expectProblem(try await api.send(.post, "/v1/notifications/read", token: token, json: body), .badRequest, field: field)
            }
            expectProblem(try await api.send(.post, "/v1/notifications/read", token: token, raw: Data("{not json".utf8)), .badRequest)
            expectProblem(try await api.send(.post, "/v1/notifications/read", token: token, json: #"{"ids":["\#(lower(id))"]}"#,
                                             contentType: "text/plain"), .unsupportedMediaType)
            expectProblem(try await api.send(.post, "/v1/notifications/read", json: #"{"ids":["\#(lower(id))"]}"#), .unauthorized)
            expectProblem(try await api.send(.get, "/v1/notifications?wait=99"), .unauthorized)
            #expect(try await api.count("notifications WHERE read_at IS NOT NULL") == 0)
            // Unknown members are ignored, as everywhere.
            let marked = try await api.send(.post, "/v1/notifications/read", token: token, json: #"{"ids":["\#(lower(id))"],"all":true}"#)
            #expect(marked.status == .ok && marked["unreadCount"] as? Int == 0)
        }
    }
}
