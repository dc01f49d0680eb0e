import Domain
import Foundation
import PostgresNIO

/// What erasing a customer deletes, and what, if anything, forbids it.
public struct ErasurePlan: Sendable, Equatable {
    public var conversations = 0
    public var messages = 0
    public var visits = 0
    public var notes = 0
    public var identities = 0
    /// Why the erasure may not happen now (legal holds, the floor); empty when it may.
    public var blockers: [String] = []
}

/// A customer's erasure on request (sql/0016): everything Parley holds about them, deleted in
/// one transaction — or nothing, when a legal hold or the tenant's floor protects any of it.
/// Runs in the tenant's scope (`.tenant`): the whole tenant's rows, no history window.
public struct CustomerErasureRepository: Sendable {
    let tx: Transaction
    let tenantID: UUID

    public init(_ tx: Transaction, tenantID: UUID) {
        self.tx = tx
        self.tenantID = tenantID
    }

    /// What an erasure would delete and what blocks it. `floorDays`: the tenant's floor
    /// (`RetentionBounds.minimumDays`): conversations younger than it may not be deleted.
    public func plan(_ customerID: UUID, floorDays: Int?) async throws -> ErasurePlan {
        let cutoff = RetentionRules.floorCutoff(now: tx.clock.now(), minimumDays: floorDays)
        let rows = try await tx.query("""
            SELECT (SELECT count(*) FROM conversations c WHERE c.tenant_id = \(tenantID) AND c.customer_id = \(customerID))::int8,
                   (SELECT coalesce(sum(c.message_count), 0) FROM conversations c
                    WHERE c.tenant_id = \(tenantID) AND c.customer_id = \(customerID))::int8,
                   (SELECT count(*) FROM visits v WHERE v.tenant_id = \(tenantID) AND v.customer_id = \(customerID))::int8,
                   (SELECT count(*) FROM customer_notes n WHERE n.tenant_id = \(tenantID) AND n.customer_id = \(customerID))::int8,
                   (SELECT count(*) FROM customer_identities i WHERE i.tenant_id = \(tenantID) AND i.customer_id = \(customerID))::int8,
                   -- Holds on the whole tenant first, then on this customer: their ids, and how many on the tenant.
                   ARRAY(SELECT h.id FROM legal_holds h
                         WHERE h.tenant_id = \(tenantID) AND h.released_at IS NULL
                           AND (h.subject_type = 'tenant' OR (h.subject_type = 'customer' AND h.subject_id = \(customerID)))
                         ORDER BY h.subject_type <> 'tenant', h.placed_at),
                   (SELECT count(*) FROM legal_holds h
                    WHERE h.tenant_id = \(tenantID) AND h.released_at IS NULL AND h.subject_type = 'tenant')::int8,
                   (SELECT count(DISTINCT h.subject_id) FROM legal_holds h JOIN conversations c
                      ON c.tenant_id = \(tenantID) AND c.id = h.subject_id AND c.customer_id = \(customerID)
                    WHERE h.tenant_id = \(tenantID) AND h.released_at IS NULL AND h.subject_type = 'conversation')::int8,
                   (SELECT count(*) FROM conversations c
                    WHERE c.tenant_id = \(tenantID) AND c.customer_id = \(customerID)
                      AND (c.last_message_at >= \(cutoff) OR c.ended_at >= \(cutoff)))::int8
            FROM customers cu WHERE cu.tenant_id = \(tenantID) AND cu.id = \(customerID)
            """)
        for try await (conversations, messages, visits, notes, identities, holds, tenantHolds, heldConversations, young)
            in rows.decode((Int, Int, Int, Int, Int, [UUID], Int, Int, Int).self) {
            var plan = ErasurePlan(conversations: conversations, messages: messages, visits: visits, notes: notes,
                                   identities: identities)
            for (index, hold) in holds.enumerated() {
                let id = hold.uuidString.lowercased()
                plan.blockers.append(index < tenantHolds ? "a legal hold on the whole tenant (\(id))" : "a legal hold on this customer (\(id))")
            }
            if heldConversations > 0 {
                plan.blockers.append("legal holds on \(heldConversations) of their conversations")
            }
            if young > 0, let days = floorDays {
                plan.blockers.append("\(young) of their conversations are younger than the tenant's minimum retention of \(days) days")
            }
            return plan
        }
        throw StoreError.notFound("customer")
    }

    /// Erases the customer: conversations (with messages, keys, transfers, stars), note
    /// revisions, notes, visits, identities and the profile. Under the tenant's retention
    /// lock taken shared, so a hold placed meanwhile waits for this transaction or is seen by
    /// it; throws `StoreError.conflict` naming the blockers (and deletes nothing) when any.
    public func erase(_ customerID: UUID, floorDays: Int?) async throws -> ErasurePlan {
        try await RetentionLock.takeShared(tx, tenantID: tenantID)
        let plan = try await plan(customerID, floorDays: floorDays)
        guard plan.blockers.isEmpty else {
            throw StoreError.conflict("the customer cannot be erased now: " + plan.blockers.joined(separator: "; "))
        }
        let target = RetentionTarget(cutoff: RetentionRules.floorCutoff(now: tx.clock.now(), minimumDays: floorDays),
                                     customerID: customerID)
        let retention = RetentionRepository(tx, tenantID: tenantID)
        while try await retention.deleteBatch(target, limit: 500).conversations > 0 {}
        // Note revisions may be deleted inside an erasure only (sql/0016).
        try await tx.execute("SET LOCAL app.erasure = 'on'")
        try await tx.execute("""
            DELETE FROM customer_note_revisions r USING customer_notes n
            WHERE r.tenant_id = \(tenantID) AND n.tenant_id = \(tenantID) AND n.id = r.note_id AND n.customer_id = \(customerID)
            """)
        for table in ["customer_notes", "visits", "customer_identities"] {
            try await tx.execute(PostgresQuery(unsafeSQL: "DELETE FROM \(table) WHERE tenant_id = $1 AND customer_id = $2",
                                               binds: Self.binds(tenantID, customerID)))
        }
        try await tx.execute("DELETE FROM customers WHERE tenant_id = \(tenantID) AND id = \(customerID)")
        return plan
    }

    private static func binds(_ tenantID: UUID, _ customerID: UUID) -> PostgresBindings {
        var binds = PostgresBindings(capacity: 2)
        binds.append(tenantID)
        binds.append(customerID)
        return binds
    }
}
