import Domain
import Foundation
import PostgresNIO
import Search

/// One message pushed by a channel integration, already validated by the API layer.
public struct IngestMessage: Sendable {
    public let conversationExternalID: String
    public let messageExternalID: String
    public let customer: IngestCustomer
    public let sentAt: Date
    public let senderSide: SenderSide
    /// For agent messages: the agent (a user of the tenant) who sent it.
    public let agentID: UUID?
    /// Routing of a conversation this message opens; ignored for existing conversations.
    public let departmentID: UUID?
    public let kind: MessageKind
    public let text: String?
    public let attachment: Attachment?
    /// The customer's rating of the conversation, when the channel reports one with this message.
    public let satisfaction: Satisfaction?

    public init(conversationExternalID: String, messageExternalID: String, customer: IngestCustomer, sentAt: Date,
                senderSide: SenderSide, agentID: UUID?, departmentID: UUID?, kind: MessageKind, text: String?, attachment: Attachment?,
                satisfaction: Satisfaction? = nil) {
        self.conversationExternalID = conversationExternalID
        self.messageExternalID = messageExternalID
        self.customer = customer
        self.sentAt = sentAt
        self.senderSide = senderSide
        self.agentID = agentID
        self.departmentID = departmentID
        self.kind = kind
        self.text = text
        self.attachment = attachment
        self.satisfaction = satisfaction
    }
}

public struct IngestCustomer: Sendable {
    public let externalID: String
    public let name: String?
    public let phone: String?
    public let email: String?
    /// Facts to merge into the customer's attributes (a JSON object), e.g. membership level.
    public let attributesJSON: String?
    public init(externalID: String, name: String?, phone: String?, email: String?, attributesJSON: String? = nil) {
        self.externalID = externalID
        self.name = name
        self.phone = phone
        self.email = email
        self.attributesJSON = attributesJSON
    }
}

/// One page visit pushed by a website or app integration.
public struct IngestVisit: Sendable {
    public let visitExternalID: String
    public let customer: IngestCustomer
    public let pageURL: String
    public let pageTitle: String?
    public let referrer: String?
    public let entrySource: String?
    public let device: String?
    public let startedAt: Date
    public let dwellSeconds: Int?

    public init(visitExternalID: String, customer: IngestCustomer, pageURL: String, pageTitle: String?, referrer: String?,
                entrySource: String?, device: String?, startedAt: Date, dwellSeconds: Int?) {
        self.visitExternalID = visitExternalID
        self.customer = customer
        self.pageURL = pageURL
        self.pageTitle = pageTitle
        self.referrer = referrer
        self.entrySource = entrySource
        self.device = device
        self.startedAt = startedAt
        self.dwellSeconds = dwellSeconds
    }
}

public struct IngestResult: Sendable, Equatable {
    public let messageID: UUID
    public let conversationID: UUID
    /// True when this (channel, external id) was stored before: nothing was written for it.
    public let duplicate: Bool
}

/// Stores a batch of channel messages atomically (the caller's transaction), creating
/// customers and conversations as needed. Idempotent by (channel, external message id).
public struct IngestionRepository: Sendable {
    let tx: Transaction
    let tenantID: UUID
    let channel: Domain.Channel

    public init(_ tx: Transaction, integration: IntegrationPrincipal) {
        self.tx = tx
        self.tenantID = integration.tenantID
        self.channel = integration.channel
    }

    private struct ConversationState {
        let id: UUID
        var departmentID: UUID?
        var agentID: UUID?
        var participants: [UUID]
        /// In the recycle bin: its new messages are binned with it (sql/0017).
        var binned = false
    }

    /// Creates, in this transaction, the month partitions a batch needs that the process
    /// does not know to exist. The fallback for callers that did not use
    /// `Database.ensureMessagePartitions` first; what it creates is not remembered, since
    /// this transaction may yet roll back.
    public func ensurePartitions(for dates: [Date]) async throws {
        for month in tx.partitions.unknown(among: dates).sorted() {
            try await tx.execute("SELECT ensure_message_partition(\(month))")
        }
    }

