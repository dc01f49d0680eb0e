import Foundation
import HTTPTypes
import Store
import TestSupport
import Testing

/// The admin tools a tenant admin found missing: one user read back, departments renamed,
/// moved and deleted (with reassignment), custom roles edited and deleted, tags renamed; a
/// conversation's transfers and reopening it; browsing customers without a query.
@Suite("Admin tools")
struct AdminToolsTests {
    @Test("a user read back; another tenant's user is 404; agents get 403")
    func oneUser() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("tools-user")
            let other = try await api.tenant("tools-user-other")
            let admin = try await api.token("admin", of: acme)
            let user = try await api.send(.get, "/v1/admin/users/\(acme.users["agentA"]!)", token: admin)
            #expect(user.status == .ok && user["displayName"] as? String == "AgentA" && user["role"] as? String == "agent")
            expectProblem(try await api.send(.get, "/v1/admin/users/\(other.users["agentA"]!)", token: admin), .notFound)
            expectProblem(try await api.send(.get, "/v1/admin/users/nope", token: admin), .notFound)
            expectProblem(try await api.send(.get, "/v1/admin/users/\(acme.users["agentA"]!)", token: try await api.token("agentA", of: acme)),
                          .forbidden)
        }
    }

    @Test("departments: renamed, moved with their sub-departments (and who sees them), never under themselves")
    func moveDepartments() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("tools-move")
            let admin = try await api.token("admin", of: acme)
            let (afterSales, support) = (acme.departments["afterSales"]!, acme.departments["support"]!)
            let renamed = try await api.send(.patch, "/v1/admin/departments/\(support)", token: admin, json: #"{"name":"Tech support"}"#)
            #expect(renamed.status == .ok && renamed["name"] as? String == "Tech support")
            // The supervisor of after-sales sees support's conversation while it sits below after-sales…
            let supervisor = try await api.token("supervisor", of: acme)
            let supportConversation = acme.conversations["support"]!
            #expect(try await api.send(.get, "/v1/conversations/\(supportConversation)", token: supervisor).status == .ok)
            expectProblem(try await api.send(.patch, "/v1/admin/departments/\(afterSales)", token: admin,
                                             json: #"{"parentId":"\#(support)"}"#), .unprocessableContent, field: "parentId")
            // …and not once it is moved to the top.
            let moved = try await api.send(.patch, "/v1/admin/departments/\(support)", token: admin, json: #"{"parentId":null}"#)
            #expect(moved.status == .ok && moved["parentId"] == nil)
            expectProblem(try await api.send(.get, "/v1/conversations/\(supportConversation)", token: supervisor), .notFound)
            // Moved under sales: its path follows.
            #expect(try await api.send(.patch, "/v1/admin/departments/\(support)", token: admin,
                                       json: #"{"parentId":"\#(acme.departments["sales"]!)"}"#).status == .ok)
            let paths = try await api.db.superuserRows("SELECT path FROM departments WHERE id = '\(support.uuidString.lowercased())'")
            #expect(try paths[0].decode([UUID].self) == [acme.departments["sales"]!, support])
            // Bad input names the field; nothing changes.
            expectProblem(try await api.send(.patch, "/v1/admin/departments/\(support)", token: admin, json: #"{"name":""}"#),
                          .unprocessableContent, field: "name")
            expectProblem(try await api.send(.patch, "/v1/admin/departments/\(support)", token: admin, json: #"{"parentId":"nope"}"#),
                          .badRequest, field: "parentId")
            expectProblem(try await api.send(.patch, "/v1/admin/departments/\(support)", token: admin,
                                             json: #"{"parentId":"\#(UUID())"}"#), .unprocessableContent, field: "parentId")
        }
    }

    @Test("a department in use is not deleted (409) unless reassigned; reassigned, its people, roles and conversations move")
    func deleteDepartments() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("tools-delete")
            let other = try await api.tenant("tools-delete-other")
            let admin = try await api.token("admin", of: acme)
            let (afterSales, sales) = (acme.departments["afterSales"]!, acme.departments["sales"]!)
            expectProblem(try await api.send(.delete, "/v1/admin/departments/\(sales)", token: admin), .conflict)
            expectProblem(try await api.send(.delete, "/v1/admin/departments/\(afterSales)", token: admin), .conflict)  // has support below
            expectProblem(try await api.send(.delete, "/v1/admin/departments/\(sales)?reassignTo=\(sales)", token: admin),
                          .unprocessableContent, field: "query.reassignTo")
            expectProblem(try await api.send(.delete, "/v1/admin/departments/\(sales)?reassignTo=\(other.departments["sales"]!)", token: admin),
                          .unprocessableContent, field: "query.reassignTo")
            expectProblem(try await api.send(.delete, "/v1/admin/departments/\(sales)?reassignTo=nope", token: admin),
                          .badRequest, field: "query.reassignTo")
            expectProblem(try await api.send(.delete, "/v1/admin/departments/\(other.departments["sales"]!)", token: admin), .notFound)
            #expect(try await api.count("departments WHERE tenant_id = '\(acme.tenantID.uuidString.lowercased())'") == 3)

            #expect(try await api.send(.delete, "/v1/admin/departments/\(sales)?reassignTo=\(afterSales)", token: admin).status == .noContent)
            #expect(try await api.count("departments WHERE tenant_id = '\(acme.tenantID.uuidString.lowercased())'") == 2)
            // The sales conversation (and its messages) now belong to after-sales: its supervisor sees them.
            let supervisor = try await api.token("supervisor", of: acme)
            let salesConversation = acme.conversations["sales"]!
            #expect(try await api.send(.get, "/v1/conversations/\(salesConversation)/messages", token: supervisor).items.count == 2)
            let user = try await api.send(.get, "/v1/admin/users/\(acme.users["salesAgent"]!)", token: admin)
            #expect((user["departmentIds"] as? [String])?.map { $0.lowercased() } == [afterSales.uuidString.lowercased()])
            let roles = try await api.send(.get, "/v1/admin/roles", token: admin)
            #expect((roles.items.first?["departmentIds"] as? [String])?.map { $0.lowercased() } == [afterSales.uuidString.lowercased()])
            let events = try await api.send(.get, "/v1/admin/audit-events?targetId=\(sales)&action=department.deleted", token: admin)
            #expect(events.items.count == 1)
        }
    }

    @Test("custom roles: edited (users see by it at once), deleted only when no one holds it")
    func customRoles() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("tools-roles")
            let other = try await api.tenant("tools-roles-other")
            let admin = try await api.token("admin", of: acme)
            let roleID = try #require(try await api.send(.get, "/v1/admin/roles", token: admin).items.first?["id"] as? String)
            let analyst = try await api.token("analyst", of: acme)
            expectProblem(try await api.send(.get, "/v1/conversations/\(acme.conversations["support"]!)", token: analyst), .notFound)
            let edited = try await api.send(.patch, "/v1/admin/roles/\(roleID)", token: admin,
                                            json: #"{"name":"Support analyst","departmentIds":["\#(acme.departments["support"]!)"],"permissions":[]}"#)
            #expect(edited.status == .ok && edited["name"] as? String == "Support analyst")
            #expect(try await api.send(.get, "/v1/conversations/\(acme.conversations["support"]!)", token: analyst).status == .ok)
            expectProblem(try await api.send(.patch, "/v1/admin/roles/\(roleID)", token: admin, json: #"{"permissions":["fly"]}"#),
                          .unprocessableContent, field: "permissions[0]")
            expectProblem(try await api.send(.patch, "/v1/admin/roles/\(roleID)", token: admin, json: #"{"departmentIds":["\#(UUID())"]}"#),
                          .unprocessableContent, field: "departmentIds")
            expectProblem(try await api.send(.delete, "/v1/admin/roles/\(roleID)", token: admin), .conflict)
            let spare = try await api.send(.post, "/v1/admin/roles", token: admin, json: #"{"name":"Spare","departmentIds":[]}"#)
            let spareID = try #require(spare["id"] as? String)
            expectProblem(try await api.send(.patch, "/v1/admin/roles/\(spareID)", token: admin, json: #"{"name":"Support analyst"}"#), .conflict)
            #expect(try await api.send(.delete, "/v1/admin/roles/\(spareID)", token: admin).status == .noContent)
            let otherRole = try #require(try await api.send(.get, "/v1/admin/roles", token: try await api.token("admin", of: other)).items.first?["id"] as? String)
            expectProblem(try await api.send(.delete, "/v1/admin/roles/\(otherRole)", token: admin), .notFound)
            expectProblem(try await api.send(.patch, "/v1/admin/roles/\(otherRole)", token: admin, json: #"{"name":"x"}"#), .notFound)
        }
    }

    @Test("tags renamed and recoloured; a taken name is 409, a bad colour 422")
    func renameTags() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("tools-tags")
            let admin = try await api.token("admin", of: acme)
            let tag = try await api.send(.post, "/v1/admin/tags", token: admin, json: ##"{"name":"VIP","color":"#e5484d"}"##)
            let id = try #require(tag["id"] as? String)
            _ = try await api.send(.post, "/v1/admin/tags", token: admin, json: #"{"name":"Refund"}"#)
            let renamed = try await api.send(.patch, "/v1/admin/tags/\(id)", token: admin, json: #"{"name":"大客户","color":null}"#)
            #expect(renamed.status == .ok && renamed["name"] as? String == "大客户" && renamed["color"] == nil)
            expectProblem(try await api.send(.patch, "/v1/admin/tags/\(id)", token: admin, json: #"{"name":"Refund"}"#), .conflict)
            expectProblem(try await api.send(.patch, "/v1/admin/tags/\(id)", token: admin, json: #"{"color":"red"}"#),
                          .unprocessableContent, field: "color")
            expectProblem(try await api.send(.patch, "/v1/admin/tags/\(UUID())", token: admin, json: #"{"name":"x"}"#), .notFound)
            expectProblem(try await api.send(.patch, "/v1/admin/tags/\(id)", token: try await api.token("agentA", of: acme), json: #"{"name":"x"}"#),
                          .forbidden)
        }
    }

    @Test("a conversation's transfers are visible to whoever sees it; an ended one reopens, once")
    func transfersAndReopen() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("tools-conversations")
            let admin = try await api.token("admin", of: acme)
            let id = acme.conversations["afterSales"]!
            #expect(try await api.send(.post, "/v1/conversations/\(id)/transfer", token: admin,
                                       json: #"{"toAgentId":"\#(acme.users["agentB"]!)"}"#).status == .ok)
            let agentA = try await api.token("agentA", of: acme)  // took part before the transfer
            let transfers = try await api.send(.get, "/v1/conversations/\(id)/transfers", token: agentA)
            #expect(transfers.status == .ok && transfers.items.count == 1)
            #expect((transfers.items.first?["fromAgentId"] as? String)?.lowercased() == acme.users["agentA"]!.uuidString.lowercased())
            #expect((transfers.items.first?["toAgentId"] as? String)?.lowercased() == acme.users["agentB"]!.uuidString.lowercased())
            expectProblem(try await api.send(.get, "/v1/conversations/\(id)/transfers", token: try await api.token("salesAgent", of: acme)),
                          .notFound)
            expectProblem(try await api.send(.post, "/v1/conversations/\(id)/reopen", token: admin), .conflict)  // still ongoing
            #expect(try await api.send(.post, "/v1/conversations/\(id)/end", token: admin).status == .ok)
            // Someone who cannot see it cannot reopen it, and it stays ended.
            expectProblem(try await api.send(.post, "/v1/conversations/\(id)/reopen", token: try await api.token("salesAgent", of: acme)),
                          .notFound)
            #expect(try await api.send(.get, "/v1/conversations/\(id)", token: admin)["status"] as? String == "ended")
            #expect(try await api.send(.post, "/v1/conversations/\(id)/reopen", token: admin).status == .ok)
            #expect(try await api.send(.post, "/v1/conversations/\(id)/end", token: admin).status == .ok)
            let reopened = try await api.send(.post, "/v1/conversations/\(id)/reopen", token: admin)
            #expect(reopened.status == .ok && reopened["status"] as? String == "ongoing" && reopened["endedAt"] == nil)
            expectProblem(try await api.send(.post, "/v1/conversations/\(UUID())/reopen", token: admin), .notFound)
            let other = try await api.tenant("tools-conversations-other")
            expectProblem(try await api.send(.get, "/v1/conversations/\(other.conversations["sales"]!)/transfers", token: admin), .notFound)
        }
    }

    @Test("customers browse without q: newest first, by tag, a page at a time")
    func browseCustomers() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("tools-customers")
            let admin = try await api.token("admin", of: acme)
            let first = try await api.send(.get, "/v1/customers?limit=2", token: admin)
            #expect(first.status == .ok && first.items.count == 2)
            let cursor = try #require(first["nextCursor"] as? String)
            let second = try await api.send(.get, "/v1/customers?limit=2&cursor=\(cursor)", token: admin)
            #expect(second.items.count == 1 && second["nextCursor"] == nil)
            let all = first.ids + second.ids
            #expect(Set(all).count == 3)
            let tag = try #require(try await api.send(.post, "/v1/admin/tags", token: admin, json: #"{"name":"VIP"}"#)["id"] as? String)
            #expect(try await api.send(.put, "/v1/customers/\(all[2])/tags", token: admin, json: #"{"tagIds":["\#(tag)"]}"#).status == .ok)
            #expect(try await api.send(.get, "/v1/customers?tagId=\(tag)", token: admin).ids == [all[2]])
            expectProblem(try await api.send(.get, "/v1/customers?tagId=nope", token: admin), .badRequest, field: "query.tagId")
            expectProblem(try await api.send(.get, "/v1/customers?q=%20", token: admin), .badRequest, field: "query.q")
            expectProblem(try await api.send(.get, "/v1/customers"), .unauthorized)
        }
    }

    @Test("agents and supervisors get 403 on every new admin route, and nothing changes")
    func adminOnly() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("tools-guard")
            let roleID = try #require(try await api.send(.get, "/v1/admin/roles", token: try await api.token("admin", of: acme)).items.first?["id"] as? String)
            for user in ["agentA", "supervisor", "analyst"] {
                let token = try await api.token(user, of: acme)
                expectProblem(try await api.send(.patch, "/v1/admin/departments/\(acme.departments["sales"]!)", token: token, json: #"{"name":"x"}"#), .forbidden)
                expectProblem(try await api.send(.delete, "/v1/admin/departments/\(acme.departments["sales"]!)", token: token), .forbidden)
                expectProblem(try await api.send(.patch, "/v1/admin/roles/\(roleID)", token: token, json: #"{"name":"x"}"#), .forbidden)
                expectProblem(try await api.send(.delete, "/v1/admin/roles/\(roleID)", token: token), .forbidden)
            }
            #expect(try await api.count("departments WHERE name = 'x'") == 0)
            #expect(try await api.count("roles WHERE tenant_id = '\(acme.tenantID.uuidString.lowercased())'") == 1)
        }
    }
}

extension AdminToolsTests {
    @Test("another tenant's departments, roles, tags and customers are unknown to every change route, and stay untouched")
    func otherTenantsIDs() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("tools-theirs")
            let other = try await api.tenant("tools-theirs-other")
            let admin = try await api.token("admin", of: acme)
            let otherAdmin = try await api.token("admin", of: other)
            let theirRole = try #require(try await api.send(.get, "/v1/admin/roles", token: otherAdmin).items.first?["id"] as? String)
            let theirTag = try #require(try await api.send(.post, "/v1/admin/tags", token: otherAdmin, json: #"{"name":"theirs"}"#)["id"] as? String)
            let theirCustomer = try #require((try await api.send(.get, "/v1/conversations/\(other.conversations["sales"]!)", token: otherAdmin)["customer"]
                as? [String: Any])?["id"] as? String)
            let routes: [(HTTPRequest.Method, String, String?)] = [
                (.patch, "/v1/admin/departments/\(other.departments["sales"]!)", #"{"name":"mine"}"#),
                (.patch, "/v1/admin/roles/\(theirRole)", #"{"name":"mine"}"#),
                (.patch, "/v1/admin/tags/\(theirTag)", #"{"name":"mine"}"#),
                (.get, "/v1/admin/users/\(other.users["admin"]!)", nil),
                (.delete, "/v1/admin/users/\(other.users["admin"]!)/two-step", nil),
                (.post, "/v1/admin/customers/\(theirCustomer)/split", #"{"channel":"web","externalId":"x"}"#),
            ]
            for (method, path, body) in routes {
                expectProblem(try await api.send(method, path, token: admin, json: body), .notFound)
            }
            let names = try await api.db.superuserRows("""
                SELECT (SELECT name FROM departments WHERE id = '\(other.departments["sales"]!.uuidString.lowercased())'),
                       (SELECT name FROM tags WHERE id = '\(theirTag)')
                """)
            let (department, tag) = try names[0].decode((String, String).self)
            #expect(department == "Sales" && tag == "theirs")
        }
    }
}
