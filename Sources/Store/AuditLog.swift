import Domain
import Foundation
import PostgresNIO

/// Appends to the tenant's access audit (PRODUCT.md §6): who viewed, exported,
/// deleted or restored what, and when. Written in the request's own transaction, so
/// an action and its audit record commit or vanish together.
public struct AuditLog: Sendable {
    let tx: Transaction
    let tenantID: UUID

    public init(_ tx: Transaction, tenantID: UUID) {
        self.tx = tx
        self.tenantID = tenantID
    }

    /// - Parameter details: a JSON object of what else is worth knowing (never a secret).
    public func record(actor: UUID?, action: String, targetType: String, targetID: UUID?, details: [String: String] = [:]) async throws {
        let detailsJSON = String(decoding: try JSONEncoder().encode(details), as: UTF8.self)
        try await tx.execute("""
            INSERT INTO audit_events (tenant_id, id, actor_id, action, target_type, target_id, details, occurred_at)
            VALUES (\(tenantID), \(tx.ids.make()), \(actor), \(action), \(targetType), \(targetID), \(detailsJSON)::jsonb, \(tx.clock.now()))
            """)
    }
}

public struct AuditEventRecord: Sendable, Equatable {
    public let id: UUID
    public let actorID: UUID?
    public let action: String
    public let targetType: String
    public let targetID: UUID?
    public let occurredAt: Date
}

extension AuditLog {
    /// The tenant's audit trail, newest first, optionally narrowed to a target, an actor or an action.
    public func events(targetID: UUID?, actorID: UUID?, action: String?, after cursor: KeysetCursor?, limit: Int) async throws -> Page<AuditEventRecord> {
        let rows = try await tx.query("""
            SELECT id, actor_id, action, target_type, target_id, occurred_at FROM audit_events
            WHERE tenant_id = \(tenantID)
              AND (\(targetID)::uuid IS NULL OR target_id = \(targetID))
              AND (\(actorID)::uuid IS NULL OR actor_id = \(actorID))
              AND (\(action)::text IS NULL OR action = \(action))
              AND (\(cursor?.microseconds)::bigint IS NULL OR (occurred_at, id) <
                   (timestamptz 'epoch' + \(cursor?.microseconds)::bigint * interval '1 microsecond', \(cursor?.id)))
            ORDER BY occurred_at DESC, id DESC
            LIMIT \(limit + 1)
            """)
        let events = try await rows.decode((UUID, UUID?, String, String, UUID?, Date).self).all().map(AuditEventRecord.init)
        return ConversationRepository.page(events, limit: limit) { KeysetCursor(time: $0.occurredAt, id: $0.id) }
    }
}
