import API
import Foundation
import HTTPTypes
import TestSupport
import Testing
import Yams

/// The HTTP rules every route shares: how queries, bodies, methods, ids, dates and
/// credentials are read, as `openapi.yaml` states them.
@Suite("HTTP rules")
struct HTTPRulesTests {
    @Test("impossible date-times are refused, naming the field, in bodies and in every time filter; lower-case t and z are valid")
    func strictDateTimes() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let token = try await api.token("admin", of: acme)
            let before = try await api.count("messages")
            for bad in ["2024-02-30T10:00:00Z", "2025-02-29T10:00:00Z", "2026-11-01T24:00:00Z", "2026-11-01T10:60:00Z",
                        "2026-11-01T10:00:60Z", "2026-11-01T10:00:00+25:00", "2026-11-01T10:00:00+99:99",
                        "2026-11-01T10:00:00+00:60", "2026-11-01 10:00:00Z", "2026-11-01T10:00:00", "2026-13-01T10:00:00Z"] {
                let reply = try await api.send(.post, "/v1/ingest/messages", token: acme.apiKey,
                                               json: batch([ingestItem(message: "m-\(bad)", sentAt: bad)]))
                expectProblem(reply, .badRequest, field: "messages[0].sentAt")
                let encoded = bad.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                expectProblem(try await api.send(.get, "/v1/conversations?from=\(encoded)", token: token), .badRequest, field: "query.from")
                expectProblem(try await api.send(.get, "/v1/attachments?to=\(encoded)", token: token), .badRequest, field: "query.to")
            }
            #expect(try await api.count("messages") == before)
            let lower = try await api.send(.post, "/v1/ingest/messages", token: acme.apiKey,
                                           json: batch([ingestItem(message: "m-lower", sentAt: "2024-02-29t23:30:00.5+08:00")]))
            #expect(lower.status == .ok)
            let stored = try #require(try await api.db.superuserRows("SELECT created_at FROM messages WHERE external_id = 'm-lower'").first)
            #expect(try stored.decode(Date.self) == ISO8601DateFormatter().date(from: "2024-02-29T15:30:00Z")!.addingTimeInterval(0.5))
            #expect(try await api.send(.get, "/v1/conversations?from=2024-02-29t00:00:00z", token: token).status == .ok)
        }
    }

    @Test("every id in an answer is lower-case, so a message's senderId matches its agent's id")
    func lowerCaseIDs() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let token = try await api.token("admin", of: acme)
            let id = acme.conversations["afterSales"]!
            let uppercase = try #require(try Regex("[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}"))
            for uri in ["/v1/conversations", "/v1/conversations/\(id)", "/v1/conversations/\(id)/messages", "/v1/me",
                        "/v1/search/messages?q=refund", "/v1/admin/users", "/v1/admin/departments"] {
                let reply = try await api.send(.get, uri, token: token)
                #expect(reply.status == .ok, "\(uri)")
                let text = String(decoding: reply.body, as: UTF8.self)
                #expect(text.firstMatch(of: uppercase) == nil, "\(uri): \(text.prefix(300))")
            }
            let transcript = try await api.send(.get, "/v1/conversations/\(id.uuidString.lowercased())/messages", token: token)
            let agentMessage = try #require(transcript.items.first { $0["senderSide"] as? String == "agent" })
            #expect(agentMessage["senderId"] as? String == acme.users["agentA"]!.uuidString.lowercased())
        }
    }

    @Test("'+' in a query is a space, and malformed percent-encoding is a 400 naming the parameter")
    func formEncodedQueries() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let token = try await api.token("admin", of: acme)
            _ = try await api.send(.post, "/v1/ingest/messages", token: acme.apiKey,
                                   json: batch([ingestItem(conversation: "c-tom", message: "m-tom", text: "Tom Baker says it was not received")]))
            for q in ["Tom+Baker", "not+received", "Tom%20Baker", "not%2Breceived+"] {
                let hits = try await api.send(.get, "/v1/search/messages?q=\(q)&mode=exact", token: token)
                #expect(hits.status == .ok)
                #expect(hits.items.count == (q == "not%2Breceived+" ? 0 : 1), "q=\(q)")
            }
            for bad in ["q=%ZZ", "q=%E4%B8", "q=abc%", "channel=%zz"] {
                expectProblem(try await api.send(.get, "/v1/search/messages?\(bad)", token: token), .badRequest,
                              field: "query.\(bad.split(separator: "=")[0])")
            }
        }
    }

    @Test("without valid credentials every route answers 401 first, whatever is wrong with its input")
    func authenticationFirst() async throws {
        let specURL = TestDatabase.sqlDirectory.deletingLastPathComponent().appendingPathComponent("openapi/openapi.yaml")
        let spec = try #require(try Yams.load(yaml: String(contentsOf: specURL, encoding: .utf8)) as? [String: Any])
        let paths = try #require(spec["paths"] as? [String: Any])
        var guarded: [(method: String, path: String)] = []
        for (path, item) in paths {
            for (method, operation) in item as? [String: Any] ?? [:] {
                guard let operation = operation as? [String: Any],
                      (operation["security"] as? [Any])?.isEmpty != true else { continue }  // public routes
                guarded.append((method, path))
            }
        }
        #expect(guarded.count > 40)
        try await APIHarness.with { [guarded] api in
            for (method, path) in guarded {
                do {
                    let uri = path.replacingOccurrences(of: #"\{[^}]+\}"#, with: "not-a-uuid", options: .regularExpression)
                        + "?cursor=zzz&limit=0&from=yesterday&q=%ZZ"
                    for token in [nil, "forged.token.value"] {
                        let reply = try await api.send(HTTPRequest.Method(method.uppercased())!, uri, token: token,
                                                       raw: Data("{not json".utf8), contentType: "text/plain")
                        expectProblem(reply, .unauthorized)
                        #expect(reply.headers[.wwwAuthenticate] == "Bearer", "\(method) \(path)")
                    }
                }
            }
        }
    }

    @Test("a method a path does not serve is 405 with Allow; HEAD answers like GET without a body")
    func methods() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let token = try await api.token("admin", of: acme)
            let patch = try await api.send(.patch, "/v1/conversations", token: token)
            expectProblem(patch, .methodNotAllowed)
            #expect(patch.headers[.allow] == "GET, HEAD")
            let delete = try await api.send(.delete, "/healthz")
            expectProblem(delete, .methodNotAllowed)
            let star = try await api.send(.post, "/v1/conversations/\(acme.conversations["sales"]!)/star", token: token)
            expectProblem(star, .methodNotAllowed)
            #expect(star.headers[.allow] == "PUT, DELETE")
            for method in ["TRACE", "PROPFIND", "OPTIONS", "QUERY", "PURGE"] {
                let other = try await api.send(HTTPRequest.Method(method)!, "/v1/conversations/\(acme.conversations["sales"]!)", token: token)
                expectProblem(other, .methodNotAllowed)
                #expect(other.headers[.allow] == "GET, HEAD, DELETE", "\(method)")
            }
            let head = try await api.send(.head, "/v1/conversations", token: token)
            #expect(head.status == .ok)
            #expect(head.body.isEmpty)
            #expect(head.headers[.contentType] == "application/json")
            expectProblem(try await api.send(.head, "/v1/conversations"), .unauthorized)
            #expect(try await api.send(.get, "/v1/nowhere", token: token).status == .notFound)
        }
    }

    @Test("only application/json (with parameters) is a JSON body")
    func contentType() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let token = try await api.token("admin", of: acme)
            for type in ["application/jsonfoo", "application/json-seq", "text/json", "application/x-www-form-urlencoded"] {
                expectProblem(try await api.send(.post, "/v1/admin/tags", token: token, json: #"{"name":"a"}"#, contentType: type),
                              .unsupportedMediaType)
            }
            for (index, type) in ["application/json; charset=utf-8", "Application/JSON", "application/json ;charset=UTF-8"].enumerated() {
                let reply = try await api.send(.post, "/v1/admin/tags", token: token, json: #"{"name":"t\#(index)"}"#, contentType: type)
                #expect(reply.status == .created, "\(type)")
            }
        }
    }

    @Test("NUL anywhere, a fraction in a whole number, and null in a member read but not nullable: 400 naming the member, nothing written; null in ignored members is ignored")
    func bodyRules() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let admin = try await api.token("admin", of: acme)
            let before = try await api.count("messages")
            let nulInUnknown = #"{"messages":[\#(ingestItem(message: "m-1").dropLast()),"extra":{"note":"a\u0000b"}}]}"#
            expectProblem(try await api.send(.post, "/v1/ingest/messages", token: acme.apiKey, json: nulInUnknown),
                          .badRequest, field: "messages[0].extra.note")
            let nulInKey = #"{"messages":[\#(ingestItem(message: "m-1").dropLast()),"a\u0000":1}]}"#
            expectProblem(try await api.send(.post, "/v1/ingest/messages", token: acme.apiKey, json: nulInKey),
                          .badRequest, field: "messages[0].a\u{0}")
            let fraction = #"{"messages":[\#(ingestItem(message: "m-2", kind: "file", text: nil).dropLast()),"attachment":{"url":"https://x.example/f","sizeBytes":1.5}}]}"#
            expectProblem(try await api.send(.post, "/v1/ingest/messages", token: acme.apiKey, json: fraction),
                          .badRequest, field: "messages[0].attachment.sizeBytes")
            let huge = fraction.replacingOccurrences(of: "1.5", with: "1e30")
            expectProblem(try await api.send(.post, "/v1/ingest/messages", token: acme.apiKey, json: huge),
                          .badRequest, field: "messages[0].attachment.sizeBytes")
            let nullName = batch([ingestItem(message: "m-3")]).replacingOccurrences(of: #""name":"客户 cust-1""#, with: #""name":null"#)
            expectProblem(try await api.send(.post, "/v1/ingest/messages", token: acme.apiKey, json: nullName),
                          .badRequest, field: "messages[0].customer.name")
            let nullAttachmentName = #"{"messages":[\#(ingestItem(message: "m-4", kind: "file", text: nil).dropLast()),"attachment":{"url":"https://x.example/f","name":null}}]}"#
            expectProblem(try await api.send(.post, "/v1/ingest/messages", token: acme.apiKey, json: nullAttachmentName),
                          .badRequest, field: "messages[0].attachment.name")
            #expect(try await api.count("messages") == before)
            // null in members the server does not read is ignored, like the members themselves.
            let nullUnknown = #"{"messages":[\#(ingestItem(message: "m-5").dropLast()),"extra":null,"more":{"deep":[null]}}],"x":null}"#
            #expect(try await api.send(.post, "/v1/ingest/messages", token: acme.apiKey, json: nullUnknown).status == .ok)
            #expect(try await api.send(.patch, "/v1/admin/users/\(acme.users["agentA"]!)", token: admin,
                                       json: #"{"customRoleId":null,"o":["x",null]}"#).status == .ok)
            expectProblem(try await api.send(.patch, "/v1/admin/users/\(acme.users["agentA"]!)", token: admin, json: #"{"displayName":null}"#),
                          .badRequest, field: "displayName")
            // Where the contract says null clears, it does.
            let id = acme.conversations["sales"]!
            _ = try await api.send(.put, "/v1/conversations/\(id)/rating", token: admin, json: #"{"satisfaction":"good"}"#)
            let cleared = try await api.send(.put, "/v1/conversations/\(id)/rating", token: admin, json: #"{"satisfaction":null}"#)
            #expect(cleared.status == .ok)
            #expect(cleared["satisfaction"] == nil)
            // "null" inside a string is text, not a null.
            let tag = try await api.send(.post, "/v1/admin/tags", token: admin, json: #"{"name":"null"}"#)
            #expect(tag.status == .created)
        }
    }

    @Test("lengths are counted in code points, as the contract's maxLength is")
    func codePointLengths() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("acme")
            let token = try await api.token("admin", of: acme)
            // "é" written as e + combining accent: one grapheme, two code points.
            let decomposed = String(repeating: "e\u{301}", count: 101)  // 101 graphemes, 202 code points
            let encoded = decomposed.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            expectProblem(try await api.send(.get, "/v1/search/messages?q=\(encoded)", token: token), .badRequest, field: "query.q")
            let fits = String(repeating: "e\u{301}", count: 100).addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            #expect(try await api.send(.get, "/v1/search/messages?q=\(fits)", token: token).status == .ok)
            expectProblem(try await api.send(.post, "/v1/admin/tags", token: token, json: #"{"name":"\#(String(repeating: "e\u{301}", count: 26))"}"#),
                          .unprocessableContent, field: "name")
        }
    }
}
