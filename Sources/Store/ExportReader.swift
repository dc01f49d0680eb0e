import Domain
import Foundation
import PostgresNIO

/// Reads what an export holds, under the requester's own scope (row-level security
/// decides which conversations and messages exist for them), as a stream: a page of
/// conversations at a time, and each page's messages row by row.
///
/// Conversations come from `ConversationRepository.list` with the resolved filter, so an
/// export holds exactly what the conversation list shows for the same parameters, in the
/// same order.
public struct ExportReader: Sendable {
    let tx: Transaction
    let tenantID: UUID

    /// Conversations read per page. Each page costs its list query, its enrichment query
    /// and its message query; their fixed part is what a larger page spreads.
    public static let pageSize = 1_000

    public init(_ tx: Transaction, tenantID: UUID) {
        self.tx = tx
        self.tenantID = tenantID
    }

    /// Conversations and messages the export would hold (enough to refuse a request over
    /// the plan's cap), in one statement over the same list the export reads.
    public func count(_ filter: ConversationFilter) async throws -> (conversations: Int, messages: Int) {
        try await ConversationRepository(tx, tenantID: tenantID).count(filter)
    }

    /// The cursor `openConversations` opens, for this transaction.
    static let cursorName = "parley_export_conversations"

    /// Opens the export's conversations, exactly the list for `filter` in list order
    /// (`ConversationRepository.openList`), for `nextConversations` to read page by page.
    public func openConversations(_ filter: ConversationFilter) async throws {
        try await ConversationRepository(tx, tenantID: tenantID).openList(filter, cursorName: Self.cursorName)
    }

    /// The next `limit` conversations of `openConversations` with what an export shows of
    /// them: with `facts: false` only the customer's contact (all a message sheet shows of a
    /// conversation), otherwise every fact (`ExportConversationRecord.Facts`). Empty at the end.
    public func nextConversations(limit: Int, facts: Bool) async throws -> [ExportConversationRecord] {
        let conversations = try await ConversationRepository(tx, tenantID: tenantID).fetch(from: Self.cursorName, count: limit)
        guard let window = Self.messageWindow(of: conversations) else { return [] }
        let ids = conversations.map(\.id)
        var found: [UUID: ExportConversationRecord.Facts] = [:]
        let vault = tx.contacts
        if facts {
            let firstResponses = try await firstResponseSeconds(of: ids, within: window)
            // Names and facts the list does not carry, for the whole page in one query; every
            // subquery names its tenant as a bound value (one shard on Citus).
            let rows = try await tx.query("""
                SELECT c.id, d.name, cu.phone_sealed, cu.phone, cu.email_sealed, cu.email, cu.attributes::text,
                       ARRAY(SELECT u.display_name FROM users u
                             WHERE u.tenant_id = \(tenantID) AND u.id = ANY(c.participant_ids)
                             ORDER BY array_position(c.participant_ids, u.id)),
                       ARRAY(SELECT t.name FROM tags t WHERE t.tenant_id = \(tenantID) AND t.id = ANY(c.tag_ids) ORDER BY t.name),
                       ARRAY(SELECT t.name FROM tags t WHERE t.tenant_id = \(tenantID) AND t.id = ANY(cu.tag_ids) ORDER BY t.name)
                FROM conversations c
                JOIN customers cu ON cu.tenant_id = \(tenantID) AND cu.id = c.customer_id
                LEFT JOIN departments d ON d.tenant_id = \(tenantID) AND d.id = c.department_id
                WHERE c.tenant_id = \(tenantID) AND c.id = ANY(\(ids))
                """)
            for try await (id, department, phoneSealed, phone, emailSealed, email, attributes, agents, tags, customerTags)
                in rows.decode((UUID, String?, ByteBuffer?, String?, ByteBuffer?, String?, String, [String], [String], [String]).self) {
                found[id] = .init(departmentName: department,
                                  phone: try vault.open(phoneSealed, orLegacy: phone, purpose: .phone, tenantID: tenantID),
                                  email: try vault.open(emailSealed, orLegacy: email, purpose: .email, tenantID: tenantID),
                                  attributes: Self.attributes(attributes), agentNames: agents, tagNames: tags,
                                  customerTagNames: customerTags, firstResponseSeconds: firstResponses[id])
            }
        } else {
            let rows = try await tx.query("""
                SELECT c.id, cu.phone_sealed, cu.phone, cu.email_sealed, cu.email FROM conversations c
                JOIN customers cu ON cu.tenant_id = \(tenantID) AND cu.id = c.customer_id
                WHERE c.tenant_id = \(tenantID) AND c.id = ANY(\(ids))
                """)
            for try await (id, phoneSealed, phone, emailSealed, email)
                in rows.decode((UUID, ByteBuffer?, String?, ByteBuffer?, String?).self) {
                found[id] = .init(departmentName: nil,
                                  phone: try vault.open(phoneSealed, orLegacy: phone, purpose: .phone, tenantID: tenantID),
                                  email: try vault.open(emailSealed, orLegacy: email, purpose: .email, tenantID: tenantID),
                                  attributes: [], agentNames: [], tagNames: [],
                                  customerTagNames: [], firstResponseSeconds: nil)
            }
        }
        return conversations.map { ExportConversationRecord(conversation: $0, facts: found[$0.id] ?? .none) }
    }

