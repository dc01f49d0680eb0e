import Domain
import Foundation
import PostgresNIO

/// Customer profiles: one customer across channels, found by name, phone or e-mail.
public struct CustomerRepository: Sendable {
    let tx: Transaction
    let tenantID: UUID

    public init(_ tx: Transaction, tenantID: UUID) {
        self.tx = tx
        self.tenantID = tenantID
    }

    /// Customers whose phone or e-mail equals `term` (compared by keyed hash of the
    /// normalised form: contacts are encrypted, docs/contacts.md), or whose name starts with
    /// it (case-insensitive). Name prefixes use the `lower(name) text_pattern_ops` index.
    public func search(_ term: String, limit: Int) async throws -> [CustomerRecord] {
        let lowered = term.lowercased()
        let prefix = Self.escapeLike(lowered) + "%"
        let rows = try await tx.query("""
            SELECT id FROM customers
            WHERE tenant_id = \(tenantID)
              AND (phone_hash = \(tx.contacts.phoneHash(term)) OR email_hash = \(tx.contacts.emailHash(term))
                   OR phone = \(term) OR email = \(lowered) OR lower(name) LIKE \(prefix))
            ORDER BY created_at DESC, id DESC
            LIMIT \(limit)
            """).decode(UUID.self).all()
        return try await customers(rows)
    }

    /// The tenant's customers newest first, optionally only those carrying `tagID`.
    public func browse(tagID: UUID?, after cursor: KeysetCursor?, limit: Int) async throws -> Page<CustomerRecord> {
        let rows = try await tx.query("""
            SELECT id, created_at FROM customers
            WHERE tenant_id = \(tenantID)
              AND (\(tagID)::uuid IS NULL OR tag_ids @> ARRAY[\(tagID)]::uuid[])
              AND (\(cursor?.microseconds)::bigint IS NULL OR (created_at, id) <
                   (timestamptz 'epoch' + \(cursor?.microseconds)::bigint * interval '1 microsecond', \(cursor?.id)))
            ORDER BY created_at DESC, id DESC
            LIMIT \(limit + 1)
            """).decode((UUID, Date).self).all()
        let page = ConversationRepository.page(rows.map { (id: $0.0, createdAt: $0.1) }, limit: limit) {
            KeysetCursor(time: $0.createdAt, id: $0.id)
        }
        return Page(items: try await customers(page.items.map(\.id)), nextCursor: page.nextCursor)
    }

    /// Ids of customers matching every given contact filter (for conversation and search filters).
    /// Phones and e-mails match by keyed hash of their normalised form. A phone may be
    /// written as shown masked, `x` or `*` for the hidden digits (138****1234): it matches by
    /// the hash of the masked form, so only wildcards where Parley's masking puts them find
    /// anything. The plaintext columns are compared too, for rows written before encryption.
    public func ids(phone: String?, email: String?, name: String?, limit: Int = 10_000) async throws -> [UUID] {
        let masked = phone.map { $0.contains(where: { "xX*".contains($0) }) } ?? false
        let phoneHash = masked ? nil : tx.contacts.phoneHash(phone)
        let maskedHash = masked ? phone.map(tx.contacts.maskedPhoneFilterHash) : nil
        let legacyPattern = phone.map { Self.escapeLike($0).map { "xX*".contains($0) ? "_" : String($0) }.joined() }
        let namePrefix = name.map { Self.escapeLike($0.lowercased()) + "%" }
        let rows = try await tx.query("""
            SELECT id FROM customers
            WHERE tenant_id = \(tenantID)
              AND (\(legacyPattern)::text IS NULL OR phone_hash = \(phoneHash) OR masked_phone_hash = \(maskedHash)
                   OR phone LIKE \(legacyPattern))
              AND (\(email?.lowercased())::text IS NULL OR email_hash = \(tx.contacts.emailHash(email))
                   OR email = \(email?.lowercased()))
              AND (\(namePrefix)::text IS NULL OR lower(name) LIKE \(namePrefix))
            LIMIT \(limit)
            """)
        return try await rows.decode(UUID.self).all()
    }

