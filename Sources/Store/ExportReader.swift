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

    public init(_ tx: Transaction, tenantID: UUID) {
        self.tx = tx
        self.tenantID = tenantID
    }

    /// Conversations and messages the export would hold, counting no further than
    /// `stopAfter` of either (enough to refuse a request over the plan's cap).
    public func count(_ filter: ConversationFilter, stopAfter: Int) async throws -> (conversations: Int, messages: Int) {
        var conversations = 0, messages = 0
        var cursor: KeysetCursor?
        repeat {
            let page = try await ConversationRepository(tx, tenantID: tenantID).list(filter, after: cursor, limit: 1_000)
            conversations += page.items.count
            messages += page.items.reduce(0) { $0 + $1.messageCount }
            cursor = page.nextCursor
        } while cursor != nil && conversations <= stopAfter && messages <= stopAfter
        return (conversations, messages)
    }

    /// The next page of conversations with what an export shows of them.
    public func conversations(_ filter: ConversationFilter, after cursor: KeysetCursor?, limit: Int)
        async throws -> (items: [ExportConversationRecord], next: KeysetCursor?) {
        let page = try await ConversationRepository(tx, tenantID: tenantID).list(filter, after: cursor, limit: limit)
        guard !page.items.isEmpty else { return ([], nil) }
        let ids = page.items.map(\.id)
        // Names and facts the list does not carry, for the whole page in one query; every
        // subquery names its tenant as a bound value (one shard on Citus).
        let rows = try await tx.query("""
            SELECT c.id, d.name, cu.phone, cu.email, cu.attributes::text,
                   ARRAY(SELECT u.display_name FROM users u
                         WHERE u.tenant_id = \(tenantID) AND u.id = ANY(c.participant_ids)
                         ORDER BY array_position(c.participant_ids, u.id)),
                   ARRAY(SELECT t.name FROM tags t WHERE t.tenant_id = \(tenantID) AND t.id = ANY(c.tag_ids) ORDER BY t.name),
                   ARRAY(SELECT t.name FROM tags t WHERE t.tenant_id = \(tenantID) AND t.id = ANY(cu.tag_ids) ORDER BY t.name),
                   EXTRACT(EPOCH FROM (fa.at - fc.at))::int
            FROM conversations c
            JOIN customers cu ON cu.tenant_id = \(tenantID) AND cu.id = c.customer_id
            LEFT JOIN departments d ON d.tenant_id = \(tenantID) AND d.id = c.department_id
            LEFT JOIN LATERAL (SELECT min(m.created_at) AS at FROM messages m
                               WHERE m.tenant_id = \(tenantID) AND m.conversation_id = c.id AND m.sender_side = 'customer') fc ON true
            LEFT JOIN LATERAL (SELECT min(m.created_at) AS at FROM messages m
                               WHERE m.tenant_id = \(tenantID) AND m.conversation_id = c.id AND m.sender_side = 'agent'
                                 AND m.created_at >= fc.at) fa ON true
            WHERE c.tenant_id = \(tenantID) AND c.id = ANY(\(ids))
            """)
        var facts: [UUID: ExportConversationRecord.Facts] = [:]
        for try await (id, department, phone, email, attributes, agents, tags, customerTags, firstResponse)
            in rows.decode((UUID, String?, String?, String?, String, [String], [String], [String], Int?).self) {
            facts[id] = .init(departmentName: department, phone: phone, email: email,
                              attributes: Self.attributes(attributes), agentNames: agents, tagNames: tags,
                              customerTagNames: customerTags, firstResponseSeconds: firstResponse)
        }
        let items = page.items.map { ExportConversationRecord(conversation: $0, facts: facts[$0.id] ?? .none) }
        return (items, page.nextCursor)
    }

    /// Every visible message of `conversationIDs`, conversation by conversation in the
    /// given order, each in send order, handed to `body` row by row as they arrive.
    public func forEachMessage(of conversationIDs: [UUID], _ body: (ExportMessageRecord) async throws -> Void) async throws {
        guard !conversationIDs.isEmpty else { return }
        let rows = try await tx.query("""
            SELECT m.id, m.conversation_id, m.created_at, m.kind, m.sender_side, m.sender_id, m.body, m.attachment::text,
                   u.display_name
            FROM messages m
            LEFT JOIN users u ON u.tenant_id = \(tenantID) AND m.sender_side = 'agent' AND u.id::text = m.sender_id
            WHERE m.tenant_id = \(tenantID) AND m.conversation_id = ANY(\(conversationIDs))
            ORDER BY array_position(\(conversationIDs), m.conversation_id), m.created_at, m.id
            """)
        let decoder = JSONDecoder()
        for try await row in rows.decode((UUID, UUID, Date, String, String, String?, String?, String?, String?).self) {
            let attachment = try row.7.map { try decoder.decode(Attachment.self, from: Data($0.utf8)) }
            let message = MessageRecord(
                id: row.0, conversationID: row.1, createdAt: row.2, kind: MessageKind(rawValue: row.3) ?? .text,
                senderSide: SenderSide(rawValue: row.4) ?? .system, senderID: row.5, text: row.6,
                attachment: attachment, externalID: "")
            try await body(ExportMessageRecord(message: message, agentName: row.8))
        }
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