    /// Throws `ValidationError` naming `messages[i]...` for an item that refers to
    /// something that does not exist; the caller's transaction then writes nothing.
    public func ingest(_ batch: [IngestMessage]) async throws -> [IngestResult] {
        // Normally a no-op: the caller created them beforehand (Database.ensureMessagePartitions).
        try await ensurePartitions(for: batch.map(\.sentAt))
        try await requireUsers(batch)
        try await requireDepartments(batch)
        var customers: [String: UUID] = [:]
        var conversations: [String: ConversationState] = [:]
        var results: [IngestResult] = []
        results.reserveCapacity(batch.count)

        for (index, message) in batch.enumerated() {
            let messageID = IDGenerator.uuidV7(at: message.sentAt)
            let claimed = try await tx.query("""
                INSERT INTO message_keys (tenant_id, channel, external_id, message_id, created_at)
                VALUES (\(tenantID), \(channel.rawValue), \(message.messageExternalID), \(messageID), \(message.sentAt))
                ON CONFLICT DO NOTHING RETURNING message_id
                """).decode(UUID.self).all()
            guard !claimed.isEmpty else {
                results.append(try await duplicateResult(message, at: index))
                continue
            }
            let customerID: UUID
            if let known = customers[message.customer.externalID] {
                customerID = known
            } else {
                customerID = try await resolveCustomer(message.customer)
                customers[message.customer.externalID] = customerID
            }
            var conversation: ConversationState
            if let known = conversations[message.conversationExternalID] {
                conversation = known
            } else {
                conversation = try await resolveConversation(message, customerID: customerID)
            }
            if message.senderSide == .agent, let agentID = message.agentID, !conversation.participants.contains(agentID) {
                conversation.participants.append(agentID)
                if conversation.agentID == nil { conversation.agentID = agentID }
                try await updateParticipants(conversation)
            }
            conversations[message.conversationExternalID] = conversation
            try await insertMessage(message, id: messageID, conversation: conversation)
            results.append(IngestResult(messageID: messageID, conversationID: conversation.id, duplicate: false))
        }
        return results
    }

    /// Stores page visits; idempotent by (channel, external visit id). Returns how many were new.
    public func ingestVisits(_ visits: [IngestVisit]) async throws -> Int {
        var customers: [String: UUID] = [:]
        var created = 0
        for visit in visits {
            let customerID: UUID
            if let known = customers[visit.customer.externalID] {
                customerID = known
            } else {
                customerID = try await resolveCustomer(visit.customer)
                customers[visit.customer.externalID] = customerID
            }
            let inserted = try await tx.query("""
                INSERT INTO visits (tenant_id, id, customer_id, channel, external_id, page_url, page_title, referrer,
                                    entry_source, device, started_at, dwell_seconds)
                VALUES (\(tenantID), \(IDGenerator.uuidV7(at: visit.startedAt)), \(customerID), \(channel.rawValue),
                        \(visit.visitExternalID), \(visit.pageURL), \(visit.pageTitle), \(visit.referrer), \(visit.entrySource),
                        \(visit.device), \(visit.startedAt), \(visit.dwellSeconds))
                ON CONFLICT (tenant_id, channel, external_id) DO NOTHING
                RETURNING id
                """).decode(UUID.self).all()
            created += inserted.count
        }
        return created
    }

    private func requireUsers(_ batch: [IngestMessage]) async throws {
        let ids = Set(batch.compactMap(\.agentID))
        guard !ids.isEmpty else { return }
        let found = Set(try await tx.query("""
            SELECT id FROM users WHERE tenant_id = \(tenantID) AND id = ANY(\(Array(ids)))
            """).decode(UUID.self).all())
        if let index = batch.firstIndex(where: { $0.agentID.map { !found.contains($0) } ?? false }) {
            throw ValidationError(field: "messages[\(index)].agentId", reason: "no such agent in this tenant")
        }
    }

