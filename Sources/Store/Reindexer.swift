import Domain
import Foundation
import Logging
import PostgresNIO
import Search

/// Rewrites message search vectors made by an older tokenizer (`search_version` below
/// `Tokenizer.version`), tenant by tenant, in small transactions. Stopping it loses
/// at most one batch; running it again carries on, because rows already rewritten
/// carry the current version and are skipped.
public struct Reindexer: Sendable {
    let database: Database
    let batchSize: Int

    public init(database: Database, batchSize: Int = 1_000) {
        self.database = database
        self.batchSize = batchSize
    }

    public struct Progress: Sendable, Equatable {
        public var tenants = 0
        public var rewritten = 0
        public init(tenants: Int = 0, rewritten: Int = 0) {
            self.tenants = tenants
            self.rewritten = rewritten
        }
    }

    @discardableResult
    public func run(logger: Logger, report: @Sendable (Progress) -> Void = { _ in }) async throws -> Progress {
        let tenants = try await database.withScope(.platformOperator, logger: logger) { tx in
            try await tx.query("SELECT id FROM tenants ORDER BY id").decode(UUID.self).all()
        }
        var progress = Progress()
        for tenantID in tenants {
            var cursor: (Date, UUID)?
            while true {
                let (rewritten, last) = try await database.withScope(.tenant(tenantID), logger: logger) { tx in
                    try await rewriteBatch(tenantID: tenantID, after: cursor, tx: tx)
                }
                progress.rewritten += rewritten
                guard let last else { break }
                cursor = last
                report(progress)
            }
            progress.tenants += 1
            report(progress)
        }
        return progress
    }

    /// One batch, in key order. Returns how many rows were rewritten and where the batch ended.
    private func rewriteBatch(tenantID: UUID, after cursor: (Date, UUID)?, tx: Transaction) async throws -> (Int, (Date, UUID)?) {
        let rows = try await tx.query("""
            SELECT id, created_at, coalesce(body, ''), search_version IS NOT DISTINCT FROM \(Tokenizer.version)
            FROM messages
            WHERE tenant_id = \(tenantID)
              AND (\(cursor?.0)::timestamptz IS NULL OR (created_at, id) > (\(cursor?.0), \(cursor?.1)))
            ORDER BY created_at, id
            LIMIT \(batchSize)
            """).decode((UUID, Date, String, Bool).self).all()
        guard let last = rows.last else { return (0, nil) }
        let stale = rows.filter { !$0.3 }
        if !stale.isEmpty {
            try await tx.execute("""
                UPDATE messages m SET search_vector = v.vector::tsvector, search_version = \(Tokenizer.version)
                FROM unnest(\(stale.map(\.0))::uuid[], \(stale.map(\.1))::timestamptz[], \(stale.map { SearchVector.literal(for: $0.2) })::text[])
                     AS v(id, created_at, vector)
                WHERE m.tenant_id = \(tenantID) AND m.id = v.id AND m.created_at = v.created_at
                """)
        }
        return (stale.count, (last.1, last.0))
    }
}
