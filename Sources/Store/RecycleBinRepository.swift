import Domain
import Foundation
import PostgresNIO

/// A conversation in the recycle bin (sql/0017).
public struct RecycleBinEntry: Sendable, Equatable {
    public let tenantID: UUID
    public let conversationID: UUID
    public let previousStatus: ConversationStatus
    public let deletedBy: UUID
    public let deletedAt: Date
    public let purgeAfter: Date

    static let columns = "tenant_id, conversation_id, previous_status, deleted_by, deleted_at, purge_after"

    static func decode(_ rows: PostgresRowSequence) async throws -> [RecycleBinEntry] {
        var entries: [RecycleBinEntry] = []
        for try await row in rows.decode((UUID, UUID, String, UUID, Date, Date).self) {
            entries.append(RecycleBinEntry(tenantID: row.0, conversationID: row.1,
                                           previousStatus: ConversationStatus(rawValue: row.2) ?? .ended,
                                           deletedBy: row.3, deletedAt: row.4, purgeAfter: row.5))
        }
        return entries
    }
}

/// The recycle bin in a user's scope: a supervisor's or agent's soft delete, an admin's list
/// and restore. Hidden rows are reached only after `openBin()` says this transaction works on
/// the bin; who may is the routes' decision (`RoleAbilities`).
public struct RecycleBinRepository: Sendable {
    let tx: Transaction
    let tenantID: UUID

    public init(_ tx: Transaction, tenantID: UUID) {
        self.tx = tx
        self.tenantID = tenantID
    }

    /// Moves a conversation the caller can see to the bin: hidden from lists, transcripts,
    /// search, exports and counts until restored or purged. 404 when they cannot see it.
    public func bin(_ conversationID: UUID, by userID: UUID) async throws -> RecycleBinEntry {
        let conversation = try await ConversationRepository(tx, tenantID: tenantID).conversation(conversationID)
        let now = tx.clock.now()
        try await openBin()
        // Every message goes, not only those a history window shows.
        try await tx.liftHistoryWindow()
        let rows = try await tx.query("""
            INSERT INTO recycle_bin (tenant_id, conversation_id, previous_status, deleted_by, deleted_at, purge_after)
            VALUES (\(tenantID), \(conversationID), \(conversation.status.rawValue), \(userID), \(now),
                    \(RecycleBin.purgeAfter(deletedAt: now)))
            RETURNING \(unescaped: RecycleBinEntry.columns)
            """)
        let entry = try await RecycleBinEntry.decode(rows)[0]
        try await mark(conversationID, status: ConversationStatus.deleted.rawValue, binned: true, conversation: conversation)
        return entry
    }

    /// Newest deleted first.
    public func list(after cursor: KeysetCursor?, limit: Int) async throws -> Page<RecycleBinEntry> {
        let rows = try await tx.query("""
            SELECT \(unescaped: RecycleBinEntry.columns) FROM recycle_bin
            WHERE tenant_id = \(tenantID)
              AND (\(cursor?.microseconds)::bigint IS NULL
                   OR (deleted_at, conversation_id) < ((timestamptz 'epoch' + \(cursor?.microseconds)::bigint * interval '1 microsecond'), \(cursor?.id)))
            ORDER BY deleted_at DESC, conversation_id DESC
            LIMIT \(limit + 1)
            """)
        return ConversationRepository.page(try await RecycleBinEntry.decode(rows), limit: limit) {
            KeysetCursor(time: $0.deletedAt, id: $0.conversationID)
        }
    }

    /// The bin's entry for a conversation, locked for this transaction; 404 when it is not in the bin.
    public func entry(_ conversationID: UUID) async throws -> RecycleBinEntry {
        let rows = try await tx.query("""
            SELECT \(unescaped: RecycleBinEntry.columns) FROM recycle_bin
            WHERE tenant_id = \(tenantID) AND conversation_id = \(conversationID)
            FOR UPDATE
            """)
        guard let entry = try await RecycleBinEntry.decode(rows).first else { throw StoreError.notFound("conversation in the recycle bin") }
        return entry
    }

    /// The binned conversations among `ids` as the caller would see them restored.
    public func conversations(_ ids: [UUID]) async throws -> [ConversationRecord] {
        try await openBin()
        var filter = ConversationFilter()
        filter.conversationIDs = ids
        return try await ConversationRepository(tx, tenantID: tenantID).list(filter, after: nil, limit: max(ids.count, 1)).items
    }

    /// Gives the conversation back with the status it had; its entry leaves the bin.
    public func restore(_ entry: RecycleBinEntry) async throws {
        try await openBin()
        try await tx.liftHistoryWindow()
        let conversation = try await ConversationRepository(tx, tenantID: tenantID).conversation(entry.conversationID)
        try await mark(entry.conversationID, status: entry.previousStatus.rawValue, binned: false, conversation: conversation)
        try await tx.execute("DELETE FROM recycle_bin WHERE tenant_id = \(tenantID) AND conversation_id = \(entry.conversationID)")
    }

