import Domain
import Foundation
import PostgresNIO

/// Reading conversations and their transcripts, and the workbench actions on them.
/// What a caller can see is decided by the row-level security policy; these queries
/// filter by tenant explicitly too so the planner uses the tenant-leading indexes.
public struct ConversationRepository: Sendable {
    let tx: Transaction
    let tenantID: UUID

    public init(_ tx: Transaction, tenantID: UUID) {
        self.tx = tx
        self.tenantID = tenantID
    }

    /// A query's shape: `SELECT \(head) <filters, order, limit> \(tail)`. The filters, order
    /// and limit apply to conversations alone, in a subquery; the customer's and agent's
    /// names and the caller's star are joined to the page it returns. Why: the row-level
    /// security quals make PostgreSQL expect a few dozen rows where a tenant has thousands,
    /// so it sorts everything before the cursor instead of walking the index, and the joins
    /// ran for each of those rows — 45 ms for a page of 500 at 10,000 conversations, most of
    /// it in 42,000 customer lookups (auto_explain, `parley bench export`).
    ///
    /// The subquery's columns are the conversation's, with the start time and the counters
    /// as the caller sees them (`shown_*`). Under a plan's history window (trial: 30 days)
    /// those describe the messages the caller can see, not the whole conversation: the
    /// `messages` policy hides older ones, so counting them under it counts what is shown.
    /// The tenant id is written as a literal so every subquery names its tenant (one shard
    /// on Citus); safe: a UUID's text form is hex digits and dashes only.
    private var head: String {
        let visibleMessages = windowed ? """
            CROSS JOIN LATERAL (
                SELECT min(m.created_at) AS first_at, count(*)::int AS message_count,
                       count(m.attachment)::int AS attachment_count
                FROM messages m WHERE m.tenant_id = \(tenantLiteral) AND m.conversation_id = c.id) v
            """ : ""
        return """
            c.id, c.channel, c.external_id, c.status, c.customer_id, cu.name, c.department_id, c.agent_id, a.display_name,
            c.participant_ids, c.satisfaction, c.shown_start, c.ended_at, c.last_message_at, c.shown_message_count,
            c.tag_ids, c.shown_attachment_count,
            -- Stars are personal: the policy shows only the caller's own.
            EXISTS (SELECT 1 FROM conversation_stars st WHERE st.tenant_id = \(tenantLiteral) AND st.conversation_id = c.id) AS starred
            FROM (
                SELECT c.*, \(shownStart) AS shown_start, \(windowed ? "v.message_count" : "c.message_count") AS shown_message_count,
                       \(shownAttachments) AS shown_attachment_count
                FROM conversations c
                \(visibleMessages)
            """
    }

    /// Closes `head`'s subquery and joins the names to its rows, kept in `order`.
    private func tail(order: String) -> String {
        """
            ) c
            JOIN customers cu ON cu.tenant_id = \(tenantLiteral) AND cu.id = c.customer_id
            LEFT JOIN users a ON a.tenant_id = \(tenantLiteral) AND a.id = c.agent_id
            ORDER BY \(order)
            """
    }

    private var tenantLiteral: String { "'\(tenantID.uuidString.lowercased())'::uuid" }
    private var windowed: Bool { tx.user?.visibleSince != nil }
    /// The start time as the caller sees it: under a window, its first visible message.
    /// Filters, order and cursors use it too, so a trial's time filters neither find
    /// conversations by hidden history nor miss what they show.
    private var shownStart: String { windowed ? "COALESCE(v.first_at, c.started_at)" : "c.started_at" }
    private var shownAttachments: String { windowed ? "v.attachment_count" : "c.attachment_count" }

    /// Newest first by start time, continuing strictly after `cursor`.
    public func list(_ filter: ConversationFilter, after cursor: KeysetCursor?, limit: Int) async throws -> Page<ConversationRecord> {
        let rows = try await tx.query(listQuery(filter, after: cursor, limit: limit + 1))
        return try await Self.page(from: rows, limit: limit) { KeysetCursor(time: $0.startedAt, id: $0.id) }
    }

    /// Opens a cursor named `name` over the whole list for `filter`, in list order, for
    /// `fetch(from:count:)` (until the transaction ends). What an export reads: keyset pages
    /// re-select every row before their cursor (the row-level security quals hide from the
    /// planner how many there are, so it sorts them rather than walk the index): 100 ms a
    /// page 60,000 conversations deep, quadratic over a whole list. A cursor sorts once.
    public func openList(_ filter: ConversationFilter, cursorName name: String) async throws {
        precondition(name.allSatisfy { $0.isLetter || $0 == "_" }, "a cursor name is a plain identifier")
        try await tx.execute(listQuery(filter, after: nil, limit: nil, around: ("DECLARE \(name) NO SCROLL CURSOR FOR", "")))
    }

