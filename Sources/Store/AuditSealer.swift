import Foundation
import Logging
import PostgresNIO

/// Links unsealed audit events into their tenant's hash chain (sql/0021). The only writer
/// of a chain: each tenant's batch is one transaction that holds the tenant's head row,
/// so two workers sealing at once queue rather than fork the chain, and a worker killed
/// mid-batch leaves the batch unsealed for the next one.
public struct AuditSealer: Sendable {
    let database: Database
    let key: AuditChainKey

    public init(database: Database, key: AuditChainKey) {
        self.database = database
        self.key = key
    }

    /// Tenants with events waiting to be sealed (the worker's scope sees only unsealed events).
    public func tenantsWithUnsealedEvents(limit: Int) async throws -> [UUID] {
        try await database.withScope(.worker) { tx in
            try await tx.query("""
                SELECT DISTINCT tenant_id FROM audit_events WHERE chain_position IS NULL LIMIT \(limit)
                """).decode(UUID.self).all()
        }
    }

    /// Seals up to `limit` of the tenant's oldest unsealed events, in the order they
    /// happened; answers how many. An event that commits late (a long request) is sealed
    /// after events that happened later: positions are the chain's order, times are facts.
    @discardableResult
    public func seal(tenantID: UUID, limit: Int) async throws -> Int {
        try await database.withScope(.tenant(tenantID)) { tx in
            try await tx.execute("""
                INSERT INTO audit_chain_heads (tenant_id, chain_position, hash, sealed_at)
                VALUES (\(tenantID), 0, \(ByteBuffer(bytes: AuditChain.genesisHash)), \(tx.clock.now()))
                ON CONFLICT (tenant_id) DO NOTHING
                """)
            guard let (headPosition, headHash) = try await tx.query("""
                SELECT chain_position, hash FROM audit_chain_heads WHERE tenant_id = \(tenantID) FOR UPDATE
                """).decode((Int64, ByteBuffer).self).all().first else { return 0 }
            let events = try await tx.query("""
                SELECT \(unescaped: AuditChainEvent.columns) FROM audit_events
                WHERE tenant_id = \(tenantID) AND chain_position IS NULL
                ORDER BY occurred_at, id
                LIMIT \(limit)
                """).decode(AuditChainEvent.Row.self).all().map { AuditChainEvent($0, tenantID: tenantID) }
            guard !events.isEmpty else { return 0 }

            var position = headPosition, previous = Array(headHash.readableBytesView)
            var ids: [UUID] = [], positions: [Int64] = [], previousHashes: [ByteBuffer] = [], hashes: [ByteBuffer] = []
            for event in events {
                position += 1
                let hash = key.hash(event, position: position, previousHash: previous)
                ids.append(event.id)
                positions.append(position)
                previousHashes.append(ByteBuffer(bytes: previous))
                hashes.append(ByteBuffer(bytes: hash))
                previous = hash
            }
            let sealed = try await tx.query("""
                UPDATE audit_events a
                SET chain_position = s.position, previous_hash = s.previous_hash, hash = s.hash
                FROM unnest(\(ids)::uuid[], \(positions)::bigint[], \(previousHashes)::bytea[], \(hashes)::bytea[])
                     AS s(id, position, previous_hash, hash)
                WHERE a.tenant_id = \(tenantID) AND a.id = s.id AND a.chain_position IS NULL
                RETURNING a.id
                """).decode(UUID.self).all().count
            // The head lock makes this impossible; if it ever happens, nothing is written.
            guard sealed == events.count else { throw AuditChainFork(tenantID: tenantID) }
            try await tx.execute("""
                UPDATE audit_chain_heads
                SET chain_position = \(position), hash = \(ByteBuffer(bytes: previous)), sealed_at = \(tx.clock.now())
                WHERE tenant_id = \(tenantID)
                """)
            return sealed
        }
    }
}

/// Another writer sealed some of the events this batch meant to: the batch is rolled back.
public struct AuditChainFork: Error, CustomStringConvertible {
    public let tenantID: UUID
    public var description: String { "audit events of tenant \(tenantID.uuidString.lowercased()) were sealed by another writer" }
}