    private func requireDepartments(_ batch: [IngestMessage]) async throws {
        let ids = Set(batch.compactMap(\.departmentID))
        guard !ids.isEmpty else { return }
        let found = Set(try await tx.query("""
            SELECT id FROM departments WHERE tenant_id = \(tenantID) AND id = ANY(\(Array(ids)))
            """).decode(UUID.self).all())
        if let index = batch.firstIndex(where: { $0.departmentID.map { !found.contains($0) } ?? false }) {
            throw ValidationError(field: "messages[\(index)].departmentId", reason: "no such department in this tenant")
        }
    }

    private func duplicateResult(_ message: IngestMessage, at index: Int) async throws -> IngestResult {
        // A replay names the same conversation as the stored message; anything else is an
        // integration reusing a message id, which would silently lose the new message.
        let rows = try await tx.query("""
            SELECT k.message_id, m.conversation_id, c.external_id
            FROM message_keys k
            JOIN messages m ON m.tenant_id = \(tenantID) AND m.id = k.message_id AND m.created_at = k.created_at
            JOIN conversations c ON c.tenant_id = \(tenantID) AND c.id = m.conversation_id
            WHERE k.tenant_id = \(tenantID) AND k.channel = \(channel.rawValue) AND k.external_id = \(message.messageExternalID)
            """).decode((UUID, UUID, String).self).all()
        guard let (messageID, conversationID, conversationExternalID) = rows.first,
              conversationExternalID == message.conversationExternalID else {
            throw ValidationError(field: "messages[\(index)].messageExternalId",
                                  reason: "already used for a message of another conversation")
        }
        return IngestResult(messageID: messageID, conversationID: conversationID, duplicate: true)
    }

