import Domain
import Foundation
import PostgresNIO

/// What a clean-up rule would delete, or did.
public struct RetentionCount: Sendable, Equatable {
    public var conversations: Int
    public var messages: Int
    /// Conversations the rule reaches that a legal hold keeps.
    public var held: Int
    /// Page visits a rule deleted (visits belong to customers, not conversations).
    public var visits: Int

    public init(conversations: Int = 0, messages: Int = 0, held: Int = 0, visits: Int = 0) {
        self.conversations = conversations
        self.messages = messages
        self.held = held
        self.visits = visits
    }

    /// Nothing deleted: a run's batches are over.
    public var isEmpty: Bool { conversations == 0 && visits == 0 }
}

/// Which conversations a deletion reaches. A clean-up rule's: ended, and silent since before
/// `cutoff` (`RetentionRules.cutoff`: the rule's days or the floor, whichever reaches less
/// far), of the rule's channel and department if it names them. An admin's (chosen
/// conversations, a filter's, a customer's): any status, silent since before the floor's
/// cutoff (`RetentionRules.floorCutoff`), among `conversationIDs` or of `customerID`.
public struct RetentionTarget: Sendable, Equatable {
    public let cutoff: Date
    public let channel: Domain.Channel?
    public let departmentID: UUID?
    public let conversationIDs: [UUID]?
    public let customerID: UUID?
    /// Only ended conversations (clean-up rules); an admin's deletion takes any status.
    public let endedOnly: Bool

    public init(cutoff: Date, channel: Domain.Channel?, departmentID: UUID?) {
        self.cutoff = cutoff
        self.channel = channel
        self.departmentID = departmentID
        conversationIDs = nil
        customerID = nil
        endedOnly = true
    }

    /// An admin's deletion of chosen conversations or of one customer's, any status.
    public init(cutoff: Date, conversationIDs: [UUID]? = nil, customerID: UUID? = nil) {
        precondition(conversationIDs != nil || customerID != nil, "an admin's deletion names what it deletes")
        self.cutoff = cutoff
        channel = nil
        departmentID = nil
        self.conversationIDs = conversationIDs
        self.customerID = customerID
        endedOnly = false
    }
}

/// Deletes what clean-up rules and admins reach, in the tenant's scope (`.tenant`), and
/// nothing that a legal hold or a floor keeps. The one place conversations are deleted:
/// previews and batches select with the same predicate (`query`).
public struct RetentionRepository: Sendable {
    let tx: Transaction
    let tenantID: UUID

    public init(_ tx: Transaction, tenantID: UUID) {
        self.tx = tx
        self.tenantID = tenantID
    }

    /// How many conversations and messages the target holds today, and how many of its
    /// conversations a hold keeps.
    public func preview(_ target: RetentionTarget) async throws -> RetentionCount {
        let rows = try await tx.query(query(target, """
            SELECT count(*) FILTER (WHERE NOT held)::int8, coalesce(sum(c.message_count) FILTER (WHERE NOT held), 0)::int8,
                   count(*) FILTER (WHERE held)::int8
            FROM (SELECT c.message_count, \(Self.held) AS held
            """, " ) c"))
        for try await (conversations, messages, held) in rows.decode((Int, Int, Int).self) {
            return RetentionCount(conversations: conversations, messages: messages, held: held)
        }
        return RetentionCount()
    }

    /// Deletes up to `limit` of the target's unheld conversations, oldest ended first, with
    /// their messages, message keys, transfers, stars and recycle-bin entries, in this transaction, under the
    /// tenant's retention lock taken shared (a hold being placed waits for it; one placed
    /// before sees this batch find nothing of what it holds). Returns what was deleted;
    /// zero conversations means the target is done.
    public func deleteBatch(_ target: RetentionTarget, limit: Int) async throws -> RetentionCount {
        try await RetentionLock.takeShared(tx, tenantID: tenantID)
        // Stars are their owners' alone; this lets the batch see and delete them (sql/0013).
        try await tx.execute("SET LOCAL app.retention = 'on'")
        let chosen = try await tx.query(query(target, """
            SELECT c.id, c.started_at, c.last_message_at
            """, " AND NOT \(Self.held) ORDER BY c.ended_at, c.id LIMIT \(limit) FOR UPDATE OF c"))
            .decode((UUID, Date, Date).self).all()
        guard !chosen.isEmpty else { return RetentionCount() }
        let ids = chosen.map(\.0)
        let window = MessageTimeWindow.covering(earliest: chosen.map(\.1).min()!, latest: chosen.map(\.2).max()!)
        let deleted = try await tx.query("""
            WITH gone AS (
                DELETE FROM messages m
                WHERE m.tenant_id = \(tenantID) AND m.conversation_id = ANY(\(ids))
                  AND m.created_at >= \(window.lowerBound) AND m.created_at <= \(window.upperBound)
                RETURNING m.channel, m.external_id),
            keys AS (
                DELETE FROM message_keys k USING gone
                WHERE k.tenant_id = \(tenantID) AND k.channel = gone.channel AND k.external_id = gone.external_id
                RETURNING 1)
            SELECT (SELECT count(*) FROM gone)::int8, (SELECT count(*) FROM keys)::int8
            """).decode((Int, Int).self).all().first?.0 ?? 0
        try await tx.execute("DELETE FROM conversation_transfers WHERE tenant_id = \(tenantID) AND conversation_id = ANY(\(ids))")
        try await tx.execute("DELETE FROM conversation_stars WHERE tenant_id = \(tenantID) AND conversation_id = ANY(\(ids))")
        // A binned conversation a rule or an admin deleted leaves the bin with it.
        try await tx.execute("DELETE FROM recycle_bin WHERE tenant_id = \(tenantID) AND conversation_id = ANY(\(ids))")
        let conversations = try await tx.query("""
            DELETE FROM conversations WHERE tenant_id = \(tenantID) AND id = ANY(\(ids)) RETURNING id
            """).decode(UUID.self).all().count
        return RetentionCount(conversations: conversations, messages: deleted)
    }