    /// How many conversations the list for `filter` holds, and their messages (as the caller
    /// sees them), in one statement.
    public func count(_ filter: ConversationFilter) async throws -> (conversations: Int, messages: Int) {
        let rows = try await tx.query(listQuery(filter, after: nil, limit: nil, around: (
            "SELECT count(*)::int8, coalesce(sum(listed.shown_message_count), 0)::int8 FROM (", ") listed")))
        for try await counts in rows.decode((Int, Int).self) { return counts }
        return (0, 0)
    }

    /// The ids the list for `filter` holds, in list order, at most `limit` (an admin's batch
    /// operation acts on exactly what the list shows).
    public func ids(_ filter: ConversationFilter, limit: Int) async throws -> [UUID] {
        try await tx.query(listQuery(filter, after: nil, limit: limit, around: ("SELECT listed.id FROM (", ") listed")))
            .decode(UUID.self).all()
    }

    /// Archives the ended conversations among `ids` (ongoing and archived ones stay as they
    /// are); returns how many were archived.
    public func archive(_ ids: [UUID]) async throws -> Int {
        try await tx.query("""
            UPDATE conversations SET status = 'archived'
            WHERE tenant_id = \(tenantID) AND id = ANY(\(ids)) AND status = 'ended'
            RETURNING id
            """).decode(UUID.self).all().count
    }

    /// The next `count` conversations of a cursor `openList` opened; empty at its end.
    public func fetch(from name: String, count: Int) async throws -> [ConversationRecord] {
        precondition(name.allSatisfy { $0.isLetter || $0 == "_" }, "a cursor name is a plain identifier")
        return try await Self.decode(tx.query(PostgresQuery(unsafeSQL: "FETCH FORWARD \(count) FROM \(name)")))
    }

    /// The list's statement: at most `limit` rows (all with `nil`), written between `around`'s
    /// two texts (a cursor's declaration, a count over it).
    private func listQuery(_ filter: ConversationFilter, after cursor: KeysetCursor?, limit: Int?,
                           around: (String, String) = ("", "")) -> PostgresQuery {
        // Optional filters are bound as parameters and written `$n IS NULL OR …`: PostgresNIO
        // sends unnamed statements, which PostgreSQL plans with the actual values, so the
        // unused branches fold away and the (tenant_id, started_at, id) index still serves.
        return """
            \(unescaped: around.0)
            SELECT \(unescaped: head)
            WHERE c.tenant_id = \(tenantID)
              AND (\(filter.from)::timestamptz IS NULL OR \(unescaped: shownStart) >= \(filter.from))
              AND (\(filter.to)::timestamptz IS NULL OR \(unescaped: shownStart) < \(filter.to))
              AND (\(filter.channel?.rawValue)::text IS NULL OR c.channel = \(filter.channel?.rawValue))
              AND (\(filter.agentID)::uuid IS NULL OR c.agent_id = \(filter.agentID))
              AND (\(filter.departmentID)::uuid IS NULL OR c.department_id = \(filter.departmentID))
              AND (\(filter.status?.rawValue)::text IS NULL OR c.status = \(filter.status?.rawValue))
              AND (\(filter.customerIDs)::uuid[] IS NULL OR c.customer_id = ANY(\(filter.customerIDs)))
              AND (\(filter.conversationIDs)::uuid[] IS NULL OR c.id = ANY(\(filter.conversationIDs)))
              AND (\(filter.tagIDs)::uuid[] IS NULL OR c.tag_ids @> \(filter.tagIDs))
              AND (\(filter.satisfaction)::text IS NULL OR coalesce(c.satisfaction, 'none') = \(filter.satisfaction))
              AND (\(filter.hasAttachment)::boolean IS NULL OR (\(unescaped: shownAttachments) > 0) = \(filter.hasAttachment))
              AND (\(filter.starredBy)::uuid IS NULL OR EXISTS (
                    SELECT 1 FROM conversation_stars st
                    WHERE st.tenant_id = \(tenantID) AND st.conversation_id = c.id AND st.user_id = \(filter.starredBy)))
              AND (\(cursor?.microseconds)::bigint IS NULL OR (\(unescaped: shownStart), c.id) < ((timestamptz 'epoch' + \(cursor?.microseconds)::bigint * interval '1 microsecond'), \(cursor?.id)))
            ORDER BY \(unescaped: shownStart) DESC, c.id DESC
            LIMIT \(limit)
            \(unescaped: tail(order: "c.shown_start DESC, c.id DESC"))
            \(unescaped: around.1)
            """
    }

