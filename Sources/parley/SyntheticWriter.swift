import Foundation
import PostgresNIO
import Search
import Store

/// Writes benchmark rows in bulk, inside a tenant's scope (so row-level security checks
/// every row, as for ingestion), with the same columns and values `IngestionRepository`
/// writes. Each statement binds whole Swift arrays and lets PostgreSQL `unnest` them:
/// one round trip and one plan for thousands of rows, instead of one per row.
enum SyntheticWriter {
    /// Customers and their channel identities; `created_at` is the moment of writing, as ingestion sets it.
    static func writeCustomers(_ customers: ArraySlice<SyntheticCustomer>, tenantID: UUID, at now: Date,
                               tx: Transaction) async throws {
        let ids = customers.map(\.id)
        let names = customers.map(\.name)
        // Sealed and hashed as ingestion stores them (SealedContacts); an empty value stands for none.
        let contacts = try customers.map { try SealedContacts(phone: $0.phone, email: $0.email, tenantID: tenantID, vault: tx.contacts) }
        func column(_ value: (SealedContacts) -> ByteBuffer?) -> [ByteBuffer] { contacts.map { value($0) ?? ByteBuffer() } }
        try await execute(tx, """
            INSERT INTO customers (tenant_id, id, name, phone_sealed, phone_hash, masked_phone_hash, email_sealed, email_hash,
                                   created_at)
            SELECT \(tenantID), u.id, u.name, NULLIF(u.phone_sealed, ''), NULLIF(u.phone_hash, ''), NULLIF(u.masked_phone_hash, ''),
                   NULLIF(u.email_sealed, ''), NULLIF(u.email_hash, ''), \(now)
            FROM unnest(\(ids)::uuid[], \(names)::text[], \(column(\.phone))::bytea[], \(column(\.phoneHash))::bytea[],
                        \(column(\.maskedPhoneHash))::bytea[], \(column(\.email))::bytea[], \(column(\.emailHash))::bytea[])
                 AS u(id, name, phone_sealed, phone_hash, masked_phone_hash, email_sealed, email_hash)
            """)
        let identities = customers.flatMap { customer in customer.identities.map { (customer.id, $0) } }
        try await execute(tx, """
            INSERT INTO customer_identities (tenant_id, channel, external_id, customer_id, created_at)
            SELECT \(tenantID), u.channel, u.external_id, u.customer_id, \(now)
            FROM unnest(\(identities.map(\.1.channel.rawValue))::text[], \(identities.map(\.1.externalID))::text[],
                        \(identities.map(\.0))::uuid[]) AS u(channel, external_id, customer_id)
            """)
    }

    /// A chunk's conversations, messages and message keys (their months' partitions exist).
    static func writeChunk(_ rows: SyntheticRows, tenantID: UUID, tx: Transaction) async throws {
        // Ended conversations closed two minutes after their last message; ongoing ones have no end.
        // attachment_count and satisfaction as ingestion keeps them (the list and search filter on both).
        try await execute(tx, """
            INSERT INTO conversations (tenant_id, id, channel, external_id, customer_id, department_id, agent_id,
                                       participant_ids, status, satisfaction, started_at, ended_at, last_message_at,
                                       message_count, attachment_count)
            SELECT \(tenantID), u.id, u.channel, u.external_id, u.customer_id, u.department_id, NULLIF(u.agent_id, '')::uuid,
                   u.participant_ids::uuid[], u.status, NULLIF(u.satisfaction, ''), u.started_at,
                   CASE WHEN u.status = 'ongoing' THEN NULL ELSE u.ended_at END, u.last_message_at, u.message_count,
                   u.attachment_count
            FROM unnest(\(rows.conversationIDs)::uuid[], \(rows.conversationChannels)::text[],
                        \(rows.conversationExternalIDs)::text[], \(rows.customerIDs)::uuid[],
                        \(rows.conversationDepartmentIDs)::uuid[], \(rows.agentIDs)::text[],
                        \(rows.conversationParticipants)::text[], \(rows.statuses)::text[], \(rows.startedAt)::timestamptz[],
                        \(rows.endedAt)::timestamptz[], \(rows.lastMessageAt)::timestamptz[], \(rows.messageCounts)::int[],
                        \(rows.attachmentCounts)::int[], \(rows.satisfactions)::text[])
                 AS u(id, channel, external_id, customer_id, department_id, agent_id, participant_ids, status,
                      started_at, ended_at, last_message_at, message_count, attachment_count, satisfaction)
            """)
        try await execute(tx, """
            INSERT INTO messages (tenant_id, id, created_at, conversation_id, channel, kind, sender_side, sender_id,
                                  body, attachment, external_id, department_id, participant_ids, search_vector, search_version)
            SELECT \(tenantID), u.id, u.created_at, u.conversation_id, u.channel, u.kind, u.sender_side, NULLIF(u.sender_id, ''),
                   NULLIF(u.body, ''), NULLIF(u.attachment, '')::jsonb, u.external_id, u.department_id,
                   u.participant_ids::uuid[], u.search_vector::tsvector, \(Tokenizer.version)
            FROM unnest(\(rows.messageIDs)::uuid[], \(rows.createdAt)::timestamptz[], \(rows.messageConversationIDs)::uuid[],
                        \(rows.channels)::text[], \(rows.kinds)::text[], \(rows.senderSides)::text[], \(rows.senderIDs)::text[],
                        \(rows.bodies)::text[], \(rows.attachments)::text[], \(rows.externalIDs)::text[],
                        \(rows.departmentIDs)::uuid[], \(rows.participants)::text[], \(rows.searchVectors)::text[])
                 AS u(id, created_at, conversation_id, channel, kind, sender_side, sender_id, body, attachment,
                      external_id, department_id, participant_ids, search_vector)
            """)
        try await execute(tx, """
            INSERT INTO message_keys (tenant_id, channel, external_id, message_id, created_at)
            SELECT \(tenantID), u.channel, u.external_id, u.message_id, u.created_at
            FROM unnest(\(rows.channels)::text[], \(rows.externalIDs)::text[], \(rows.messageIDs)::uuid[],
                        \(rows.createdAt)::timestamptz[]) AS u(channel, external_id, message_id, created_at)
            """)
    }

    /// First instants (UTC) of every month from `oldest` to `newest`.
    static func monthStarts(from oldest: Date, to newest: Date) -> [Date] {
        guard oldest <= newest else { return [] }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var month = calendar.dateInterval(of: .month, for: oldest)!.start
        var months: [Date] = []
        while month <= newest {
            months.append(month)
            month = calendar.date(byAdding: .month, value: 1, to: month)!
        }
        return months
    }

    private static func execute(_ tx: Transaction, _ query: PostgresQuery) async throws {
        _ = try await tx.connection.query(query, logger: tx.logger).collect()
    }
}
