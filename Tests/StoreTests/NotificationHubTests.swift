import Domain
import Foundation
import PostgresNIO
import Store
import TestSupport
import Testing

@Suite("Notification hub")
struct NotificationHubTests {
    /// Quick enough that a test of the fallback and of reconnection takes a second or two.
    static let timing = NotificationHub.Timing(tick: .milliseconds(20), fallbackInterval: .milliseconds(300),
                                               firstRetryDelay: .milliseconds(100))

    /// Runs `body` with a hub running against `db`, once it listens.
    static func withHub(_ db: TestDatabase, timing: NotificationHub.Timing = timing,
                        _ body: @escaping @Sendable (NotificationHub) async throws -> Void) async throws {
        let hub = NotificationHub(database: db.database, timing: timing, logger: TestDatabase.logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await hub.run() }
            defer { group.cancelAll() }
            try await until("the hub listens") { hub.isListening }
            try await body(hub)
        }
    }

    /// Polls `condition` every 20 ms for up to 10 s.
    static func until(_ what: String, _ condition: @Sendable () async throws -> Bool) async throws {
        for _ in 0..<500 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("timed out waiting until \(what)")
    }

    /// The backends of this test's database that last ran LISTEN (the hub's listener, nothing else does).
    static func listeners(_ db: TestDatabase) async throws -> [Int] {
        let own = db.applicationName.map { " AND application_name = '\($0)'" } ?? ""
        return try await db.superuserRows("""
            SELECT pid FROM pg_stat_activity
            WHERE datname = current_database() AND usename = 'parley_app' AND query ILIKE 'LISTEN%'\(own)
            """).map { try $0.decode(Int.self) }
    }

    /// NOTIFY as the service does, for `users` (in one transaction: delivered together at commit).
    static func notify(_ db: TestDatabase, _ users: [UUID]) async throws {
        _ = try await db.client.query("""
            SELECT pg_notify('parley_notifications', u) FROM unnest(\(users.map { $0.uuidString.lowercased() })::text[]) AS u
            """, logger: TestDatabase.logger).collect()
    }

    static func post(_ db: TestDatabase, _ fixture: TenantFixture, to user: String) async throws -> UUID {
        try await db.database.withScope(.tenant(fixture.tenantID)) { tx in
            try await NotificationRepository(tx, tenantID: fixture.tenantID).post(
                to: fixture.users[user]!, kind: "export.succeeded", title: "Export ready", body: "conversations.xlsx",
                link: "/v1/exports/1/download", subjectType: "export", subjectID: UUID())
        }
    }

    @Test("a posted notification wakes its recipient's waiter, not a colleague's, and only once committed")
    func wakesTheRightWaiter() async throws {
        try await TestDatabase.with { db in
            let acme = try await TenantFixture.make(in: db, slug: "acme")
            try await Self.withHub(db) { hub in
                let started = ContinuousClock.now
                async let agentA = hub.wait(for: acme.users["agentA"]!, timeout: .seconds(8))
                async let agentB = hub.wait(for: acme.users["agentB"]!, timeout: .milliseconds(1500))
                try await Self.until("both wait") { hub.waiterCount == 2 }

                // Rolled back: nothing is sent.
                struct Abandon: Error {}
                await #expect(throws: Abandon.self) {
                    try await db.database.withScope(.tenant(acme.tenantID)) { tx in
                        _ = try await NotificationRepository(tx, tenantID: acme.tenantID).post(
                            to: acme.users["agentA"]!, kind: "export.failed", title: "x", body: "", link: nil, subjectType: nil, subjectID: nil)
                        throw Abandon()
                    }
                }
                try await Task.sleep(for: .milliseconds(300))
                #expect(hub.waiterCount == 2, "a rolled-back post woke someone")

                _ = try await Self.post(db, acme, to: "agentA")
                #expect(await agentA)
                #expect(ContinuousClock.now - started < .seconds(6))
                #expect(await agentB == false)
                #expect(hub.waiterCount == 0)
            }
        }
    }

    @Test("a notification committed while a watch fetches is not lost: the watch looks again at once")
    func noLostWakeup() async throws {
        try await TestDatabase.with { db in
            let acme = try await TenantFixture.make(in: db, slug: "acme")
            try await Self.withHub(db) { hub in
                let agent = acme.principal("agentA")
                var fetches = 0
                let started = ContinuousClock.now
                let found = try await hub.watch(for: agent.userID, timeout: .seconds(20), until: { $0 > 0 }) {
                    let unread = try await db.database.withScope(.user(agent)) { tx in
                        try await NotificationRepository(tx, tenantID: acme.tenantID).unreadCount(for: agent.userID)
                    }
                    fetches += 1
                    if fetches == 1 {
                        // Posted after this fetch read and before the watch waits; its NOTIFY
                        // arrives in between (a waiter registered only to wait would miss it).
                        _ = try await Self.post(db, acme, to: "agentA")
                        try await Task.sleep(for: .milliseconds(300))
                    }
                    return unread
                }
                #expect(found == 1 && fetches == 2)
                #expect(ContinuousClock.now - started < .seconds(3))
            }
        }
    }

    @Test("2,000 waiters for different users share one listening connection; the notified wake, the rest time out")
    func manyWaitersOneConnection() async throws {
        try await TestDatabase.with { db in
            try await Self.withHub(db) { hub in
                let users = (0..<2000).map { _ in UUID() }
                let notified = Set(users.enumerated().filter { $0.offset % 2 == 0 }.map(\.element))
                try await withThrowingTaskGroup(of: (UUID, Bool).self) { group in
                    for user in users {
                        group.addTask { (user, await hub.wait(for: user, timeout: .seconds(4))) }
                    }
                    try await Self.until("all 2,000 wait") { hub.waiterCount == 2000 }
                    #expect(try await Self.listeners(db).count == 1)
                    try await Self.notify(db, Array(notified))
                    var woken = 0, timedOut = 0, wrong = 0
                    for try await (user, wasNotified) in group {
                        if wasNotified != notified.contains(user) { wrong += 1 }
                        if wasNotified { woken += 1 } else { timedOut += 1 }
                    }
                    #expect(wrong == 0 && woken == 1000 && timedOut == 1000, "\(wrong) woken wrongly, \(woken) woken")
                }
                #expect(hub.waiterCount == 0)
                #expect(try await Self.listeners(db).count == 1)
            }
        }
    }

    @Test("with the listening backend killed, waiters are woken to look for themselves, and the hub listens again")
    func fallbackAndReconnect() async throws {
        try await TestDatabase.with { db in
            let acme = try await TenantFixture.make(in: db, slug: "acme")
            // A slow first retry, so the time without a listener is long enough to see.
            var timing = Self.timing
            timing.firstRetryDelay = .seconds(3)
            try await Self.withHub(db, timing: timing) { hub in
                let first = try #require(try await Self.listeners(db).first)
                _ = try await db.superuserRows("SELECT pg_terminate_backend(\(first))")
                try await Self.until("the hub notices") { !hub.isListening }

                // Nobody listens: a waiter is woken by the fallback long before its timeout …
                let started = ContinuousClock.now
                #expect(await hub.wait(for: UUID(), timeout: .seconds(20)) == false)
                #expect(ContinuousClock.now - started < .seconds(2))

                // … and a watch finds a row whose NOTIFY nobody heard.
                let agent = acme.principal("agentA")
                let watchStarted = ContinuousClock.now
                async let found = hub.watch(for: agent.userID, timeout: .seconds(20), until: { $0 > 0 }) {
                    try await db.database.withScope(.user(agent)) { tx in
                        try await NotificationRepository(tx, tenantID: acme.tenantID).unreadCount(for: agent.userID)
                    }
                }
                try await Task.sleep(for: .milliseconds(100))
                _ = try await Self.post(db, acme, to: "agentA")
                #expect(try await found == 1)
                #expect(ContinuousClock.now - watchStarted < .seconds(2.5))
                #expect(!hub.isListening, "found only because the hub was back")

                // The hub listens again, on a new backend, and notifications wake waiters again.
                try await Self.until("the hub listens again") { hub.isListening }
                let now = try await Self.listeners(db)
                #expect(now.count == 1 && now.first != first)
                async let woken = hub.wait(for: agent.userID, timeout: .seconds(8))
                try await Self.until("it waits") { hub.waiterCount == 1 }
                _ = try await Self.post(db, acme, to: "agentA")
                #expect(await woken)
            }
        }
    }

    @Test("a waiter whose task is cancelled (its client went away) returns at once and is forgotten")
    func cancellation() async throws {
        try await TestDatabase.with { db in
            try await Self.withHub(db) { hub in
                let waiter = Task { await hub.wait(for: UUID(), timeout: .seconds(30)) }
                try await Self.until("it waits") { hub.waiterCount == 1 }
                let started = ContinuousClock.now
                waiter.cancel()
                #expect(await waiter.value == false)
                // Far below the 30 s timeout it would otherwise wait out; not a speed target (a
                // loaded 2-core machine running every suite at once took 7.4 s once).
                #expect(ContinuousClock.now - started < .seconds(20))
                #expect(hub.waiterCount == 0)
            }
        }
    }

    @Test("a hub that stops (graceful shutdown) answers every waiter at once, and later waits do not wait")
    func stopping() async throws {
        try await TestDatabase.with { db in
            let hub = NotificationHub(database: db.database, timing: Self.timing, logger: TestDatabase.logger)
            let running = Task { try await hub.run() }
            try await Self.until("the hub listens") { hub.isListening }
            let waiter = Task { await hub.wait(for: UUID(), timeout: .seconds(30)) }
            try await Self.until("it waits") { hub.waiterCount == 1 }
            let started = ContinuousClock.now
            running.cancel()
            try await running.value
            #expect(await waiter.value == false)
            #expect(await hub.wait(for: UUID(), timeout: .seconds(30)) == false)
            #expect(ContinuousClock.now - started < .seconds(2))
            #expect(hub.waiterCount == 0)
            try await Self.until("nobody listens") { try await Self.listeners(db).isEmpty }
        }
    }
}
