import Domain
import Foundation
import Logging
import ServiceLifecycle
import Store
import TestSupport
import Testing
@testable import Worker

/// The recycle bin's purge against the real database with a moved clock: nothing before its
/// 30 days, then the conversation and its messages for good — except what a legal hold or the
/// tenant's floor keeps, which waits in the bin (a day between looks) until it may go.
@Suite("Recycle bin purge")
struct RecycleBinServiceTests {
    @Test("binned conversations are purged after 30 days, not before; holds and the compliance minimum keep theirs")
    func purgeAfterThirtyDays() async throws {
        try await TestDatabase.with { db in
            let clock = MovableClock()
            let database = db.database(clock: clock.clock)
            let acme = try await TenantFixture.make(in: db, slug: "bin")
            let held = acme.conversations["afterSales"]!
            let free = acme.conversations["support"]!
            let hold = try await database.withScope(.user(acme.principal("admin"))) { tx in
                try await LegalHoldRepository(tx, tenantID: acme.tenantID).place(.conversation(held), reason: "claim", by: acme.users["admin"]!)
            }
            try await database.withScope(.user(acme.principal("supervisor"))) { tx in
                let bin = RecycleBinRepository(tx, tenantID: acme.tenantID)
                _ = try await bin.bin(held, by: acme.users["supervisor"]!)
                _ = try await bin.bin(free, by: acme.users["supervisor"]!)
            }
            func left(_ id: UUID) async throws -> (conversations: Int, messages: Int, entries: Int) {
                let rows = try await db.superuserRows("""
                    SELECT (SELECT count(*) FROM conversations WHERE id = '\(id.uuidString.lowercased())')::int,
                           (SELECT count(*) FROM messages WHERE conversation_id = '\(id.uuidString.lowercased())')::int,
                           (SELECT count(*) FROM recycle_bin WHERE conversation_id = '\(id.uuidString.lowercased())')::int
                    """)
                let (conversations, messages, entries) = try rows[0].decode((Int, Int, Int).self)
                return (conversations, messages, entries)
            }
            let service = RecycleBinService(database: database, workerID: "bin-test", logger: TestDatabase.logger)

            clock.advance(days: 29)
            #expect(try await service.runRound().claimed == 0)
            #expect(try await left(free) == (1, 2, 1))

            clock.advance(days: 2)
            let round = try await service.runRound()
            #expect(round.claimed == 2 && round.purge.conversations == 1 && round.purge.messages == 2 && round.purge.kept == 1)
            #expect(try await left(free) == (0, 0, 0))
            #expect(try await left(held) == (1, 2, 1))
            // The kept one is looked at again a day later, not every round.
            #expect(try await service.runRound().claimed == 0)
            let audited = try await db.superuserRows("""
                SELECT count(*)::int FROM audit_events WHERE tenant_id = '\(acme.tenantID.uuidString.lowercased())' AND action = 'recycle_bin.purged'
                """)[0].decode(Int.self)
            #expect(audited == 1)

            // The hold released, a compliance minimum of 90 days now keeps it.
            _ = try await database.withScope(.user(acme.principal("admin"))) { tx in
                try await LegalHoldRepository(tx, tenantID: acme.tenantID).release(hold.id, reason: "settled", by: acme.users["admin"]!)
            }
            _ = try await database.withScope(.platformOperator) { tx in
                try await OperatorRepository(tx).changeTenant(tenantID: acme.tenantID, planCode: nil, timeZone: nil, complianceMinimumDays: .some(90))
            }
            clock.advance(days: 2)
            let floored = try await service.runRound()
            #expect(floored.claimed == 1 && floored.purge.conversations == 0 && floored.purge.kept == 1)
            #expect(try await left(held) == (1, 2, 1))

            clock.advance(days: 60)
            #expect(try await service.runRound().purge.conversations == 1)
            #expect(try await left(held) == (0, 0, 0))
        }
    }

    @Test("the running service waits on its injected clock: a due entry is purged at the next round, not before the wait is over")
    func waitsOnItsClock() async throws {
        try await TestDatabase.with { db in
            let clock = MovableClock()
            let database = db.database(clock: clock.clock)
            let acme = try await TenantFixture.make(in: db, slug: "bin-waits")
            let binned = acme.conversations["support"]!
            try await database.withScope(.user(acme.principal("supervisor"))) { tx in
                _ = try await RecycleBinRepository(tx, tenantID: acme.tenantID).bin(binned, by: acme.users["supervisor"]!)
            }
            func present() async throws -> Bool {
                try await db.superuserRows("SELECT count(*)::int FROM conversations WHERE id = '\(binned.uuidString.lowercased())'")[0]
                    .decode(Int.self) == 1
            }
            let waits = SteppedClock()
            var settings = RecycleBinService.Settings()
            settings.waits = waits
            let service = RecycleBinService(database: database, workerID: "bin-waits", settings: settings, logger: TestDatabase.logger)
            let group = ServiceGroup(configuration: .init(services: [service], logger: TestDatabase.logger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                // The first round finds nothing due and waits.
                for _ in 0..<200 where waits.sleeps < 1 { try await Task.sleep(for: .milliseconds(10)) }
                #expect(waits.sleeps == 1)
                // Thirty-one days on, but the service is still waiting: nothing happens…
                clock.advance(days: 31)
                try await Task.sleep(for: .milliseconds(300))
                #expect(try await present() && waits.sleeps == 1)
                // …until its wait is over: the next round purges.
                waits.advance(by: settings.pollInterval)
                for _ in 0..<200 where waits.sleeps < 2 { try await Task.sleep(for: .milliseconds(10)) }
                #expect(waits.sleeps == 2)
                #expect(!(try await present()))
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
    }
}
