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

    public func record(actor: UUID?, action: String, targetType: String, targetID: UUID?) async throws {
        try await tx.execute("""
            INSERT INTO audit_events (tenant_id, id, actor_id, action, target_type, target_id, occurred_at)
            VALUES (\(tenantID), \(tx.ids.make()), \(actor), \(action), \(targetType), \(targetID), \(tx.clock.now()))
            """)
    }
}
