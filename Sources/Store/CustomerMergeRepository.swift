import Domain
import Foundation
import PostgresNIO

/// Admins join two customer profiles that are one person, and split off an identity that
/// was joined by mistake (a shared phone, a typo). Each is one transaction that reaches
/// every row of the customers involved: old and binned conversations too.
public struct CustomerMergeRepository: Sendable {
    let tx: Transaction
    let tenantID: UUID

    public init(_ tx: Transaction, tenantID: UUID) {
        self.tx = tx
        self.tenantID = tenantID
    }

    /// Moves everything of `source` to `target` — identities, conversations, notes, visits —
    /// (refused while a legal hold is on `source`: a hold is never moved), fills the target's empty name, phone and e-mail from the source, adds its
    /// tags and the attributes the target lacks, and deletes the source. Answers the target.
    public func merge(_ source: UUID, into target: UUID) async throws -> CustomerRecord {
        guard source != target else { throw ValidationError(field: "customerId", reason: "must be another customer") }
        let customers = CustomerRepository(tx, tenantID: tenantID)
        _ = try await customers.customer(target)
        guard (try? await customers.customer(source)) != nil else {
            throw ValidationError(field: "customerId", reason: "no such customer")
        }
        // A hold names its customer and is evidence as placed: it is never rewritten to another.
        let held = try await tx.query("""
            SELECT count(*)::int FROM legal_holds
            WHERE tenant_id = \(tenantID) AND subject_type = 'customer' AND subject_id = \(source) AND released_at IS NULL
            """).decode(Int.self).all().first ?? 0
        guard held == 0 else {
            throw StoreError.conflict("a legal hold is on the customer to merge away: merge the other way round, or release the hold")
        }
        try await tx.liftHistoryWindow()
        try await RecycleBinRepository(tx, tenantID: tenantID).openBin()
        try await tx.execute("""
            UPDATE customers t
            SET name = COALESCE(t.name, s.name),
                \(unescaped: CustomerContactColumns.fillingGaps(of: "t", from: "s")),
                tag_ids = ARRAY(SELECT DISTINCT unnest(t.tag_ids || s.tag_ids)),
                attributes = s.attributes || t.attributes
            FROM customers s
            WHERE t.tenant_id = \(tenantID) AND t.id = \(target) AND s.tenant_id = \(tenantID) AND s.id = \(source)
            """)
        for table in ["customer_identities", "conversations", "customer_notes", "visits"] {
            try await tx.execute("""
                UPDATE \(unescaped: table) SET customer_id = \(target) WHERE tenant_id = \(tenantID) AND customer_id = \(source)
                """)
        }
        try await tx.execute("DELETE FROM customers WHERE tenant_id = \(tenantID) AND id = \(source)")
        try await AuditLog(tx, tenantID: tenantID).record(
            actor: tx.user?.userID, action: "customer.merged", targetType: "customer", targetID: target,
            details: ["merged": source.uuidString.lowercased()])
        return try await customers.customer(target)
    }

    /// Makes one identity of `customerID` a customer of its own, with the facts that identity
    /// gave. Its channel's conversations go with it when it is the customer's only identity on
    /// that channel (otherwise they cannot be told apart and stay). The last identity cannot be
    /// split off (a conflict). Answers the new customer.
    public func split(_ customerID: UUID, channel: Domain.Channel, externalID: String) async throws -> CustomerRecord {
        let customers = CustomerRepository(tx, tenantID: tenantID)
        let customer = try await customers.customer(customerID)
        guard let identity = customer.identities.first(where: { $0.channel == channel && $0.externalID == externalID }) else {
            throw ValidationError(field: "externalId", reason: "the customer has no such identity on that channel")
        }
        guard customer.identities.count > 1 else {
            throw StoreError.conflict("this is the customer's only identity: there is nothing to split it from")
        }
        try await tx.liftHistoryWindow()
        try await RecycleBinRepository(tx, tenantID: tenantID).openBin()
        let newID = tx.ids.make()
        let contacts = try SealedContacts(phone: identity.phone, email: identity.email, tenantID: tenantID, vault: tx.contacts)
        try await tx.execute("""
            INSERT INTO customers (tenant_id, id, name, phone_sealed, phone_hash, masked_phone_hash, email_sealed, email_hash,
                                   created_at)
            VALUES (\(tenantID), \(newID), \(identity.name), \(contacts.phone), \(contacts.phoneHash), \(contacts.maskedPhoneHash),
                    \(contacts.email), \(contacts.emailHash), \(tx.clock.now()))
            """)
        try await tx.execute("""
            UPDATE customer_identities SET customer_id = \(newID)
            WHERE tenant_id = \(tenantID) AND channel = \(channel.rawValue) AND external_id = \(externalID)
            """)
        let sameChannel = customer.identities.filter { $0.channel == channel }.count
        if sameChannel == 1 {
            try await tx.execute("""
                UPDATE conversations SET customer_id = \(newID)
                WHERE tenant_id = \(tenantID) AND customer_id = \(customerID) AND channel = \(channel.rawValue)
                """)
        }
        try await AuditLog(tx, tenantID: tenantID).record(
            actor: tx.user?.userID, action: "customer.split", targetType: "customer", targetID: customerID,
            details: ["newCustomer": newID.uuidString.lowercased(), "channel": channel.rawValue,
                      "conversationsMoved": String(sameChannel == 1)])
        return try await customers.customer(newID)
    }
}
