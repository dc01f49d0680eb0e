import Domain
import Foundation
import PostgresNIO

/// A conversation's transfers, and reopening one that ended.
extension ConversationRepository {
    public struct TransferRecord: Sendable, Equatable {
        public let id: UUID
        public let fromAgentID: UUID?
        public let toAgentID: UUID?
        public let toDepartmentID: UUID?
        public let transferredBy: UUID?
        public let transferredAt: Date
    }

    /// Every hand-over of a conversation the caller can see, oldest first.
    public func transfers(of id: UUID) async throws -> [TransferRecord] {
        _ = try await conversation(id)
        return try await tx.query("""
            SELECT id, from_agent_id, to_agent_id, to_department_id, transferred_by, transferred_at
            FROM conversation_transfers
            WHERE tenant_id = \(tenantID) AND conversation_id = \(id)
            ORDER BY transferred_at, id
            """).decode((UUID, UUID?, UUID?, UUID?, UUID?, Date).self).all().map(TransferRecord.init)
    }

    /// Makes an ended conversation ongoing again (the customer wrote back about it, or it was
    /// ended by mistake). Only an ended one: an ongoing, archived or deleted one is a conflict.
    public func reopen(_ id: UUID) async throws -> ConversationRecord {
        let current = try await conversation(id)
        guard current.status == .ended else {
            throw StoreError.conflict("the conversation is \(current.status.rawValue), not ended")
        }
        try await tx.execute("""
            UPDATE conversations SET status = 'ongoing', ended_at = NULL
            WHERE tenant_id = \(tenantID) AND id = \(id)
            """)
        return try await conversation(id)
    }
}
