import Domain
import Foundation
import PostgresNIO
import Store
import TestSupport
import Synchronization
import Testing

/// The audit trail's hash chain (sql/0021): sealed in order, verified, and every kind of
/// tampering with the database's own rights found at its position.
@Suite("Audit hash chain")
struct AuditChainTests {
    static let key = AuditChainKey(secret: Array("audit-chain-test-key-0123456789abcdef".utf8))

    /// `count` events for the tenant's admin, sealed; answers the fixture.
    private func sealedTrail(_ db: TestDatabase, slug: String, count: Int) async throws -> TenantFixture {
        let acme = try await TenantFixture.make(in: db, slug: slug)
        try await record(db, acme, count: count)
        let sealer = AuditSealer(database: db.database, key: Self.key)
        while try await sealer.seal(tenantID: acme.tenantID, limit: 7) > 0 {}
        return acme
    }

    private func record(_ db: TestDatabase, _ fixture: TenantFixture, count: Int) async throws {
        for index in 0..<count {
            try await db.database.withScope(.tenant(fixture.tenantID)) { tx in
                try await AuditLog(tx, tenantID: fixture.tenantID).record(
                    actor: fixture.users["admin"], action: "test.event", targetType: "tenant", targetID: nil,
                    details: ["n": String(index)])
            }
        }
    }

    private func verify(_ db: TestDatabase, _ fixture: TenantFixture) async throws -> AuditChainReport {
        try await AuditChainVerifier(database: db.database, key: Self.key, pageSize: 4).verify(tenantID: fixture.tenantID)
    }

    /// The event id at a chain position (as superuser).
    private func event(at position: Int, _ db: TestDatabase, _ fixture: TenantFixture) async throws -> String {
        try await db.superuserRows("""
            SELECT id::text FROM audit_events WHERE tenant_id = '\(lower(fixture.tenantID))' AND chain_position = \(position)
            """)[0].decode(String.self)
    }

    @Test("sealed events form one chain, positions 1…n without a gap, and it verifies")
    func sealsAndVerifies() async throws {
        try await TestDatabase.with { db in
            let acme = try await sealedTrail(db, slug: "chain-ok", count: 10)
            let report = try await verify(db, acme)
            // The fixture's own directory changes are on record too.
            let total = try await db.count("audit_events WHERE tenant_id = '\(lower(acme.tenantID))'")
            #expect(report.intact, "\(report.problems)")
            #expect(report.checked == total && report.unsealed == 0 && report.headPosition == Int64(total))
            let positions = try await db.superuserRows("""
                SELECT chain_position FROM audit_events WHERE tenant_id = '\(lower(acme.tenantID))' ORDER BY chain_position
                """).map { try $0.decode(Int64.self) }
            #expect(positions == Array(1...Int64(total)))
            // New events wait unsealed and are counted as such, not as part of the chain.
            try await record(db, acme, count: 2)
            let later = try await verify(db, acme)
            #expect(later.intact && later.unsealed == 2 && later.checked == total)
            // A wrong key finds every event wrong.
            let forged = try await AuditChainVerifier(database: db.database, key: AuditChainKey(secret: Array("another key of 32 characters or more".utf8)))
                .verify(tenantID: acme.tenantID)
            #expect(forged.problems.filter { $0.kind == .edited }.count == total)
        }
    }

    @Test("an edited event is found at its position, and only there")
    func edited() async throws {
        try await TestDatabase.with { db in
            let acme = try await sealedTrail(db, slug: "chain-edit", count: 10)
            let id = try await event(at: 5, db, acme)
            _ = try await db.superuserRows("UPDATE audit_events SET details = '{\"n\": \"changed\"}' WHERE id = '\(id)'")
            #expect(try await verify(db, acme).problems == [AuditChainProblem(position: 5, kind: .edited)])
        }
    }