    /// Seconds from each conversation's first customer message to the first agent message
    /// after it, for those that have both: one pass over the page's messages.
    ///
    /// Why not a lateral subquery per conversation: with 27 monthly partitions PostgreSQL
    /// spent 42 ms planning it and 39 ms running it for a page of 500; this, bounded by the
    /// page's times (pruned to its months while planning), 6 ms and 16 ms.
    private func firstResponseSeconds(of ids: [UUID], within window: ClosedRange<Date>) async throws -> [UUID: Int] {
        let rows = try await tx.query("""
            SELECT conversation_id,
                   EXTRACT(EPOCH FROM (min(created_at) FILTER (WHERE sender_side = 'agent' AND created_at >= first_customer)
                                       - min(first_customer)))::int
            FROM (SELECT m.conversation_id, m.sender_side, m.created_at,
                         min(m.created_at) FILTER (WHERE m.sender_side = 'customer')
                             OVER (PARTITION BY m.conversation_id) AS first_customer
                  FROM messages m
                  WHERE m.tenant_id = \(tenantID) AND m.conversation_id = ANY(\(ids)) AND m.sender_side IN ('customer', 'agent')
                    AND m.created_at >= \(window.lowerBound) AND m.created_at <= \(window.upperBound)) talk
            GROUP BY conversation_id
            """)
        var seconds: [UUID: Int] = [:]
        for try await (id, value) in rows.decode((UUID, Int?).self) {
            if let value { seconds[id] = value }
        }
        return seconds
    }

    /// The display names of the tenant's users, by the text of their id (what an agent's
    /// message carries as `sender_id`): read once per export and handed to `forEachMessage`.
    ///
    /// Why not a join in the message query: the row-level security quals make PostgreSQL
    /// expect one message where a page has thousands, and it scanned the users table once
    /// per message (100 of a page's 116 ms at 4,674 messages; auto_explain).
    public func userNames() async throws -> [String: String] {
        let rows = try await tx.query("SELECT id, display_name FROM users WHERE tenant_id = \(tenantID)")
        var names: [String: String] = [:]
        for try await (id, name) in rows.decode((UUID, String).self) {
            names[id.uuidString.lowercased()] = name
        }
        return names
    }

    /// Every visible message of `conversations`, conversation by conversation in the
    /// given order, each in send order, handed to `body` row by row as they arrive; an
    /// agent's message with its sender's name from `userNames` (`userNames()`).
    public func forEachMessage(of conversations: [ConversationRecord], userNames: [String: String],
                               _ body: (ExportMessageRecord) async throws -> Void) async throws {
        guard let window = Self.messageWindow(of: conversations) else { return }
        let conversationIDs = conversations.map(\.id)
        // The page's order as a jsonb object of id → position: a lookup in it is a binary
        // search, where array_position(ids, id) compared half the page for every message
        // (125 ms against 31 ms for the 8,308 messages of 1,000 conversations; psql).
        let positions = "{" + conversationIDs.enumerated().map { "\"\($1.uuidString.lowercased())\":\($0)" }
            .joined(separator: ",") + "}"
        let rows = try await tx.query("""
            SELECT m.id, m.conversation_id, m.created_at, m.kind, m.sender_side, m.sender_id, m.body, m.attachment::text
            FROM messages m
            WHERE m.tenant_id = \(tenantID) AND m.conversation_id = ANY(\(conversationIDs))
              AND m.created_at >= \(window.lowerBound) AND m.created_at <= \(window.upperBound)
            ORDER BY (\(positions)::jsonb ->> m.conversation_id::text)::int, m.created_at, m.id
            """)
        let decoder = JSONDecoder()
        for try await row in rows.decode((UUID, UUID, Date, String, String, String?, String?, String?).self) {
            let attachment = try row.7.map { try decoder.decode(Attachment.self, from: Data($0.utf8)) }
            let message = MessageRecord(
                id: row.0, conversationID: row.1, createdAt: row.2, kind: MessageKind(rawValue: row.3) ?? .text,
                senderSide: SenderSide(rawValue: row.4) ?? .system, senderID: row.5, text: row.6,
                attachment: attachment, externalID: "")
            let agentName = message.senderSide == .agent ? row.5.flatMap { userNames[$0] } : nil
            try await body(ExportMessageRecord(message: message, agentName: agentName))
        }
    }

    /// The times that hold every message of `conversations` (`MessageTimeWindow`); `nil` for none.
    static func messageWindow(of conversations: [ConversationRecord]) -> ClosedRange<Date>? {
        guard let earliest = conversations.map(\.startedAt).min(), let latest = conversations.map(\.lastMessageAt).max()
        else { return nil }
        return MessageTimeWindow.covering(earliest: earliest, latest: latest)
    }

    /// Profile fields in key order; values that are not strings as their JSON text.
    static func attributes(_ json: String) -> [(String, String)] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else { return [] }
        return object.keys.sorted().map { key in
            let value = object[key]
            if let text = value as? String { return (key, text) }
            if let value, JSONSerialization.isValidJSONObject([value]),
               let data = try? JSONSerialization.data(withJSONObject: [value]),
               let text = String(data: data, encoding: .utf8) {
                return (key, String(text.dropFirst().dropLast()))
            }
            return (key, "\(value ?? "")")
        }
    }
}

/// A conversation with the names and facts an export shows.
public struct ExportConversationRecord: Sendable {
    public let conversation: ConversationRecord
    public let facts: Facts

    public struct Facts: Sendable {
        public let departmentName: String?
        public let phone: String?
        public let email: String?
        public let attributes: [(String, String)]
        public let agentNames: [String]
        public let tagNames: [String]
        public let customerTagNames: [String]
        public let firstResponseSeconds: Int?

        static let none = Facts(departmentName: nil, phone: nil, email: nil, attributes: [], agentNames: [], tagNames: [],
                                customerTagNames: [], firstResponseSeconds: nil)
    }
}

public struct ExportMessageRecord: Sendable {
    public let message: MessageRecord
    /// The agent's display name, for messages agents sent.
    public let agentName: String?
}
