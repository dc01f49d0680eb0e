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

    /// Appends one event, unsealed: the worker's `AuditSealService` links it into the
    /// tenant's hash chain within seconds (sql/0021). The client's address and user agent
    /// come from `RequestOrigin.current`, bound by the API for the whole request.
    /// - Parameter details: a JSON object of what else is worth knowing (never a secret).
    public func record(actor: UUID?, action: String, targetType: String, targetID: UUID?, details: [String: String] = [:]) async throws {
        let detailsJSON = String(decoding: try JSONEncoder().encode(details), as: UTF8.self)
        let origin = RequestOrigin.current
        try await tx.execute("""
            INSERT INTO audit_events (tenant_id, id, actor_id, action, target_type, target_id, details, occurred_at,
                                      client_address, user_agent)
            VALUES (\(tenantID), \(tx.ids.make()), \(actor), \(action), \(targetType), \(targetID), \(detailsJSON)::jsonb,
                    \(tx.clock.now()), \(origin?.clientAddress), \(origin?.userAgent))
            """)
    }
}

public struct AuditEventRecord: Sendable, Equatable {
    public let id: UUID
    public let actorID: UUID?
    public let action: String
    public let targetType: String
    public let targetID: UUID?
    public let details: [String: String]
    public let occurredAt: Date
    public let clientAddress: String?
    public let userAgent: String?
    /// The event's place in the tenant's hash chain; `nil` until the sealer links it.
    public let chainPosition: Int64?
}

/// Which audit events to list; every field narrows, `nil` does not.
public struct AuditEventFilter: Sendable {
    public var targetID: UUID?
    public var targetType: String?
    public var actorID: UUID?
    public var action: String?
    /// `occurredAt >= from` and `< to`.
    public var from: Date?
    public var to: Date?

    public init(targetID: UUID? = nil, targetType: String? = nil, actorID: UUID? = nil, action: String? = nil,
                from: Date? = nil, to: Date? = nil) {
        self.targetID = targetID
        self.targetType = targetType
        self.actorID = actorID
        self.action = action
        self.from = from
        self.to = to
    }
}

extension AuditLog {
    /// The tenant's audit trail, newest first, narrowed by `filter`.
    public func events(_ filter: AuditEventFilter, after cursor: KeysetCursor?, limit: Int) async throws -> Page<AuditEventRecord> {
        let rows = try await tx.query("""
            SELECT id, actor_id, action, target_type, target_id, details::text, occurred_at, client_address, user_agent,
                   chain_position
            FROM audit_events
            WHERE tenant_id = \(tenantID)
              AND (\(filter.targetID)::uuid IS NULL OR target_id = \(filter.targetID))
              AND (\(filter.targetType)::text IS NULL OR target_type = \(filter.targetType))
              AND (\(filter.actorID)::uuid IS NULL OR actor_id = \(filter.actorID))
              AND (\(filter.action)::text IS NULL OR action = \(filter.action))
              AND (\(filter.from)::timestamptz IS NULL OR occurred_at >= \(filter.from))
              AND (\(filter.to)::timestamptz IS NULL OR occurred_at < \(filter.to))
              AND (\(cursor?.microseconds)::bigint IS NULL OR (occurred_at, id) <
                   (timestamptz 'epoch' + \(cursor?.microseconds)::bigint * interval '1 microsecond', \(cursor?.id)))
            ORDER BY occurred_at DESC, id DESC
            LIMIT \(limit + 1)
            """)
        let events = try await rows.decode((UUID, UUID?, String, String, UUID?, String, Date, String?, String?, Int64?).self).all()
            .map { row in
                AuditEventRecord(
                    id: row.0, actorID: row.1, action: row.2, targetType: row.3, targetID: row.4,
                    details: (try? JSONDecoder().decode([String: String].self, from: Data(row.5.utf8))) ?? [:],
                    occurredAt: row.6, clientAddress: row.7, userAgent: row.8, chainPosition: row.9)
            }
        return ConversationRepository.page(events, limit: limit) { KeysetCursor(time: $0.occurredAt, id: $0.id) }
    }
}