    @Test("a deleted event is found as a missing position; the newest deleted leaves the head pointing past the end")
    func deleted() async throws {
        try await TestDatabase.with { db in
            let acme = try await sealedTrail(db, slug: "chain-delete", count: 10)
            _ = try await db.superuserRows("DELETE FROM audit_events WHERE id = '\(try await event(at: 6, db, acme))'")
            #expect(try await verify(db, acme).problems == [AuditChainProblem(position: 6, kind: .missing)])
            let head = try await verify(db, acme).headPosition
            _ = try await db.superuserRows("DELETE FROM audit_events WHERE id = '\(try await event(at: Int(head), db, acme))'")
            #expect(try await verify(db, acme).problems == [AuditChainProblem(position: 6, kind: .missing),
                                                            AuditChainProblem(position: head, kind: .missing)])
        }
    }

    @Test("a deleted event with the later ones renumbered to close the gap is found where the chain breaks")
    func deletedAndRenumbered() async throws {
        try await TestDatabase.with { db in
            let acme = try await sealedTrail(db, slug: "chain-renumber", count: 10)
            let tenant = lower(acme.tenantID)
            _ = try await db.superuserRows("DELETE FROM audit_events WHERE id = '\(try await event(at: 4, db, acme))'")
            _ = try await db.superuserRows("UPDATE audit_events SET chain_position = -chain_position WHERE tenant_id = '\(tenant)' AND chain_position > 4")
            _ = try await db.superuserRows("UPDATE audit_events SET chain_position = -chain_position - 1 WHERE tenant_id = '\(tenant)' AND chain_position < 0")
            let problems = try await verify(db, acme).problems
            #expect(problems.first == AuditChainProblem(position: 4, kind: .outOfPlace), "\(problems)")
        }
    }

    @Test("an event inserted with a made-up hash is found, whether at the end or in the middle")
    func inserted() async throws {
        try await TestDatabase.with { db in
            let acme = try await sealedTrail(db, slug: "chain-insert", count: 10)
            let tenant = lower(acme.tenantID)
            let head = try await verify(db, acme).headPosition
            _ = try await db.superuserRows("""
                INSERT INTO audit_events (tenant_id, id, action, target_type, occurred_at, chain_position, previous_hash, hash)
                SELECT tenant_id, gen_random_uuid(), 'forged', 'tenant', now(), chain_position + 1, hash, sha256(hash)
                FROM audit_events WHERE tenant_id = '\(tenant)' AND chain_position = \(head)
                """)
            #expect(try await verify(db, acme).problems == [AuditChainProblem(position: head + 1, kind: .edited),
                                                            AuditChainProblem(position: head + 1, kind: .beyondHead)])
            // In the middle: the later events moved up one to make room.
            _ = try await db.superuserRows("DELETE FROM audit_events WHERE tenant_id = '\(tenant)' AND action = 'forged'")
            _ = try await db.superuserRows("UPDATE audit_events SET chain_position = -chain_position WHERE tenant_id = '\(tenant)' AND chain_position >= 3")
            _ = try await db.superuserRows("UPDATE audit_events SET chain_position = -chain_position + 1 WHERE tenant_id = '\(tenant)' AND chain_position < 0")
            _ = try await db.superuserRows("""
                INSERT INTO audit_events (tenant_id, id, action, target_type, occurred_at, chain_position, previous_hash, hash)
                SELECT tenant_id, gen_random_uuid(), 'forged', 'tenant', now(), 3, hash, sha256(hash)
                FROM audit_events WHERE tenant_id = '\(tenant)' AND chain_position = 2
                """)
            let problems = try await verify(db, acme).problems
            #expect(problems.first == AuditChainProblem(position: 3, kind: .edited), "\(problems)")
            #expect(problems.contains(AuditChainProblem(position: 4, kind: .outOfPlace)))
        }
    }

    @Test("two events swapped are found at both positions, and at the link after them")
    func swapped() async throws {
        try await TestDatabase.with { db in
            let acme = try await sealedTrail(db, slug: "chain-swap", count: 10)
            let (third, fourth) = (try await event(at: 3, db, acme), try await event(at: 4, db, acme))
            _ = try await db.superuserRows("UPDATE audit_events SET chain_position = -1 WHERE id = '\(third)'")
            _ = try await db.superuserRows("UPDATE audit_events SET chain_position = 3 WHERE id = '\(fourth)'")
            _ = try await db.superuserRows("UPDATE audit_events SET chain_position = 4 WHERE id = '\(third)'")
            let problems = try await verify(db, acme).problems
            #expect(Set(problems.map(\.position)) == [3, 4, 5], "\(problems)")
            #expect(problems.contains(AuditChainProblem(position: 3, kind: .outOfPlace)))
        }
    }

    @Test("writers and two sealers at once keep one chain: every event sealed once, no position twice or skipped")
    func concurrentWritersAndSealers() async throws {
        try await TestDatabase.with { db in
            let acme = try await TenantFixture.make(in: db, slug: "chain-race")
            let done = Flag()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask { try await record(db, acme, count: 25) }
                }
                for _ in 0..<2 {
                    group.addTask {
                        let sealer = AuditSealer(database: db.database, key: Self.key)
                        while !done.isSet { try await sealer.seal(tenantID: acme.tenantID, limit: 5) }
                    }
                }
                try await Task.sleep(for: .milliseconds(10))
                for _ in 0..<4 { try await group.next() }
                done.set()
                try await group.waitForAll()
            }
            while try await AuditSealer(database: db.database, key: Self.key).seal(tenantID: acme.tenantID, limit: 50) > 0 {}
            let report = try await verify(db, acme)
            let total = try await db.count("audit_events WHERE tenant_id = '\(lower(acme.tenantID))'")
            #expect(report.intact, "\(report.problems)")
            #expect(report.checked == total && report.headPosition == Int64(total) && total >= 100)
        }
    }

    @Test("the service role cannot change, delete or reseal an event; it may seal only unsealed ones")
    func appendOnlyForTheService() async throws {
        try await TestDatabase.with { db in
            let acme = try await sealedTrail(db, slug: "chain-grants", count: 3)
            let id = try await event(at: 2, db, acme)
            for statement in ["UPDATE audit_events SET action = 'nothing' WHERE id = '\(id)'",
                              "UPDATE audit_events SET details = '{}' WHERE id = '\(id)'",
                              "DELETE FROM audit_events WHERE id = '\(id)'"] {
                await #expect(throws: (any Error).self, "\(statement)") {
                    try await db.database.withScope(.tenant(acme.tenantID)) { tx in
                        try await tx.connection.query(PostgresQuery(unsafeSQL: statement), logger: TestDatabase.logger).collect()
                    }
                }
            }
            // The seal's own columns of a sealed event: the policy leaves no row to update.
            let resealed = try await db.database.withScope(.tenant(acme.tenantID)) { tx in
                try await tx.connection.query(PostgresQuery(unsafeSQL: """
                    UPDATE audit_events SET hash = '\\x00', chain_position = 99 WHERE id = '\(id)' RETURNING id
                    """), logger: TestDatabase.logger).collect().count
            }
            #expect(resealed == 0)
            // Nor may it append an event that claims a place in the chain.
            await #expect(throws: (any Error).self) {
                try await db.database.withScope(.tenant(acme.tenantID)) { tx in
                    try await tx.connection.query(PostgresQuery(unsafeSQL: """
                        INSERT INTO audit_events (tenant_id, id, action, target_type, occurred_at, chain_position)
                        VALUES ('\(lower(acme.tenantID))', gen_random_uuid(), 'forged', 'tenant', now(), 50)
                        """), logger: TestDatabase.logger).collect()
                }
            }
            #expect(try await verify(db, acme).intact)
        }
    }
}

private func lower(_ id: UUID) -> String { id.uuidString.lowercased() }

/// Set once, read from any task.
private final class Flag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}
