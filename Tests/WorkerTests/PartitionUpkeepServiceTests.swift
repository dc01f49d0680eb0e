import Domain
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Store
import TestSupport
import Testing
import Worker

@Suite("Partition upkeep")
struct PartitionUpkeepServiceTests {
    /// The month partitions of `messages` that exist, by name.
    static func partitions(_ db: TestDatabase) async throws -> Set<String> {
        let rows = try await db.superuserRows("""
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'public.messages'::regclass
            """)
        return Set(try rows.map { try $0.decode(String.self) })
    }

    @Test("the service, run against the database with its clock in 2031, creates that month and three ahead, and stops on shutdown")
    func createsMonthsAheadOfItsClock() async throws {
        try await TestDatabase.with { db in
            let fixed = ISO8601DateFormatter().date(from: "2031-11-15T12:00:00Z")!
            let expected: Set<String> = ["messages_2031_11", "messages_2031_12", "messages_2032_01", "messages_2032_02"]
            #expect(try await Self.partitions(db).isDisjoint(with: expected))

            let service = PartitionUpkeepService(
                maintenance: PartitionMaintenance(client: db.client), clock: Clock(now: { fixed }),
                monthsAhead: 3, interval: .milliseconds(50), logger: TestDatabase.logger)
            let group = ServiceGroup(configuration: .init(services: [service], logger: TestDatabase.logger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                // Two rounds at least: a second one over existing partitions must succeed too.
                var found: Set<String> = []
                for _ in 0..<100 where !found.isSuperset(of: expected) {
                    try await Task.sleep(for: .milliseconds(100))
                    found = try await Self.partitions(db)
                }
                try await Task.sleep(for: .milliseconds(150))
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                #expect(found.isSuperset(of: expected), "partitions: \(found.sorted())")
                #expect(!found.contains("messages_2032_03"))
            }
        }
    }

    @Test("a round reports the partitions it ensured, this month and the months ahead, across a year's end")
    func oneRound() async throws {
        try await TestDatabase.with { db in
            let december = ISO8601DateFormatter().date(from: "2030-12-31T23:59:59Z")!
            let names = try await PartitionMaintenance(client: db.client)
                .ensureAhead(from: december, monthsAhead: 2, logger: TestDatabase.logger)
            #expect(names == ["messages_2030_12", "messages_2031_01", "messages_2031_02"])
        }
    }

    @Test("a month retention emptied is detached and dropped; one with a row, recent months and months ahead stay; a late message brings a dropped month back")
    func dropsEmptyOldMonths() async throws {
        try await TestDatabase.with { db in
            let fixture = try await TenantFixture.make(in: db, slug: "drops")
            let tenant = fixture.tenantID.uuidString.lowercased()
            let conversation = fixture.conversations["sales"]!.uuidString.lowercased()
            _ = try await db.superuserRows("SELECT ensure_message_partition('2019-01-15'), ensure_message_partition('2019-02-15')")
            _ = try await db.superuserRows("""
                INSERT INTO messages (tenant_id, id, created_at, conversation_id, channel, kind, sender_side, body, external_id)
                VALUES ('\(tenant)', gen_random_uuid(), '2019-02-10T08:00:00Z', '\(conversation)', 'web', 'text', 'customer', 'old', 'old-1')
                """)
            let now = Date()
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            func name(monthsFromNow offset: Int) -> String {
                let month = calendar.date(byAdding: .month, value: offset, to: now)!
                let parts = calendar.dateComponents([.year, .month], from: month)
                return String(format: "messages_%04d_%02d", parts.year!, parts.month!)
            }
            // The migration made two years of (here empty) months back; the upkeep made months ahead.
            #expect(try await Self.partitions(db).isSuperset(of: [name(monthsFromNow: -6), name(monthsFromNow: -1), name(monthsFromNow: 2)]))

            let service = PartitionUpkeepService(maintenance: PartitionMaintenance(client: db.client), monthsAhead: 3,
                                                 interval: .milliseconds(50), dropEvery: .zero, logger: TestDatabase.logger)
            let group = ServiceGroup(configuration: .init(services: [service], logger: TestDatabase.logger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                var found = try await Self.partitions(db)
                for _ in 0..<100 where found.contains("messages_2019_01") || found.contains(name(monthsFromNow: -6)) {
                    try await Task.sleep(for: .milliseconds(100))
                    found = try await Self.partitions(db)
                }
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                #expect(!found.contains("messages_2019_01") && !found.contains(name(monthsFromNow: -6)), "partitions: \(found.sorted())")
                #expect(found.contains("messages_2019_02"), "a month with a row stays")
                #expect(found.isSuperset(of: [name(monthsFromNow: -2), name(monthsFromNow: -1), name(monthsFromNow: 0), name(monthsFromNow: 3)]),
                        "recent months and months ahead stay: \(found.sorted())")
            }
            #expect(try await db.superuserRows("SELECT count(*)::int FROM messages WHERE external_id = 'old-1'")[0].decode(Int.self) == 1)

            // Once its last row is gone, the month goes too; the function refuses recent months itself.
            _ = try await db.superuserRows("DELETE FROM messages WHERE tenant_id = '\(tenant)' AND external_id = 'old-1'")
            #expect(try await PartitionMaintenance(client: db.client).dropEmpty(now: now, logger: TestDatabase.logger) == ["messages_2019_02"])
            await #expect(throws: (any Error).self) {
                _ = try await db.superuserRows("SELECT drop_message_partition_if_empty(now() - interval '1 month')")
            }
            // A late message for a dropped month: ingestion creates the month again.
            let late = ISO8601DateFormatter().date(from: "2019-01-20T09:00:00Z")!
            _ = try await fixture.ingestConversation(in: db, externalID: "late", customer: "late-customer", agent: fixture.users["agentA"]!,
                                                     department: nil, at: late)
            #expect(try await Self.partitions(db).contains("messages_2019_01"))
        }
    }
}
