import Domain
import Foundation
import HTTPTypes
import Store
import TestSupport
import Testing

/// Statistics through HTTP over conversations with known times: per channel, per agent and
/// per day, in each caller's scope, as JSON and as CSV.
@Suite("Statistics")
struct StatisticsTests {
    /// Three web conversations two days ago (TestTimes.base): A (agentA, ended after 30 min,
    /// rated good), B (agentA, open), C (agentB, transferred to agentA, ended).
    static func seed(_ api: APIHarness, _ acme: TenantFixture) async throws -> (a: String, b: String, c: String) {
        let agentA = acme.users["agentA"]!, agentB = acme.users["agentB"]!
        let items = [
            ingestItem(conversation: "A", message: "a1", customer: "ca", sentAt: TestTimes.sentAt(minutes: 0)),
            ingestItem(conversation: "A", message: "a2", customer: "ca", sentAt: TestTimes.sentAt(minutes: 2), side: "agent", agentId: agentA),
            ingestItem(conversation: "A", message: "a3", customer: "ca", sentAt: TestTimes.sentAt(minutes: 3)),
            ingestItem(conversation: "A", message: "a4", customer: "ca", sentAt: TestTimes.sentAt(minutes: 5), side: "agent", agentId: agentA),
            ingestItem(conversation: "B", message: "b1", customer: "cb", sentAt: TestTimes.sentAt(minutes: 10)),
            ingestItem(conversation: "B", message: "b2", customer: "cb", sentAt: TestTimes.sentAt(minutes: 20), side: "agent", agentId: agentA),
            ingestItem(conversation: "C", message: "c1", customer: "cc", sentAt: TestTimes.sentAt(minutes: 1)),
            ingestItem(conversation: "C", message: "c2", customer: "cc", sentAt: TestTimes.sentAt(minutes: 4), side: "agent", agentId: agentB),
        ]
        let reply = try await api.send(.post, "/v1/ingest/messages", token: acme.apiKey, json: batch(items))
        #expect(reply["accepted"] as? Int == 8, "\(reply.json)")
        let admin = try await api.token("admin", of: acme)
        let from = RFC3339.format(TestTimes.base.addingTimeInterval(-3600))
        let listed = try await api.send(.get, "/v1/conversations?from=\(from)&limit=10", token: admin)
        var ids: [String: String] = [:]
        for item in listed.items {
            if let external = item["externalId"] as? String, let id = item["id"] as? String { ids[external] = id }
        }
        let (a, b, c) = (try #require(ids["A"]), try #require(ids["B"]), try #require(ids["C"]))
        #expect(try await api.send(.put, "/v1/conversations/\(a)/rating", token: admin, json: #"{"satisfaction":"good"}"#).status == .ok)
        #expect(try await api.send(.post, "/v1/conversations/\(c)/transfer", token: admin, json: #"{"toAgentId":"\#(agentA)"}"#).status == .ok)
        #expect(try await api.send(.post, "/v1/conversations/\(a)/end", token: admin).status == .ok)
        #expect(try await api.send(.post, "/v1/conversations/\(c)/end", token: admin).status == .ok)
        return (a, b, c)
    }

    static var range: String {
        "from=\(RFC3339.format(TestTimes.base.addingTimeInterval(-3600)))&to=\(RFC3339.format(TestTimes.base.addingTimeInterval(2 * 3600)))"
    }

    @Test("per channel, per agent and per day, with the documented definitions")
    func figures() async throws {
        // The server's clock stands 30 minutes after the first message: that is when A and C end.
        let clock = MovableClock(TestTimes.base.addingTimeInterval(30 * 60))
        try await APIHarness.with(clock: clock) { api in
            let acme = try await api.tenant("stats")
            _ = try await Self.seed(api, acme)
            let admin = try await api.token("admin", of: acme)

            let channels = try await api.send(.get, "/v1/stats/channels?\(Self.range)", token: admin)
            #expect(channels.status == .ok)
            let web = try #require(channels.items.first)
            #expect(channels.items.count == 1 && web["channel"] as? String == "web")
            #expect(web["conversations"] as? Int == 3 && web["messages"] as? Int == 8)
            #expect(web["ended"] as? Int == 2 && web["resolved"] as? Int == 1)
            #expect(web["resolutionRate"] as? Double == 0.3333)

            let agents = try await api.send(.get, "/v1/stats/agents?\(Self.range)", token: admin)
            let agentA = try #require(agents.items.first)
            #expect(agents.items.count == 1)
            #expect((agentA["agentId"] as? String)?.lowercased() == acme.users["agentA"]!.uuidString.lowercased())
            #expect(agentA["name"] as? String == "AgentA" && agentA["conversations"] as? Int == 3)
            #expect(agentA["messages"] as? Int == 3)  // agentA's own: two in A, one in B
            // First responses 120 s (A), 600 s (B), 180 s (C): mean 300, p90 516 (interpolated).
            #expect(agentA["averageFirstResponseSeconds"] as? Double == 300)
            #expect(agentA["p90FirstResponseSeconds"] as? Double == 516)
            // Handling: A 1800 s, C 1740 s.
            #expect(agentA["averageHandlingSeconds"] as? Double == 1770)
            let satisfaction = try #require(agentA["satisfaction"] as? [String: Int])
            #expect(satisfaction == ["good": 1, "neutral": 0, "bad": 0, "unrated": 2])

            let days = try await api.send(.get, "/v1/stats/daily?\(Self.range)", token: admin)
            #expect(days.items.count == 1)
            #expect(days.items.first?["day"] as? String == String(RFC3339.format(TestTimes.base).prefix(10)))
            #expect(days.items.first?["conversations"] as? Int == 3 && days.items.first?["resolved"] as? Int == 1)
            // Days without conversations are rows too (for charts).
            let week = try await api.send(.get, "/v1/stats/daily?from=\(RFC3339.format(TestTimes.base.addingTimeInterval(-5 * 86_400)))&to=\(RFC3339.format(TestTimes.base.addingTimeInterval(3600)))", token: admin)
            #expect(week.items.count == 6)
            #expect(week.items.compactMap { $0["conversations"] as? Int }.reduce(0, +) == 3)
        }
    }

    @Test("each caller counts only what they see: an agent their own, another tenant nothing")
    func scoped() async throws {
        let clock = MovableClock(TestTimes.base.addingTimeInterval(30 * 60))
        try await APIHarness.with(clock: clock) { api in
            let acme = try await api.tenant("stats-scope")
            _ = try await Self.seed(api, acme)
            let agentB = try await api.token("agentB", of: acme)  // took part in C only
            let seen = try await api.send(.get, "/v1/stats/channels?\(Self.range)", token: agentB)
            #expect(seen.items.first?["conversations"] as? Int == 1)
            let sales = try await api.send(.get, "/v1/stats/channels?\(Self.range)", token: try await api.token("salesAgent", of: acme))
            #expect(sales.items.isEmpty)
            let other = try await api.tenant("stats-other")
            let otherAdmin = try await api.token("admin", of: other)
            #expect(try await api.send(.get, "/v1/stats/agents?\(Self.range)", token: otherAdmin).items.isEmpty)
        }
    }

    @Test("format=csv is the same rows as a formula-safe CSV download")
    func csv() async throws {
        let clock = MovableClock(TestTimes.base.addingTimeInterval(30 * 60))
        try await APIHarness.with(clock: clock) { api in
            let acme = try await api.tenant("stats-csv")
            _ = try await Self.seed(api, acme)
            let admin = try await api.token("admin", of: acme)
            let reply = try await api.send(.get, "/v1/stats/agents?\(Self.range)&format=csv", token: admin)
            #expect(reply.status == .ok)
            #expect(reply.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(reply.headers[HTTPField.Name("Content-Disposition")!]?.contains("parley-stats-agents-") == true)
            let text = String(decoding: reply.body.dropFirst(3), as: UTF8.self)
            let lines = text.split(separator: "\r\n").map(String.init)
            #expect(lines.first == "agent_id,name,conversations,messages,average_first_response_seconds,p90_first_response_seconds,average_handling_seconds,good,neutral,bad,unrated")
            #expect(lines.count == 2)
            #expect(lines.last?.hasSuffix(",AgentA,3,3,300.0,516.0,1770.0,1,0,0,2") == true, "\(lines)")
            let channels = try await api.send(.get, "/v1/stats/channels?\(Self.range)&format=csv", token: admin)
            #expect(String(decoding: channels.body.dropFirst(3), as: UTF8.self).contains("web,3,8,2,1,0.3333"))
        }
    }

    @Test("bad ranges and formats are 400 naming the parameter; no token is 401")
    func badInput() async throws {
        try await APIHarness.with { api in
            let acme = try await api.tenant("stats-bad")
            let admin = try await api.token("admin", of: acme)
            for path in ["/v1/stats/channels", "/v1/stats/agents", "/v1/stats/daily"] {
                expectProblem(try await api.send(.get, "\(path)?from=yesterday", token: admin), .badRequest, field: "query.from")
                expectProblem(try await api.send(.get, "\(path)?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", token: admin),
                              .badRequest, field: "query.to")
                expectProblem(try await api.send(.get, "\(path)?from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", token: admin),
                              .badRequest, field: "query.to")
                expectProblem(try await api.send(.get, "\(path)?format=xml", token: admin), .badRequest, field: "query.format")
                expectProblem(try await api.send(.get, path), .unauthorized)
                // The default range: the last 30 days.
                let plain = try await api.send(.get, path, token: admin)
                #expect(plain.status == .ok && (plain["range"] as? [String: Any])?["from"] != nil)
            }
        }
    }
}
