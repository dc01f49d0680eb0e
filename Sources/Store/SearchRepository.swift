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
    ///
    /// The function is called at the top level of its statement, and the page's customers
    /// and agents are read in a second one: on Citus a call inside a subquery or a join is
    /// pushed to a shard and fails there, and one shape crashed the coordinator (CITUS.md);
    /// `SELECT … FROM search_messages(…)` alone is delegated whole to the tenant's shard.
    public func search(_ query: SearchQuery, filter: ConversationFilter, after cursor: KeysetCursor?, limit: Int) async throws -> Page<MessageHit> {
        let rows = try await tx.query(Self.call(
            select: """
                SELECT message_id, conversation_id, created_at, kind, sender_side, sender_id, body,
                       attachment::text, external_id, channel, status, customer_id, agent_id
                """,
            tenantID: tenantID, query: query, filter: filter, cursor: cursor, limit: limit + 1))
        var found: [(message: MessageRecord, channel: String, status: String, customerID: UUID, agentID: UUID?)] = []
        for try await row in rows {
            let r = row.makeRandomAccess()
            let message = MessageRecord(
                id: try r[0].decode(UUID.self), conversationID: try r[1].decode(UUID.self), createdAt: try r[2].decode(Date.self),
                kind: MessageKind(rawValue: try r[3].decode(String.self)) ?? .text,
                senderSide: SenderSide(rawValue: try r[4].decode(String.self)) ?? .system,
                senderID: try r[5].decode(String?.self), text: try r[6].decode(String?.self),
                attachment: try r[7].decode(String?.self).flatMap { try? JSONDecoder().decode(Attachment.self, from: Data($0.utf8)) },
                externalID: try r[8].decode(String.self))
            found.append((message, try r[9].decode(String.self), try r[10].decode(String.self),
                          try r[11].decode(UUID.self), try r[12].decode(UUID?.self)))
        }
        // The function returns its page newest first; kept so whatever the executor does.
        found.sort { ($0.message.createdAt, $0.message.id.uuidString) > ($1.message.createdAt, $1.message.id.uuidString) }
        let customers = try await customerSummaries(Set(found.map(\.customerID)))
        let agents = try await agentNames(Set(found.compactMap(\.agentID)))
        let hits = found.compactMap { item -> MessageHit? in
            // A customer is tenant-wide and never deleted while messages refer to it.
            guard let customer = customers[item.customerID] else { return nil }
            return MessageHit(message: item.message, channel: Domain.Channel(rawValue: item.channel) ?? .web,
                              conversationStatus: ConversationStatus(rawValue: item.status) ?? .ongoing,
                              customer: customer, agentID: item.agentID, agentName: item.agentID.flatMap { agents[$0] })
        }
        return ConversationRepository.page(hits, limit: limit) { KeysetCursor(time: $0.message.createdAt, id: $0.message.id) }
    }

    private func customerSummaries(_ ids: Set<UUID>) async throws -> [UUID: CustomerSummary] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await tx.query("""
            SELECT id, name, phone_sealed, phone, email_sealed, email FROM customers
            WHERE tenant_id = \(tenantID) AND id = ANY(\(Array(ids)))
            """).decode((UUID, String?, ByteBuffer?, String?, ByteBuffer?, String?).self).all()
        let vault = tx.contacts
        return Dictionary(uniqueKeysWithValues: try rows.map { row in
            (row.0, CustomerSummary(id: row.0, name: row.1,
                                    phone: try vault.open(row.2, orLegacy: row.3, purpose: .phone, tenantID: tenantID),
                                    email: try vault.open(row.4, orLegacy: row.5, purpose: .email, tenantID: tenantID)))
        })
    }

    private func agentNames(_ ids: Set<UUID>) async throws -> [UUID: String] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await tx.query("""
            SELECT id, display_name FROM users WHERE tenant_id = \(tenantID) AND id = ANY(\(Array(ids)))
            """).decode((UUID, String).self).all()
        return Dictionary(uniqueKeysWithValues: rows.map { ($0.0, $0.1) })
    }

    /// How many messages match, counted up to `bound`; `exact` is false when there are more.
    /// The ids are counted here rather than with `count(*)` in SQL: Citus runs an aggregate
    /// over the function on the coordinator as the function's owner, which may not log in to
    /// the workers (measured: refused), while a plain select of it is delegated whole.
    public func count(_ query: SearchQuery, filter: ConversationFilter, bound: Int) async throws -> (count: Int, exact: Bool) {
        let rows = try await tx.query(Self.call(select: "SELECT message_id", tenantID: tenantID, query: query, filter: filter,
                                                cursor: nil, limit: bound + 1))
        let count = try await rows.decode(UUID.self).all().count
        return (min(count, bound), count <= bound)
    }

    /// Conversations with at least one matching message (the newest `bound` matches decide).
    /// Conversations holding one of the newest `bound` matching messages, newest match
    /// first, and whether there were more matches than `bound` (older ones not considered).
    public func conversationIDs(matching query: SearchQuery, filter: ConversationFilter, bound: Int) async throws -> (ids: [UUID], reachedBound: Bool) {
        let rows = try await tx.query(Self.call(select: "SELECT conversation_id", tenantID: tenantID, query: query,
                                                filter: filter, cursor: nil, limit: bound + 1))
        let matches = try await rows.decode(UUID.self).all()
        var seen = Set<UUID>()
        return (matches.prefix(bound).filter { seen.insert($0).inserted }, matches.count > bound)
    }

    /// `<select> FROM search_messages(…)`, at the top level, every argument bound and typed
    /// (an untyped NULL would not pick the function). `select` is a constant of this file.
    private static func call(select: String, tenantID: UUID, query: SearchQuery, filter: ConversationFilter,
                             cursor: KeysetCursor?, limit: Int) -> PostgresQuery {
        """
        \(unescaped: select)
        FROM public.search_messages(
                \(tenantID)::uuid, \(query.tsquery)::tsquery, \(filter.from)::timestamptz, \(filter.to)::timestamptz,
                \(filter.channel?.rawValue)::text, \(filter.agentID)::uuid, \(filter.departmentID)::uuid,
                \(filter.status?.rawValue)::text, \(filter.customerIDs)::uuid[], \(filter.tagIDs)::uuid[],
                \(filter.satisfaction)::text, \(filter.hasAttachment)::boolean, (timestamptz 'epoch' + \(cursor?.microseconds)::bigint * interval '1 microsecond'),
                \(cursor?.id)::uuid, \(limit)::int)
        """
    }
}
