import Domain
import Foundation
import Logging
import ServiceLifecycle
import Store
import TestSupport
import Testing
@testable import Worker

/// The audit sealer as `parley worker` runs it: against the real database, its waits on a
/// stepped clock. Events written while it waits are sealed in the next round, in one chain
/// per tenant, and the chains verify.
@Suite("Audit sealing")
struct AuditSealServiceTests {
    static let key = AuditChainKey(secret: Array("audit-seal-service-test-key-0123456789".utf8))

    @Test("each round seals every tenant's waiting events into its own chain; between rounds new ones wait")
    func sealsRoundByRound() async throws {
        try await TestDatabase.with { db in
            let acme = try await TenantFixture.make(in: db, slug: "seal-acme")
            let globex = try await TenantFixture.make(in: db, slug: "seal-globex")
            func unsealed(_ fixture: TenantFixture) async throws -> Int {
                try await db.count("audit_events WHERE tenant_id = '\(fixture.tenantID.uuidString.lowercased())' AND chain_position IS NULL")
            }
            let (waitingAcme, waitingGlobex) = (try await unsealed(acme), try await unsealed(globex))
            #expect(waitingAcme > 0 && waitingGlobex > 0)
            let waits = SteppedClock()
            var settings = AuditSealService.Settings()
            settings.waits = waits
            settings.eventsPerBatch = 3  // several batches per tenant in one round
            let service = AuditSealService(database: db.database, key: Self.key, settings: settings, logger: TestDatabase.logger)
            let group = ServiceGroup(configuration: .init(services: [service], logger: TestDatabase.logger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                for _ in 0..<500 where waits.sleeps < 1 { try await Task.sleep(for: .milliseconds(10)) }
                #expect(waits.sleeps == 1)
                let (leftAcme, leftGlobex) = (try await unsealed(acme), try await unsealed(globex))
                #expect(leftAcme == 0 && leftGlobex == 0)
                // An event written while the service waits stays unsealed until the next round.
                try await db.database.withScope(.tenant(acme.tenantID)) { tx in
                    try await AuditLog(tx, tenantID: acme.tenantID)
                        .record(actor: nil, action: "test.later", targetType: "tenant", targetID: nil)
                }
                try await Task.sleep(for: .milliseconds(200))
                #expect(try await unsealed(acme) == 1)
                waits.advance(by: settings.pollInterval)
                for _ in 0..<500 where waits.sleeps < 2 { try await Task.sleep(for: .milliseconds(10)) }
                #expect(try await unsealed(acme) == 0)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            let verifier = AuditChainVerifier(database: db.database, key: Self.key)
            for fixture in [acme, globex] {
                let report = try await verifier.verify(tenantID: fixture.tenantID)
                #expect(report.intact && report.unsealed == 0 && report.checked > 0, "\(report.problems)")
            }
        }
    }
}