    private func mark(_ id: UUID, status: String, binned: Bool, conversation: ConversationRecord) async throws {
        try await tx.execute("UPDATE conversations SET status = \(status) WHERE tenant_id = \(tenantID) AND id = \(id)")
        let window = MessageTimeWindow.covering(earliest: conversation.startedAt, latest: conversation.lastMessageAt)
        try await tx.execute("""
            UPDATE messages SET binned = \(binned)
            WHERE tenant_id = \(tenantID) AND conversation_id = \(id)
              AND created_at >= \(window.lowerBound) AND created_at <= \(window.upperBound)
            """)
    }

    /// Lets this transaction see binned conversations and messages (sql/0017): the bin's own
    /// work, and a customer's data export (the bin's contents are still held about them).
    public func openBin() async throws {
        try await tx.execute("SET LOCAL app.recycle_bin = 'on'")
    }
}

/// The bin as the worker sees it: due entries claimed across tenants (worker scope, FOR
/// UPDATE SKIP LOCKED, a lease), then purged in each tenant's scope through
/// `RetentionRepository` — never what a legal hold or the tenant's floor keeps; those are
/// looked at again a day later.
public struct RecycleBinQueue: Sendable {
    let database: Database
    let workerID: String

    public init(database: Database, workerID: String) {
        self.database = database
        self.workerID = workerID
    }

    public struct Purge: Sendable, Equatable {
        public var conversations = 0
        public var messages = 0
        /// Due entries a hold or the floor keeps in the bin.
        public var kept = 0

        public init(conversations: Int = 0, messages: Int = 0, kept: Int = 0) {
            self.conversations = conversations
            self.messages = messages
            self.kept = kept
        }
    }

    public func claim(lease: Duration, limit: Int) async throws -> [RecycleBinEntry] {
        try await database.withScope(.worker) { tx in
            let now = tx.clock.now()
            return try await RecycleBinEntry.decode(tx.query("""
                UPDATE recycle_bin b SET locked_by = \(workerID), locked_until = \(now.addingTimeInterval(lease.seconds))
                FROM (SELECT tenant_id, conversation_id FROM recycle_bin
                      WHERE purge_after <= \(now) AND (locked_until IS NULL OR locked_until < \(now))
                      ORDER BY purge_after LIMIT \(limit)
                      FOR UPDATE SKIP LOCKED) due
                WHERE b.tenant_id = due.tenant_id AND b.conversation_id = due.conversation_id
                RETURNING b.tenant_id, b.conversation_id, b.previous_status, b.deleted_by, b.deleted_at, b.purge_after
                """))
        }
    }

    /// Purges one tenant's claimed entries that are still in the bin and due (a restore may
    /// have taken one meanwhile), in one transaction; audited when it deleted anything.
    public func purge(tenantID: UUID, _ entries: [RecycleBinEntry]) async throws -> Purge {
        try await database.withScope(.tenant(tenantID)) { tx in
            let now = tx.clock.now()
            let due = try await tx.query("""
                SELECT conversation_id FROM recycle_bin
                WHERE tenant_id = \(tenantID) AND conversation_id = ANY(\(entries.map(\.conversationID))) AND purge_after <= \(now)
                  AND locked_by = \(workerID)
                FOR UPDATE
                """).decode(UUID.self).all()
            guard !due.isEmpty else { return Purge() }
            let floor = try await CleanupRuleRepository(tx, tenantID: tenantID).limits().bounds.minimumDays
            let target = RetentionTarget(cutoff: RetentionRules.floorCutoff(now: now, minimumDays: floor), conversationIDs: due)
            let deleted = try await RetentionRepository(tx, tenantID: tenantID).deleteBatch(target, limit: due.count)
            // Entries whose conversation is gone (purged now, or deleted otherwise) leave the bin;
            // the others wait a day. Two statements: on Citus the bin is a coordinator table,
            // which may not be joined with the distributed conversations.
            let kept = try await tx.query("""
                SELECT id FROM conversations WHERE tenant_id = \(tenantID) AND id = ANY(\(due))
                """).decode(UUID.self).all()
            try await tx.execute("""
                DELETE FROM recycle_bin
                WHERE tenant_id = \(tenantID) AND conversation_id = ANY(\(due)) AND NOT conversation_id = ANY(\(kept))
                """)
            try await tx.execute("""
                UPDATE recycle_bin SET locked_by = NULL, locked_until = \(now.addingTimeInterval(86_400))
                WHERE tenant_id = \(tenantID) AND conversation_id = ANY(\(due))
                """)
            if deleted.conversations > 0 {
                try await AuditLog(tx, tenantID: tenantID).record(
                    actor: nil, action: "recycle_bin.purged", targetType: "conversation", targetID: nil,
                    details: ["conversations": "\(deleted.conversations)", "messages": "\(deleted.messages)",
                              "kept": "\(kept.count)"])
            }
            return Purge(conversations: deleted.conversations, messages: deleted.messages, kept: kept.count)
        }
    }
}
