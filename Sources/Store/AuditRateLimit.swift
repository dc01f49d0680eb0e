import Foundation
import PostgresNIO

/// A per-user limit counted from the audit trail itself: at most `limit` events of `action`
/// by one actor in `window`. The events are written anyway, so the count costs one indexed
/// query (`audit_events_actor`) and holds on every replica alike, with no counter table.
public struct AuditRateLimit: Sendable {
    public let action: String
    public let limit: Int
    public let window: TimeInterval

    public init(action: String, limit: Int, window: TimeInterval) {
        self.action = action
        self.limit = limit
        self.window = window
    }

    /// `nil` while `actor` is under the limit; otherwise the seconds until the oldest counted
    /// event leaves the window (at least 1, for `Retry-After`).
    public func wait(for actor: UUID, in tx: Transaction, tenantID: UUID) async throws -> Int? {
        let now = tx.clock.now()
        let rows = try await tx.query("""
            SELECT count(*)::int, min(occurred_at) FROM audit_events
            WHERE tenant_id = \(tenantID) AND actor_id = \(actor) AND action = \(action)
              AND occurred_at > \(now.addingTimeInterval(-window))
            """).decode((Int, Date?).self).all()
        guard let (count, oldest) = rows.first, count >= limit, let oldest else { return nil }
        return max(1, Int(oldest.addingTimeInterval(window).timeIntervalSince(now).rounded(.up)))
    }
}
