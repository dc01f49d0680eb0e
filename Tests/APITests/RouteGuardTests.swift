import Foundation
import HTTPTypes
import TestSupport
import Testing

/// The three guards every route owes (DEVELOPERS.md): another tenant's ids are unknown,
/// a user who may not see something cannot act on it, and a bad body writes nothing.
/// These cover the routes whose own suites test the feature but not every guard.
@Suite("Route guards: other tenants, no access, bad bodies")
struct RouteGuardTests {
    @Test("another tenant's conversation is unknown to every route on one conversation, and stays untouched")
    func otherTenantsConversation() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let other = try await api.tenant("other")
            let admin = try await api.token("admin", of: acme)
            let theirs = other.conversations["sales"]!
            let department = acme.departments["sales"]!
            let routes: [(HTTPRequest.Method, String, String?)] = [
                (.get, "/v1/conversations/\(theirs)/messages", nil),
                (.get, "/v1/conversations/\(theirs)/attachments", nil),
                (.put, "/v1/conversations/\(theirs)/tags", #"{"tagIds":[]}"#),
                (.put, "/v1/conversations/\(theirs)/rating", #"{"satisfaction":"bad"}"#),
                (.put, "/v1/conversations/\(theirs)/star", nil),
                (.delete, "/v1/conversations/\(theirs)/star", nil),
                (.post, "/v1/conversations/\(theirs)/transfer", #"{"toDepartmentId":"\#(department)"}"#),
                (.post, "/v1/conversations/\(theirs)/end", nil),
                (.post, "/v1/conversations/\(theirs)/reopen", nil),
                (.get, "/v1/conversations/\(theirs)/transfers", nil),
                (.get, "/v1/conversations/\(theirs)/audit-events", nil),
            ]
            for (method, path, body) in routes {
                let reply = try await api.send(method, path, token: admin, json: body)
                #expect(reply.status == .notFound, "\(method) \(path)")
                expectProblem(reply, .notFound)
            }
            let row = try await api.db.superuserRows("""
                SELECT satisfaction, status, department_id,
                       (SELECT count(*) FROM conversation_stars s WHERE s.tenant_id = c.tenant_id AND s.conversation_id = c.id)
                FROM conversations c WHERE c.tenant_id = '\(other.tenantID.uuidString.lowercased())' AND c.id = '\(theirs.uuidString.lowercased())'
                """)
            let (satisfaction, status, departmentID, stars) = try row[0].decode((String?, String, UUID?, Int).self)
            #expect(satisfaction == nil && status == "ongoing" && departmentID == other.departments["sales"]! && stars == 0)
        }
    }

    @Test("an agent cannot read or act on a colleague's conversation")
    func colleaguesConversation() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let agent = try await api.token("agentA", of: acme)
            let colleagues = acme.conversations["sales"]!
            let routes: [(HTTPRequest.Method, String, String?)] = [
                (.get, "/v1/conversations/\(colleagues)/messages", nil),
                (.get, "/v1/conversations/\(colleagues)/attachments", nil),
                (.put, "/v1/conversations/\(colleagues)/star", nil),
                (.delete, "/v1/conversations/\(colleagues)/star", nil),
                (.post, "/v1/conversations/\(colleagues)/transfer", #"{"toAgentId":"\#(acme.users["agentA"]!)"}"#),
            ]
            for (method, path, body) in routes {
                let reply = try await api.send(method, path, token: agent, json: body)
                #expect(reply.status == .notFound, "\(method) \(path)")
                expectProblem(reply, .notFound)
            }
            #expect(try await api.count("conversation_transfers") == 0)
            #expect(try await api.count("conversation_stars") == 0)
        }
    }

    @Test("bad bodies on labels, ratings, notes and the tag library are refused and write nothing")
    func badBodiesWriteNothing() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let admin = try await api.token("admin", of: acme)
            let agent = try await api.token("agentA", of: acme)
            let conversation = acme.conversations["afterSales"]!
            let tooMany = #"{"tagIds":[\#((0..<21).map { _ in "\"\(UUID())\"" }.joined(separator: ","))]}"#
            let before = try await api.db.superuserRows("SELECT tag_ids::text, satisfaction FROM conversations WHERE id = '\(conversation.uuidString.lowercased())'")