    public func conversation(_ id: UUID) async throws -> ConversationRecord {
        let rows = try await tx.query("""
            SELECT \(unescaped: head)
            WHERE c.tenant_id = \(tenantID) AND c.id = \(id)
            \(unescaped: tail(order: "c.id"))
            """)
        guard let record = try await Self.decode(rows).first else { throw StoreError.notFound("conversation") }
        return record
    }

    /// A customer's conversations across all channels, oldest first.
    public func conversations(ofCustomer customerID: UUID, after cursor: KeysetCursor?, limit: Int) async throws -> Page<ConversationRecord> {
        let rows = try await tx.query("""
            SELECT \(unescaped: head)
            WHERE c.tenant_id = \(tenantID) AND c.customer_id = \(customerID)
              AND (\(cursor?.microseconds)::bigint IS NULL OR (\(unescaped: shownStart), c.id) > ((timestamptz 'epoch' + \(cursor?.microseconds)::bigint * interval '1 microsecond'), \(cursor?.id)))
            ORDER BY \(unescaped: shownStart), c.id
            LIMIT \(limit + 1)
            \(unescaped: tail(order: "c.shown_start, c.id"))
            """)
        return try await Self.page(from: rows, limit: limit) { KeysetCursor(time: $0.startedAt, id: $0.id) }
    }

    /// The whole transcript in order, a page at a time. Throws `notFound` when the
    /// conversation is not visible, so an empty page always means "no more messages".
    public func messages(of conversationID: UUID, after cursor: KeysetCursor?, limit: Int) async throws -> Page<MessageRecord> {
        _ = try await conversation(conversationID)
        let rows = try await tx.query("""
            SELECT id, conversation_id, created_at, kind, sender_side, sender_id, body, attachment::text, external_id
            FROM messages
            WHERE tenant_id = \(tenantID) AND conversation_id = \(conversationID)
              AND (\(cursor?.microseconds)::bigint IS NULL OR (created_at, id) > ((timestamptz 'epoch' + \(cursor?.microseconds)::bigint * interval '1 microsecond'), \(cursor?.id)))
            ORDER BY created_at, id
            LIMIT \(limit + 1)
            """)
        var messages: [MessageRecord] = []
        for try await row in rows.decode((UUID, UUID, Date, String, String, String?, String?, String?, String).self) {
            let attachment = try row.7.map { try JSONDecoder().decode(Attachment.self, from: Data($0.utf8)) }
            messages.append(MessageRecord(
                id: row.0, conversationID: row.1, createdAt: row.2, kind: MessageKind(rawValue: row.3) ?? .text,
                senderSide: SenderSide(rawValue: row.4) ?? .system, senderID: row.5, text: row.6,
                attachment: attachment, externalID: row.8))
        }
        return Self.page(messages, limit: limit) { KeysetCursor(time: $0.createdAt, id: $0.id) }
    }

    /// Ends an ongoing conversation. Ending one that is not ongoing is a conflict.
    public func end(_ id: UUID) async throws -> ConversationRecord {
        let current = try await conversation(id)
        guard current.status == .ongoing else {
            throw StoreError.conflict("the conversation is \(current.status.rawValue), not ongoing")
        }
        try await tx.execute("""
            UPDATE conversations SET status = 'ended', ended_at = \(tx.clock.now())
            WHERE tenant_id = \(tenantID) AND id = \(id)
            """)
        return try await conversation(id)
    }

    /// Hands a conversation to another agent and/or department. The new agent becomes a
    /// participant (earlier agents stay: they took part), and the copies the visibility
    /// policy reads are updated on every message of the conversation in the same transaction.
    ///
    /// Through `transfer_conversation` (sql/0005_defects.sql): the caller may move a
    /// conversation out of their own scope (a supervisor handing one to another
    /// department), which a plain UPDATE under row-level security refuses. The answer then
    /// describes the conversation as it is now, though the caller can no longer open it.
    public func transfer(_ id: UUID, toAgent agentID: UUID?, toDepartment departmentID: UUID?, by actor: UUID?) async throws -> ConversationRecord {
        let before = try await conversation(id)
        if let agentID {
            let found = try await tx.query("""
                SELECT 1 FROM users WHERE tenant_id = \(tenantID) AND id = \(agentID) AND NOT disabled
                """).decode(Int.self).all()
            guard !found.isEmpty else { throw ValidationError(field: "toAgentId", reason: "no such agent") }
        }
        if let departmentID {
            let found = try await tx.query("""
                SELECT 1 FROM departments WHERE tenant_id = \(tenantID) AND id = \(departmentID)
                """).decode(Int.self).all()
            guard !found.isEmpty else { throw ValidationError(field: "toDepartmentId", reason: "no such department") }
        }
        // Locks the row (an ingesting batch holding it finishes first) and reads it again,
        // so the copies written are current; no row if it vanished from the caller's view.
        let moved = try await tx.query("""
            SELECT previous_agent_id, department_id, agent_id, participant_ids
            FROM transfer_conversation(\(tenantID), \(id), \(agentID), \(departmentID))
            """).decode((UUID?, UUID?, UUID?, [UUID]).self).all()
        guard let (previousAgent, newDepartment, newAgent, participants) = moved.first else {
            throw StoreError.notFound("conversation")
        }
        try await tx.execute("""
            INSERT INTO conversation_transfers (tenant_id, id, conversation_id, from_agent_id, to_agent_id,
                                                to_department_id, transferred_by, transferred_at)
            VALUES (\(tenantID), \(tx.ids.make()), \(id), \(previousAgent), \(agentID), \(departmentID), \(actor), \(tx.clock.now()))
            """)
        if let visible = try? await conversation(id) { return visible }
        var agentName: String?
        if let newAgent {
            agentName = try await tx.query("SELECT display_name FROM users WHERE tenant_id = \(tenantID) AND id = \(newAgent)")
                .decode(String.self).all().first
        }
        return before.moved(departmentID: newDepartment, agentID: newAgent, agentName: agentName, participantIDs: participants)
    }

