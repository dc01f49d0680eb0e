import Foundation
import HTTPTypes
import TestSupport
import Testing

/// Input crafted to reach the database in a shape it cannot take: always a 4xx, never a 500.
@Suite("Hostile input")
struct HostileInputTests {
    @Test("a well-formed cursor pointing outside any representable time is a 400")
    func outOfRangeCursor() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let admin = try await api.token("admin", of: acme)
            func cursor(_ micros: String) -> String {
                Data("\(micros).\(UUID().uuidString.lowercased())".utf8).base64EncodedString()
                    .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            }
            for micros in ["9223372036854775807", "-9223372036854775808", "-1", "253402300800000000"] {
                for path in ["/v1/conversations", "/v1/search/messages?q=x&", "/v1/attachments",
                             "/v1/conversations/\(acme.conversations["sales"]!)/messages"] {
                    let separator = path.hasSuffix("&") ? "" : "?"
                    expectProblem(try await api.send(.get, "\(path)\(separator)cursor=\(cursor(micros))", token: admin), .badRequest, field: "query.cursor")
                }
            }
        }
    }

    @Test("NUL characters in query strings and JSON bodies are refused")
    func nulCharacters() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let admin = try await api.token("admin", of: acme)
            for path in ["/v1/customers?q=a%00b", "/v1/conversations?customerName=a%00b", "/v1/search/messages?q=a%00b"] {
                expectProblem(try await api.send(.get, path, token: admin), .badRequest)
            }
            expectProblem(try await api.send(.post, "/v1/auth/login", json: #"{"tenant":"\#(acme.slug)","email":"a\u0000@\#(acme.slug).test","password":"x"}"#), .badRequest)
            let before = try await api.count("customers")
            let attributes = #"{"conversationExternalId":"n","messageExternalId":"n1","customer":{"externalId":"n","attributes":{"k":"v\u0000"}},"sentAt":"\#(TestTimes.sentAt())","senderSide":"customer","kind":"text","text":"hi"}"#
            expectProblem(try await api.send(.post, "/v1/ingest/messages", token: acme.apiKey, json: batch([attributes])), .badRequest)
            #expect(try await api.count("customers") == before)
            // An escaped backslash followed by u0000 is ordinary text.
            let literal = #"{"conversationExternalId":"n","messageExternalId":"n2","customer":{"externalId":"n"},"sentAt":"\#(TestTimes.sentAt())","senderSide":"customer","kind":"text","text":"path C:\\u0000"}"#
            #expect(try await api.send(.post, "/v1/ingest/messages", token: acme.apiKey, json: batch([literal])).status == .ok)
        }
    }

    @Test("another tenant's ids in bodies are refused: custom roles, departments, tags")
    func foreignIDsInBodies() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let other = try await api.tenant("other")
            let admin = try await api.token("admin", of: acme)
            let theirRole = try #require(try await api.send(.get, "/v1/admin/roles", token: try await api.token("admin", of: other)).ids.first)
            let theirTag = try #require(try await api.send(.post, "/v1/admin/tags", token: try await api.token("admin", of: other),
                                                           json: #"{"name":"theirs"}"#)["id"] as? String)
            expectProblem(try await api.send(.post, "/v1/admin/users", token: admin,
                                             json: #"{"email":"\#(acme.email("r"))","displayName":"R","role":"agent","password":"a long password","customRoleId":"\#(theirRole)"}"#),
                          .unprocessableContent, field: "customRoleId")
            expectProblem(try await api.send(.patch, "/v1/admin/users/\(acme.users["agentA"]!)", token: admin, json: #"{"customRoleId":"\#(theirRole)"}"#),
                          .unprocessableContent, field: "customRoleId")
            expectProblem(try await api.send(.post, "/v1/admin/roles", token: admin,
                                             json: #"{"name":"R","departmentIds":["\#(other.departments["sales"]!)"]}"#), .unprocessableContent, field: "departmentIds")
            var item = ingestItem(message: "dept")
            item.removeLast()
            expectProblem(try await api.send(.post, "/v1/ingest/messages", token: acme.apiKey,
                                             json: batch([item + #","departmentId":"\#(other.departments["sales"]!)"}"#])),
                          .unprocessableContent, field: "messages[0].departmentId")
            let customer = try #require(try await api.send(.get, "/v1/customers?q=Customer%20\(acme.customerExternalID("sales"))", token: admin).ids.first)
            expectProblem(try await api.send(.put, "/v1/customers/\(customer)/tags", token: admin, json: #"{"tagIds":["\#(theirTag)"]}"#),
                          .unprocessableContent, field: "tagIds[0]")
        }
    }

    @Test("a phone filter takes the full number or the masked form only (contacts are encrypted)")
    func maskedPhoneFilter() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            _ = try await acme.ingestConversation(in: api.db, externalID: "p", customer: "phone-person", phone: "13812341234",
                                                  agent: acme.users["agentA"]!, department: nil, at: Date())
            let agent = try await api.token("agentA", of: acme)
            #expect(try await api.send(.get, "/v1/conversations?customerPhone=138****1234", token: agent).items.count == 1)
            #expect(try await api.send(.get, "/v1/conversations?customerPhone=13812341234", token: agent).items.count == 1)
            for probe in ["1380xxx1234", "138****123*", "*", "138xxxxxxxx"] {
                expectProblem(try await api.send(.get, "/v1/conversations?customerPhone=\(probe)", token: agent), .badRequest, field: "query.customerPhone")
            }
            let admin = try await api.token("admin", of: acme)
            #expect(try await api.send(.get, "/v1/conversations?customerPhone=\("+86 138****1234".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)", token: admin).items.count == 1)
            #expect(try await api.send(.get, "/v1/conversations?customerPhone=\("+86 138 1234 1234".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)", token: admin).items.count == 1)
            expectProblem(try await api.send(.get, "/v1/conversations?customerPhone=1381xxx1234", token: admin), .badRequest,
                          field: "query.customerPhone")
        }
    }
}