    /// Finds the customer behind a channel identity; a new identity joins an existing
    /// customer with the same phone or e-mail (one customer across channels), compared by
    /// keyed hash of the normalised form: contacts are stored sealed (docs/contacts.md).
    private func resolveCustomer(_ customer: IngestCustomer) async throws -> UUID {
        let contacts = try SealedContacts(phone: customer.phone, email: customer.email, tenantID: tenantID, vault: tx.contacts)
        // The identity keeps what it says now; whether it is the customer's first identity
        // decides whether that also replaces the profile's facts or only fills gaps.
        let existing = try await tx.query("""
            UPDATE customer_identities i
            SET name = COALESCE(\(customer.name), i.name),
                phone_sealed = COALESCE(\(contacts.phone), i.phone_sealed),
                phone = CASE WHEN \(contacts.phone)::bytea IS NULL THEN i.phone END,
                email_sealed = COALESCE(\(contacts.email), i.email_sealed),
                email = CASE WHEN \(contacts.email)::bytea IS NULL THEN i.email END
            WHERE i.tenant_id = \(tenantID) AND i.channel = \(channel.rawValue) AND i.external_id = \(customer.externalID)
            RETURNING i.customer_id,
                      NOT EXISTS (SELECT 1 FROM customer_identities o
                                  WHERE o.tenant_id = \(tenantID) AND o.customer_id = i.customer_id AND o.created_at < i.created_at)
            """).decode((UUID, Bool).self).all()
        if let (id, first) = existing.first {
            if first {
                try await tx.execute("""
                    UPDATE customers
                    SET name = COALESCE(\(customer.name), name),
                        phone_sealed = COALESCE(\(contacts.phone), phone_sealed),
                        phone_hash = COALESCE(\(contacts.phoneHash), phone_hash),
                        masked_phone_hash = COALESCE(\(contacts.maskedPhoneHash), masked_phone_hash),
                        phone = CASE WHEN \(contacts.phone)::bytea IS NULL THEN phone END,
                        email_sealed = COALESCE(\(contacts.email), email_sealed),
                        email_hash = COALESCE(\(contacts.emailHash), email_hash),
                        email = CASE WHEN \(contacts.email)::bytea IS NULL THEN email END,
                        attributes = attributes || COALESCE(\(customer.attributesJSON)::jsonb, '{}')
                    WHERE tenant_id = \(tenantID) AND id = \(id)
                    """)
            } else {
                try await fillGaps(of: id, from: customer, contacts: contacts)
            }
            return id
        }
        let now = tx.clock.now()
        // The plaintext columns hold only rows written before encryption (until `parley keys rotate`).
        let merged = try await tx.query("""
            SELECT id FROM customers
            WHERE tenant_id = \(tenantID)
              AND (phone_hash = \(contacts.phoneHash) OR email_hash = \(contacts.emailHash)
                   OR phone = \(customer.phone) OR email = \(customer.email))
            ORDER BY created_at LIMIT 1
            """).decode(UUID.self).all()
        let customerID: UUID
        if let id = merged.first {
            customerID = id
            try await fillGaps(of: id, from: customer, contacts: contacts)
        } else {
            customerID = tx.ids.make()
            try await tx.execute("""
                INSERT INTO customers (tenant_id, id, name, phone_sealed, phone_hash, masked_phone_hash, email_sealed, email_hash,
                                       attributes, created_at)
                VALUES (\(tenantID), \(customerID), \(customer.name), \(contacts.phone), \(contacts.phoneHash),
                        \(contacts.maskedPhoneHash), \(contacts.email), \(contacts.emailHash),
                        COALESCE(\(customer.attributesJSON)::jsonb, '{}'), \(now))
                """)
        }
        let linked = try await tx.query("""
            INSERT INTO customer_identities (tenant_id, channel, external_id, customer_id, created_at, name, phone_sealed, email_sealed)
            VALUES (\(tenantID), \(channel.rawValue), \(customer.externalID), \(customerID), \(now),
                    \(customer.name), \(contacts.phone), \(contacts.email))
            ON CONFLICT (tenant_id, channel, external_id) DO NOTHING
            RETURNING customer_id
            """).decode(UUID.self).all()
        if linked.isEmpty {
            // A concurrent batch linked this identity first: use its customer.
            return try await tx.query("""
                SELECT customer_id FROM customer_identities
                WHERE tenant_id = \(tenantID) AND channel = \(channel.rawValue) AND external_id = \(customer.externalID)
                """).decode(UUID.self).all().first ?? customerID
        }
        return customerID
    }

    /// What another identity of the customer says fills the profile only where it is empty
    /// (and adds attributes the profile lacks): a stranger's phone number in someone's chat
    /// must not rename the customer it belongs to. The identity keeps its own facts.
    private func fillGaps(of customerID: UUID, from customer: IngestCustomer, contacts: SealedContacts) async throws {
        try await tx.execute("""
            UPDATE customers c
            SET \(unescaped: CustomerContactColumns.fillingGaps(of: "c", from: "new")),
                name = COALESCE(c.name, \(customer.name)),
                attributes = COALESCE(\(customer.attributesJSON)::jsonb, '{}') || c.attributes
            FROM (SELECT \(contacts.phone)::bytea AS phone_sealed, \(contacts.phoneHash)::bytea AS phone_hash,
                         \(contacts.maskedPhoneHash)::bytea AS masked_phone_hash, NULL::text AS phone,
                         \(contacts.email)::bytea AS email_sealed, \(contacts.emailHash)::bytea AS email_hash,
                         NULL::text AS email) AS new
            WHERE c.tenant_id = \(tenantID) AND c.id = \(customerID)
            """)
    }