    /// Records the customer's rating; `nil` clears it.
    public func rate(_ id: UUID, _ satisfaction: Satisfaction?) async throws -> ConversationRecord {
        _ = try await conversation(id)
        try await tx.execute("""
            UPDATE conversations SET satisfaction = \(satisfaction?.rawValue) WHERE tenant_id = \(tenantID) AND id = \(id)
            """)
        return try await conversation(id)
    }

    /// Replaces the conversation's tags; every id must be in the tenant's tag library.
    public func setTags(_ id: UUID, _ tagIDs: [UUID]) async throws -> ConversationRecord {
        _ = try await conversation(id)
        let tags = try await TagRepository(tx, tenantID: tenantID).requireTags(tagIDs)
        try await tx.execute("UPDATE conversations SET tag_ids = \(tags) WHERE tenant_id = \(tenantID) AND id = \(id)")
        return try await conversation(id)
    }

    /// Stars or unstars a conversation for the calling user. Idempotent.
    public func setStar(_ id: UUID, starred: Bool, userID: UUID) async throws {
        _ = try await conversation(id)
        if starred {
            try await tx.execute("""
                INSERT INTO conversation_stars (tenant_id, user_id, conversation_id, starred_at)
                VALUES (\(tenantID), \(userID), \(id), \(tx.clock.now())) ON CONFLICT DO NOTHING
                """)
        } else {
            try await tx.execute("""
                DELETE FROM conversation_stars WHERE tenant_id = \(tenantID) AND user_id = \(userID) AND conversation_id = \(id)
                """)
        }
    }

    // MARK: Decoding

    private static func decode(_ rows: PostgresRowSequence) async throws -> [ConversationRecord] {
        var records: [ConversationRecord] = []
        for try await row in rows {
            let (id, channel, externalID, status, customerID, customerName, departmentID, agentID, agentName) =
                try row.decode((UUID, String, String, String, UUID, String?, UUID?, UUID?, String?).self)
            let randomAccess = row.makeRandomAccess()
            records.append(ConversationRecord(
                id: id, channel: Domain.Channel(rawValue: channel) ?? .web, externalID: externalID,
                status: ConversationStatus(rawValue: status) ?? .ongoing, customerID: customerID, customerName: customerName,
                departmentID: departmentID, agentID: agentID, agentName: agentName,
                participantIDs: try randomAccess[9].decode([UUID].self),
                satisfaction: try randomAccess[10].decode(String?.self).flatMap(Satisfaction.init(rawValue:)),
                startedAt: try randomAccess[11].decode(Date.self),
                endedAt: try randomAccess[12].decode(Date?.self),
                lastMessageAt: try randomAccess[13].decode(Date.self),
                messageCount: try randomAccess[14].decode(Int.self),
                tagIDs: try randomAccess[15].decode([UUID].self),
                attachmentCount: try randomAccess[16].decode(Int.self),
                starred: try randomAccess[17].decode(Bool.self)))
        }
        return records
    }

    private static func page(from rows: PostgresRowSequence, limit: Int,
                             cursor: (ConversationRecord) -> KeysetCursor) async throws -> Page<ConversationRecord> {
        page(try await decode(rows), limit: limit, cursor: cursor)
    }

    /// Queries fetch `limit + 1` rows: the extra one only tells whether another page exists.
    static func page<Item>(_ items: [Item], limit: Int, cursor: (Item) -> KeysetCursor) -> Page<Item> {
        guard items.count > limit else { return Page(items: items, nextCursor: nil) }
        let shown = Array(items.prefix(limit))
        return Page(items: shown, nextCursor: shown.last.map(cursor))
    }
}