    public func customer(_ id: UUID) async throws -> CustomerRecord {
        guard let record = try await customers([id]).first else { throw StoreError.notFound("customer") }
        return record
    }

    private func customers(_ ids: [UUID]) async throws -> [CustomerRecord] {
        guard !ids.isEmpty else { return [] }
        // Sealed identity facts travel through jsonb as base64 (jsonb has no bytes).
        let rows = try await tx.query("""
            SELECT c.id, c.name, c.phone_sealed, c.phone, c.email_sealed, c.email, c.created_at,
                   COALESCE((SELECT jsonb_agg(jsonb_build_object('channel', i.channel, 'externalId', i.external_id,
                                                                 'name', i.name, 'phone', i.phone, 'email', i.email,
                                                                 'phoneSealed', encode(i.phone_sealed, 'base64'),
                                                                 'emailSealed', encode(i.email_sealed, 'base64'))
                                              ORDER BY i.created_at)
                             FROM customer_identities i
                             WHERE i.tenant_id = \(tenantID) AND i.customer_id = c.id), '[]')::text,
                   c.tag_ids, c.attributes::text
            FROM customers c
            WHERE c.tenant_id = \(tenantID) AND c.id = ANY(\(ids))
            """)
        let vault = tx.contacts
        var byID: [UUID: CustomerRecord] = [:]
        for try await row in rows.decode((UUID, String?, ByteBuffer?, String?, ByteBuffer?, String?, Date, String, [UUID], String).self) {
            let stored = (try? JSONDecoder().decode([StoredIdentity].self, from: Data(row.7.utf8))) ?? []
            let identities = try stored.compactMap { identity -> CustomerRecord.Identity? in
                guard let channel = Domain.Channel(rawValue: identity.channel) else { return nil }
                return CustomerRecord.Identity(
                    channel: channel, externalID: identity.externalId, name: identity.name,
                    phone: try vault.open(identity.phoneSealed.flatMap(Self.bytes), orLegacy: identity.phone, purpose: .phone, tenantID: tenantID),
                    email: try vault.open(identity.emailSealed.flatMap(Self.bytes), orLegacy: identity.email, purpose: .email, tenantID: tenantID))
            }
            byID[row.0] = CustomerRecord(
                id: row.0, name: row.1,
                phone: try vault.open(row.2, orLegacy: row.3, purpose: .phone, tenantID: tenantID),
                email: try vault.open(row.4, orLegacy: row.5, purpose: .email, tenantID: tenantID),
                createdAt: row.6, identities: identities, tagIDs: row.8, attributesJSON: row.9)
        }
        return ids.compactMap { byID[$0] }
    }

    private static func bytes(_ base64: String) -> ByteBuffer? {
        Data(base64Encoded: base64, options: .ignoreUnknownCharacters).map { ByteBuffer(bytes: $0) }
    }

    /// Replaces the customer's tags; every id must be in the tenant's tag library.
    public func setTags(_ id: UUID, _ tagIDs: [UUID]) async throws -> CustomerRecord {
        _ = try await customer(id)
        let tags = try await TagRepository(tx, tenantID: tenantID).requireTags(tagIDs)
        try await tx.execute("UPDATE customers SET tag_ids = \(tags) WHERE tenant_id = \(tenantID) AND id = \(id)")
        return try await customer(id)
    }

    /// `%`, `_` and `\` in user input are literal characters, not LIKE wildcards.
    public static func escapeLike(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if character == "%" || character == "_" || character == "\\" { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }
}

/// An identity as the profile query spells it (jsonb).
private struct StoredIdentity: Decodable {
    let channel: String
    let externalId: String
    let name: String?
    let phone: String?
    let email: String?
    let phoneSealed: String?
    let emailSealed: String?
}
