import Domain
import Foundation
import PostgresNIO
import Search

/// A message that matched a keyword search, with what the result list shows about it.
public struct MessageHit: Sendable {
    public let message: MessageRecord
    public let channel: Domain.Channel
    public let conversationStatus: ConversationStatus
    public let customer: CustomerSummary
    public let agentID: UUID?
    public let agentName: String?
}

public struct CustomerSummary: Sendable, Equatable {
    public let id: UUID
    public let name: String?
    public let phone: String?
    public let email: String?
}

/// Keyword search over message text through `search_messages` (sql/0003_search.sql, sql/0004_search_scopes.sql):
/// the hardened function that keeps the text index usable under row-level security.
/// What is visible is decided there from the same session settings as the policies.
public struct SearchRepository: Sendable {
    let tx: Transaction
    let tenantID: UUID

    public init(_ tx: Transaction, tenantID: UUID) {
        self.tx = tx
        self.tenantID = tenantID
    }

    /// Matching messages, newest first, continuing strictly after `cursor`.
    public func search(_ query: SearchQuery, filter: ConversationFilter, after cursor: KeysetCursor?, limit: Int) async throws -> Page<MessageHit> {
        let rows = try await tx.query(Self.call(
            select: """
                SELECT s.message_id, s.conversation_id, s.created_at, s.kind, s.sender_side, s.sender_id, s.body,
                       s.attachment::text, s.external_id, s.channel, s.status, cu.id, cu.name, cu.phone, cu.email,
                       s.agent_id, a.display_name
                """,
            tenantID: tenantID, query: query, filter: filter, cursor: cursor, limit: limit + 1,
            rest: """
                JOIN customers cu ON cu.tenant_id = s.tenant_id AND cu.id = s.customer_id
                LEFT JOIN users a ON a.tenant_id = s.tenant_id AND a.id = s.agent_id
                ORDER BY s.created_at DESC, s.message_id DESC
                """))
        var hits: [MessageHit] = []
        for try await row in rows {
            let r = row.makeRandomAccess()
            let message = MessageRecord(
                id: try r[0].decode(UUID.self), conversationID: try r[1].decode(UUID.self), createdAt: try r[2].decode(Date.self),
                kind: MessageKind(rawValue: try r[3].decode(String.self)) ?? .text,
                senderSide: SenderSide(rawValue: try r[4].decode(String.self)) ?? .system,
                senderID: try r[5].decode(String?.self), text: try r[6].decode(String?.self),
                attachment: try r[7].decode(String?.self).flatMap { try? JSONDecoder().decode(Attachment.self, from: Data($0.utf8)) },
                externalID: try r[8].decode(String.self))
            hits.append(MessageHit(
                message: message,
                channel: Domain.Channel(rawValue: try r[9].decode(String.self)) ?? .web,
                conversationStatus: ConversationStatus(rawValue: try r[10].decode(String.self)) ?? .ongoing,
                customer: CustomerSummary(id: try r[11].decode(UUID.self), name: try r[12].decode(String?.self),
                                          phone: try r[13].decode(String?.self), email: try r[14].decode(String?.self)),
                agentID: try r[15].decode(UUID?.self), agentName: try r[16].decode(String?.self)))
        }
        return ConversationRepository.page(hits, limit: limit) { KeysetCursor(time: $0.message.createdAt, id: $0.message.id) }
    }

    /// How many messages match, counted up to `bound`; `exact` is false when there are more.
    public func count(_ query: SearchQuery, filter: ConversationFilter, bound: Int) async throws -> (count: Int, exact: Bool) {
        let rows = try await tx.query(Self.call(select: "SELECT count(*)::int", tenantID: tenantID, query: query, filter: filter,
                                                cursor: nil, limit: bound + 1, rest: ""))
        let count = try await rows.decode(Int.self).all().first ?? 0
        return (min(count, bound), count <= bound)
    }

    /// Conversations with at least one matching message (the newest `bound` matches decide).
    public func conversationIDs(matching query: SearchQuery, filter: ConversationFilter, bound: Int) async throws -> [UUID] {
        let rows = try await tx.query(Self.call(select: "SELECT DISTINCT s.conversation_id", tenantID: tenantID, query: query,
                                                filter: filter, cursor: nil, limit: bound, rest: ""))
        return try await rows.decode(UUID.self).all()
    }

    /// `<select> FROM search_messages(…) AS s <rest>`, every argument bound and typed
    /// (an untyped NULL would not pick the function). `select` and `rest` are constants of this file.
    private static func call(select: String, tenantID: UUID, query: SearchQuery, filter: ConversationFilter,
                             cursor: KeysetCursor?, limit: Int, rest: String) -> PostgresQuery {
        """
        \(unescaped: select)
        FROM (SELECT \(tenantID)::uuid AS tenant_id, f.* FROM public.search_messages(
                \(tenantID)::uuid, \(query.tsquery)::tsquery, \(filter.from)::timestamptz, \(filter.to)::timestamptz,
                \(filter.channel?.rawValue)::text, \(filter.agentID)::uuid, \(filter.departmentID)::uuid,
                \(filter.status?.rawValue)::text, \(filter.customerIDs)::uuid[], \(filter.tagIDs)::uuid[],
                \(filter.satisfaction)::text, \(filter.hasAttachment)::boolean, (timestamptz 'epoch' + \(cursor?.microseconds)::bigint * interval '1 microsecond'),
                \(cursor?.id)::uuid, \(limit)::int) AS f) AS s
        \(unescaped: rest)
        """
    }
}
