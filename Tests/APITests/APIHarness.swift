import API
import Domain
import Foundation
import HTTPTypes
import Hummingbird
import ObjectStorage
import HummingbirdTesting
import PostgresNIO
import Store
import TestSupport
import Testing

/// The API running in-process on a fresh database (or the shared one: see `TestDatabase`), and the small vocabulary tests speak.
struct APIHarness: Sendable {
    let db: TestDatabase
    let client: any TestClientProtocol
    /// This test's own hasher, so its count of password checks is this test's alone.
    let passwords: PasswordHasher
    /// Where this test's exports go; the worker a test runs writes to the same store.
    let objectStore: any ObjectStore

    static let operatorToken = "test-operator-token-0123456789abcdefghij"
    static let passwordHash = PasswordHasher(cost: 4).hashSynchronously(TenantFixture.password)
    static let maxBodyBytes = 256 * 1024
    static let jwtSecret = Array("test-jwt-secret-0123456789abcdefghijklmnop".utf8)
    static let contactLookupsPerHour = 10

    /// - Parameter objectStore: where exports go; a fresh folder (`file://`) by default.
    /// - Parameter clock: the server's clock, for tests that move time; the real one by default.
    static func with(objectStore: (any ObjectStore)? = nil, clock: MovableClock? = nil,
                     _ body: @escaping @Sendable (APIHarness) async throws -> Void) async throws {
        let store = try objectStore ?? FileObjectStore(root: FileManager.default.temporaryDirectory
            .appendingPathComponent("parley-test-exports-\(UUID().uuidString.lowercased())"))
        try await TestDatabase.with { db in
            var configuration = APIConfiguration(jwtSecret: jwtSecret, operatorToken: operatorToken,
                                                 bcryptCost: 4, maxBodyBytes: maxBodyBytes)
            // Tests name the client's address with X-Forwarded-For (in-process requests have none).
            configuration.trustForwardedFor = true
            configuration.contactLookupsPerHour = contactLookupsPerHour
            let passwords = PasswordHasher(cost: 4)
            let database = clock.map { db.database(clock: $0.clock) } ?? db.database
            let api = ParleyAPI(configuration: configuration, database: database, passwords: passwords, objectStore: store)
            let app = Application(router: api.buildRouter().router)
            // The notification hub runs as it does beside `parley serve`, for this test only.
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await api.notificationHub.run() }
                defer { group.cancelAll() }
                try await app.test(.router) { client in
                    try await body(APIHarness(db: db, client: client, passwords: passwords, objectStore: store))
                }
            }
        }
    }

    /// A tenant with departments, users and three conversations (see `TenantFixture`).
    func tenant(_ slug: String, plan: String = "enterprise") async throws -> TenantFixture {
        try await TenantFixture.make(in: db, slug: slug, plan: plan, passwordHash: Self.passwordHash)
    }

    struct Reply: Sendable {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let body: Data

        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:]
        }
        var items: [[String: Any]] { json["items"] as? [[String: Any]] ?? [] }
        var ids: [String] { items.compactMap { ($0["id"] as? String)?.lowercased() } }
        subscript(key: String) -> Any? { json[key] }
    }

    @discardableResult
    func send(_ method: HTTPRequest.Method, _ uri: String, token: String? = nil, json: String? = nil,
              raw: Data? = nil, contentType: String = "application/json", headers extra: HTTPFields = [:]) async throws -> Reply {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        let payload = raw ?? json.map { Data($0.utf8) }
        if payload != nil { headers[.contentType] = contentType }
        let response = try await client.executeRequest(
            uri: uri, method: method, headers: headers, body: payload.map { ByteBuffer(bytes: $0) })
        return Reply(status: response.status, headers: response.headers, body: Data(buffer: response.body))
    }

    /// Signs in one of the fixture's users and returns an access token.
    func token(_ user: String, of fixture: TenantFixture) async throws -> String {
        let reply = try await send(.post, "/v1/auth/login", json: Self.login(fixture.slug, fixture.email(user), TenantFixture.password))
        let token = try #require(reply["accessToken"] as? String, "sign-in of \(user) failed: \(reply.status)")
        return token
    }

    /// A sign-in body.
    static func login(_ tenant: String, _ email: String, _ password: String) -> String {
        #"{"tenant":"\#(tenant)","email":"\#(email)","password":"\#(password)"}"#
    }

    /// A slug for a tenant the test makes through the API (see `TestDatabase.slug`).
    func slug(_ base: String) -> String { db.slug(base) }

    /// Rows in a table across all tenants, seen past RLS (to prove nothing was written);
    /// on a shared database, across this test's tenants (see `TestDatabase.count`).
    func count(_ table: String) async throws -> Int {
        try await db.count(table)
    }
}

/// Checks an error reply is problem+json with the status (and offending field) expected.
func expectProblem(_ reply: APIHarness.Reply, _ status: HTTPResponse.Status, field: String? = nil,
                   sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(reply.status == status, "body: \(String(decoding: reply.body, as: UTF8.self))", sourceLocation: sourceLocation)
    #expect(reply.headers[.contentType] == "application/problem+json", sourceLocation: sourceLocation)
    #expect(reply["status"] as? Int == status.code, sourceLocation: sourceLocation)
    #expect(reply["title"] as? String != nil, sourceLocation: sourceLocation)
    if let field {
        #expect(reply["field"] as? String == field, "body: \(String(decoding: reply.body, as: UTF8.self))", sourceLocation: sourceLocation)
    }
}

/// A JSON ingestion message with sensible defaults; override what a test is about.
func ingestItem(conversation: String = "conv-1", message: String, customer: String = "cust-1", phone: String? = nil,
                sentAt: String = TestTimes.sentAt(), side: String = "customer", agentId: UUID? = nil,
                kind: String = "text", text: String? = "你好，我要退款") -> String {
    var fields = [
        #""conversationExternalId":"\#(conversation)""#,
        #""messageExternalId":"\#(message)""#,
        #""customer":{"externalId":"\#(customer)","name":"客户 \#(customer)"\#(phone.map { #","phone":"\#($0)""# } ?? "")}"#,
        #""sentAt":"\#(sentAt)""#,
        #""senderSide":"\#(side)""#,
        #""kind":"\#(kind)""#,
    ]
    if let agentId { fields.append(#""agentId":"\#(agentId.uuidString)""#) }
    if let text { fields.append(#""text":"\#(text)""#) }
    return "{" + fields.joined(separator: ",") + "}"
}

/// Send times for ingestion fixtures, from the clock: two days ago at 10:00 UTC, plus what a
/// test adds. Fixed dates drift out of windows as the calendar moves (a fixture of 2026-11-01
/// sat on the trial plan's 30-day edge a month later).
enum TestTimes {
    static let base: Date = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let today = calendar.startOfDay(for: Date())
        return today.addingTimeInterval(-2 * 86_400 + 10 * 3_600)
    }()

    static func sentAt(days: Int = 0, minutes: Int = 0) -> String {
        RFC3339.format(base.addingTimeInterval(Double(days) * 86_400 + Double(minutes) * 60))
    }
}

func batch(_ items: [String]) -> String { #"{"messages":[\#(items.joined(separator: ","))]}"# }
