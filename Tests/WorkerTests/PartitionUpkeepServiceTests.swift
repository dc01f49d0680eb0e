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
}