            expectProblem(try await api.send(.put, "/v1/conversations/\(conversation)/tags", token: agent, json: tooMany), .unprocessableContent, field: "tagIds")
            expectProblem(try await api.send(.put, "/v1/conversations/\(conversation)/rating", token: admin, json: #"{"satisfaction":"great"}"#),
                          .unprocessableContent, field: "satisfaction")
            expectProblem(try await api.send(.put, "/v1/conversations/\(conversation)/rating", token: admin, json: #"{"satisfaction":1}"#),
                          .badRequest, field: "satisfaction")
            let after = try await api.db.superuserRows("SELECT tag_ids::text, satisfaction FROM conversations WHERE id = '\(conversation.uuidString.lowercased())'")
            #expect(try before[0].decode((String, String?).self) == after[0].decode((String, String?).self))

            let customer = try #require(try await api.send(.get, "/v1/conversations/\(conversation)", token: admin)["customer"] as? [String: Any])["id"] as! String
            let customerTags = try await api.count("customers WHERE tag_ids <> '{}'")
            expectProblem(try await api.send(.put, "/v1/customers/\(customer)/tags", token: agent, json: #"{"tagIds":5}"#), .badRequest, field: "tagIds")
            expectProblem(try await api.send(.put, "/v1/customers/\(customer)/tags", token: agent, json: tooMany), .unprocessableContent, field: "tagIds")
            #expect(try await api.count("customers WHERE tag_ids <> '{}'") == customerTags)

            let note = try #require(try await api.send(.post, "/v1/customers/\(customer)/notes", token: agent, json: #"{"text":"首次记录"}"#)["id"] as? String)
            let revisions = try await api.count("customer_note_revisions")
            expectProblem(try await api.send(.put, "/v1/customers/\(customer)/notes/\(note)", token: agent, json: #"{"text":"   "}"#),
                          .unprocessableContent, field: "text")
            expectProblem(try await api.send(.put, "/v1/customers/\(customer)/notes/\(note)", token: agent, json: #"{"body":"x"}"#), .badRequest)
            #expect(try await api.count("customer_note_revisions") == revisions)

            let tags = try await api.count("tags")
            expectProblem(try await api.send(.post, "/v1/admin/tags", token: admin, json: #"{"name":""}"#), .unprocessableContent, field: "name")
            expectProblem(try await api.send(.post, "/v1/admin/tags", token: admin, json: #"{"name":"x","color":"red"}"#), .unprocessableContent, field: "color")
            expectProblem(try await api.send(.post, "/v1/admin/tags", token: admin, json: #"{"name":7}"#), .badRequest, field: "name")
            #expect(try await api.count("tags") == tags)
        }
    }

    @Test("only admins delete tags or unlock notes; another tenant's note cannot be unlocked")
    func adminOnlyActions() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let other = try await api.tenant("other")
            let admin = try await api.token("admin", of: acme)
            let agent = try await api.token("agentA", of: acme)
            let tag = try #require(try await api.send(.post, "/v1/admin/tags", token: admin, json: #"{"name":"投诉处理"}"#)["id"] as? String)
            expectProblem(try await api.send(.delete, "/v1/admin/tags/\(tag)", token: agent), .forbidden)
            #expect(try await api.count("tags") == 1)

            let customer = try #require(try await api.send(.get, "/v1/conversations/\(acme.conversations["afterSales"]!)", token: admin)["customer"]
                                        as? [String: Any])["id"] as! String
            let note = try #require(try await api.send(.post, "/v1/customers/\(customer)/notes", token: agent, json: #"{"text":"记录"}"#)["id"] as? String)
            #expect(try await api.send(.put, "/v1/customers/\(customer)/notes/\(note)/lock", token: admin)["locked"] as? Bool == true)
            let theirAdmin = try await api.token("admin", of: other)
            expectProblem(try await api.send(.delete, "/v1/customers/\(customer)/notes/\(note)/lock", token: theirAdmin), .notFound)
            expectProblem(try await api.send(.delete, "/v1/customers/\(customer)/notes/\(note)/lock", token: agent), .forbidden)
            let unlocked = try await api.send(.delete, "/v1/customers/\(customer)/notes/\(note)/lock", token: admin)
            #expect(unlocked["locked"] as? Bool == false)
            #expect(try await api.send(.put, "/v1/customers/\(customer)/notes/\(note)", token: agent, json: #"{"text":"又能改了"}"#).status == .ok)
        }
    }

    @Test("operator, session and profile routes refuse the wrong credentials and malformed bodies")
    func credentialsAndBodies() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let admin = try await api.token("admin", of: acme)
            for token in [nil, admin, "not-the-operator-token"] {
                expectProblem(try await api.send(.put, "/v1/operator/plans/enterprise", token: token, json: #"{"exportRowCap":5}"#), .unauthorized)
            }
            let plans = try await api.db.superuserRows("SELECT export_row_cap FROM plans WHERE code = 'enterprise'")
            #expect(try plans[0].decode(Int?.self) == 20_000)
            expectProblem(try await api.send(.patch, "/v1/operator/tenants/\(acme.tenantID)", token: APIHarness.operatorToken, json: #"{"plan":5}"#),
                          .badRequest, field: "plan")
            expectProblem(try await api.send(.get, "/v1/me"), .unauthorized)
            expectProblem(try await api.send(.post, "/v1/auth/refresh", json: #"{"refreshToken":5}"#), .badRequest, field: "refreshToken")
            expectProblem(try await api.send(.post, "/v1/auth/logout", json: "{"), .badRequest)
        }
    }
}