    /// The conversation, locked for this transaction: a transfer or another batch
    /// touching it waits, so the department and participants copied onto messages are
    /// never a stale read. A concurrent batch creating it first is not an error.
    private func resolveConversation(_ message: IngestMessage, customerID: UUID) async throws -> ConversationState {
        func locked() async throws -> ConversationState? {
            let rows = try await tx.query("""
                SELECT id, department_id, agent_id, participant_ids, status = 'deleted' FROM conversations
                WHERE tenant_id = \(tenantID) AND channel = \(channel.rawValue) AND external_id = \(message.conversationExternalID)
                FOR UPDATE
                """).decode((UUID, UUID?, UUID?, [UUID], Bool).self).all()
            return rows.first.map { ConversationState(id: $0.0, departmentID: $0.1, agentID: $0.2, participants: $0.3, binned: $0.4) }
        }
        if let existing = try await locked() { return existing }
        let id = IDGenerator.uuidV7(at: message.sentAt)
        let created = try await tx.query("""
            INSERT INTO conversations (tenant_id, id, channel, external_id, customer_id, department_id, status,
                                       started_at, last_message_at)
            VALUES (\(tenantID), \(id), \(channel.rawValue), \(message.conversationExternalID), \(customerID),
                    \(message.departmentID), 'ongoing', \(message.sentAt), \(message.sentAt))
            ON CONFLICT (tenant_id, channel, external_id) DO NOTHING
            RETURNING id
            """).decode(UUID.self).all()
        if created.isEmpty, let raced = try await locked() { return raced }
        return ConversationState(id: id, departmentID: message.departmentID, agentID: nil, participants: [])
    }

    private func updateParticipants(_ conversation: ConversationState) async throws {
        try await ConversationAccessCopies.write(conversation.id, tenantID: tenantID, departmentID: conversation.departmentID,
                                                 agentID: conversation.agentID, participants: conversation.participants, tx: tx)
    }

    private func insertMessage(_ message: IngestMessage, id: UUID, conversation: ConversationState) async throws {
        let attachmentJSON = try message.attachment.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        let senderID = message.agentID?.uuidString.lowercased() ?? (message.senderSide == .customer ? message.customer.externalID : nil)
        // Tokenized here, in the stateless service, so the shared database does not pay for it.
        let searchVector = SearchVector.literal(for: message.text ?? "")
        try await tx.execute("""
            INSERT INTO messages (tenant_id, id, created_at, conversation_id, channel, kind, sender_side, sender_id,
                                  body, attachment, external_id, department_id, participant_ids, search_vector, search_version,
                                  binned)
            VALUES (\(tenantID), \(id), \(message.sentAt), \(conversation.id), \(channel.rawValue), \(message.kind.rawValue),
                    \(message.senderSide.rawValue), \(senderID), \(message.text), \(attachmentJSON)::jsonb,
                    \(message.messageExternalID), \(conversation.departmentID), \(conversation.participants),
                    \(searchVector)::tsvector, \(Tokenizer.version), \(conversation.binned))
            """)
        try await tx.execute("""
            UPDATE conversations SET message_count = message_count + 1,
                   attachment_count = attachment_count + \(message.attachment == nil ? 0 : 1),
                   satisfaction = COALESCE(\(message.satisfaction?.rawValue), satisfaction),
                   started_at = LEAST(started_at, \(message.sentAt)),
                   last_message_at = GREATEST(last_message_at, \(message.sentAt))
            WHERE tenant_id = \(tenantID) AND id = \(conversation.id)
            """)
    }
}

/// The visibility policy reads department and participants from each row it guards;
/// this keeps the copies on messages in step with their conversation.
enum ConversationAccessCopies {
    static func write(_ conversationID: UUID, tenantID: UUID, departmentID: UUID?, agentID: UUID?,
                      participants: [UUID], tx: Transaction) async throws {
        try await tx.liftHistoryWindow()
        try await tx.execute("""
            UPDATE conversations SET department_id = \(departmentID), agent_id = \(agentID), participant_ids = \(participants)
            WHERE tenant_id = \(tenantID) AND id = \(conversationID)
            """)
        try await tx.execute("""
            UPDATE messages SET department_id = \(departmentID), participant_ids = \(participants)
            WHERE tenant_id = \(tenantID) AND conversation_id = \(conversationID)
            """)
    }
}