    /// Deletes up to `limit` of the visits a rule reaches: started before its cutoff, of its
    /// channel if it names one, of a customer no active hold keeps (nor a hold on the tenant).
    /// A rule for one department, or an admin's deletion, reaches none. Under the retention
    /// lock taken shared, as conversation batches. Returns how many were deleted.
    public func deleteVisitBatch(_ target: RetentionTarget, limit: Int) async throws -> Int {
        guard target.endedOnly, target.departmentID == nil else { return 0 }
        try await RetentionLock.takeShared(tx, tenantID: tenantID)
        return try await tx.query("""
            WITH chosen AS (
                SELECT v.id FROM visits v
                WHERE v.tenant_id = \(tenantID) AND v.started_at < \(target.cutoff)
                  AND (\(target.channel?.rawValue)::text IS NULL OR v.channel = \(target.channel?.rawValue))
                  AND NOT EXISTS (SELECT 1 FROM legal_holds h
                                  WHERE h.tenant_id = \(tenantID) AND h.released_at IS NULL
                                    AND (h.subject_type = 'tenant' OR (h.subject_type = 'customer' AND h.subject_id = v.customer_id)))
                ORDER BY v.started_at LIMIT \(limit)),
            gone AS (
                DELETE FROM visits v USING chosen WHERE v.tenant_id = \(tenantID) AND v.id = chosen.id RETURNING 1)
            SELECT count(*)::int8 FROM gone
            """).decode(Int.self).all().first ?? 0
    }

    /// An active hold keeps the conversation `c`: on the tenant, its customer, or itself.
    /// Every subquery names the tenant (one shard on Citus).
    static let held = """
        EXISTS (SELECT 1 FROM legal_holds h
                WHERE h.tenant_id = $1 AND h.released_at IS NULL
                  AND (h.subject_type = 'tenant'
                       OR (h.subject_type = 'customer' AND h.subject_id = c.customer_id)
                       OR (h.subject_type = 'conversation' AND h.subject_id = c.id)))
        """

    /// `head` over the conversations the target reaches, then `tail`. Binds: $1 tenant,
    /// $2 cutoff, $3 channel, $4 department, $5 conversation ids, $6 customer (NULL for "any").
    func query(_ target: RetentionTarget, _ head: String, _ tail: String) -> PostgresQuery {
        var binds = PostgresBindings(capacity: 6)
        binds.append(tenantID)
        binds.append(target.cutoff)
        if let channel = target.channel { binds.append(channel.rawValue) } else { binds.appendNull() }
        if let department = target.departmentID { binds.append(department) } else { binds.appendNull() }
        if let ids = target.conversationIDs { binds.append(ids) } else { binds.appendNull() }
        if let customer = target.customerID { binds.append(customer) } else { binds.appendNull() }
        // Rules' form is what the partial index conversations_ended serves.
        let ended = target.endedOnly ? "c.ended_at IS NOT NULL AND c.ended_at < $2" : "(c.ended_at IS NULL OR c.ended_at < $2)"
        return PostgresQuery(unsafeSQL: """
            \(head)
            FROM conversations c
            WHERE c.tenant_id = $1 AND \(ended) AND c.last_message_at < $2
              AND ($3::text IS NULL OR c.channel = $3::text) AND ($4::uuid IS NULL OR c.department_id = $4::uuid)
              AND ($5::uuid[] IS NULL OR c.id = ANY($5::uuid[])) AND ($6::uuid IS NULL OR c.customer_id = $6::uuid)
            \(tail)
            """, binds: binds)
    }
}
