import Foundation
import PostgresNIO

/// `parley keys rotate`: re-seals every contact value (and two-step secret) not yet under
/// the current key of `PARLEY_CONTACT_KEYS`, and seals what rows from before encryption
/// still hold in plaintext, emptying those columns (sql/0026).
///
/// Batches of `batchSize` rows, each its own short transaction in the tenant's scope that
/// locks the rows it rewrites (`FOR UPDATE`), so ingestion writing the same customer
/// meanwhile is neither lost nor overwritten. Stopped at any point, a new run starts over
/// and finds only what is left: rows already under the current key no longer match.
public struct ContactKeyRotation: Sendable {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// Rows rewritten, per table.
    public struct Tally: Sendable, Equatable {
        public var customers = 0
        public var identities = 0
        public var twoStepSecrets = 0

        public init(customers: Int = 0, identities: Int = 0, twoStepSecrets: Int = 0) {
            self.customers = customers
            self.identities = identities
            self.twoStepSecrets = twoStepSecrets
        }
    }

    /// Every tenant's rows; `progress` hears each tenant's tally when it is done.
    public func run(batchSize: Int = 500, progress: (_ slug: String, Tally) -> Void = { _, _ in }) async throws -> Tally {
        let tenants = try await database.withScope(.platformOperator) { tx in
            try await tx.query("SELECT id, slug FROM tenants ORDER BY slug").decode((UUID, String).self).all()
        }
        var total = Tally()
        for (tenantID, slug) in tenants {
            let tally = try await rotate(tenantID: tenantID, batchSize: batchSize)
            total.customers += tally.customers
            total.identities += tally.identities
            total.twoStepSecrets += tally.twoStepSecrets
            progress(slug, tally)
        }
        return total
    }

    /// One tenant's rows.
    public func rotate(tenantID: UUID, batchSize: Int = 500) async throws -> Tally {
        func untilDone(_ batch: () async throws -> Int) async throws -> Int {
            var total = 0
            while true {
                let count = try await batch()
                guard count > 0 else { return total }
                total += count
            }
        }
        return Tally(customers: try await untilDone { try await customerBatch(tenantID, batchSize) },
                     identities: try await untilDone { try await identityBatch(tenantID, batchSize) },
                     twoStepSecrets: try await untilDone { try await twoStepBatch(tenantID, batchSize) })
    }

    /// "Under an older key, or still plaintext", for a pair of columns; the prefix is the
    /// current key's (format byte, id length, id), so the test needs no key in SQL.
    private static func stale(_ column: String) -> String {
        "(\(column) IS NOT NULL OR (\(column)_sealed IS NOT NULL AND substring(\(column)_sealed FROM 1 FOR $2::int) <> $3))"
    }

    private func binds(_ tenantID: UUID, _ batchSize: Int) -> PostgresBindings {
        let prefix = database.contacts.currentPrefix
        var binds = PostgresBindings(capacity: 4)
        binds.append(tenantID)
        binds.append(prefix.readableBytes)
        binds.append(prefix)
        binds.append(batchSize)
        return binds
    }

    private func customerBatch(_ tenantID: UUID, _ batchSize: Int) async throws -> Int {
        try await database.withScope(.tenant(tenantID)) { tx in
            let rows = try await tx.query(PostgresQuery(unsafeSQL: """
                SELECT id, phone_sealed, phone, email_sealed, email FROM customers
                WHERE tenant_id = $1 AND (\(Self.stale("phone")) OR \(Self.stale("email")))
                ORDER BY id LIMIT $4 FOR UPDATE
                """, binds: binds(tenantID, batchSize))).decode((UUID, ByteBuffer?, String?, ByteBuffer?, String?).self).all()
            guard !rows.isEmpty else { return 0 }
            let vault = tx.contacts
            let contacts = try rows.map { row in
                try SealedContacts(phone: vault.open(row.1, orLegacy: row.2, purpose: .phone, tenantID: tenantID),
                                   email: vault.open(row.3, orLegacy: row.4, purpose: .email, tenantID: tenantID),
                                   tenantID: tenantID, vault: vault)
            }
            func column(_ value: (SealedContacts) -> ByteBuffer?) -> [ByteBuffer] { contacts.map { value($0) ?? ByteBuffer() } }
            try await tx.execute("""
                UPDATE customers c
                SET phone_sealed = NULLIF(u.phone_sealed, ''), phone_hash = NULLIF(u.phone_hash, ''),
                    masked_phone_hash = NULLIF(u.masked_phone_hash, ''), phone = NULL,
                    email_sealed = NULLIF(u.email_sealed, ''), email_hash = NULLIF(u.email_hash, ''), email = NULL
                FROM unnest(\(rows.map(\.0))::uuid[], \(column(\.phone))::bytea[], \(column(\.phoneHash))::bytea[],
                            \(column(\.maskedPhoneHash))::bytea[], \(column(\.email))::bytea[], \(column(\.emailHash))::bytea[])
                     AS u(id, phone_sealed, phone_hash, masked_phone_hash, email_sealed, email_hash)
                WHERE c.tenant_id = \(tenantID) AND c.id = u.id
                """)
            return rows.count
        }
    }

    private func identityBatch(_ tenantID: UUID, _ batchSize: Int) async throws -> Int {
        try await database.withScope(.tenant(tenantID)) { tx in
            let rows = try await tx.query(PostgresQuery(unsafeSQL: """
                SELECT channel, external_id, phone_sealed, phone, email_sealed, email FROM customer_identities
                WHERE tenant_id = $1 AND (\(Self.stale("phone")) OR \(Self.stale("email")))
                ORDER BY channel, external_id LIMIT $4 FOR UPDATE
                """, binds: binds(tenantID, batchSize))).decode((String, String, ByteBuffer?, String?, ByteBuffer?, String?).self).all()
            guard !rows.isEmpty else { return 0 }
            let vault = tx.contacts
            var phones: [ByteBuffer] = [], emails: [ByteBuffer] = []
            for row in rows {
                let phone = try vault.open(row.2, orLegacy: row.3, purpose: .phone, tenantID: tenantID)
                let email = try vault.open(row.4, orLegacy: row.5, purpose: .email, tenantID: tenantID)
                phones.append(try vault.seal(phone, purpose: .phone, tenantID: tenantID) ?? ByteBuffer())
                emails.append(try vault.seal(email, purpose: .email, tenantID: tenantID) ?? ByteBuffer())
            }
            try await tx.execute("""
                UPDATE customer_identities i
                SET phone_sealed = NULLIF(u.phone_sealed, ''), phone = NULL, email_sealed = NULLIF(u.email_sealed, ''), email = NULL
                FROM unnest(\(rows.map(\.0))::text[], \(rows.map(\.1))::text[], \(phones)::bytea[], \(emails)::bytea[])
                     AS u(channel, external_id, phone_sealed, email_sealed)
                WHERE i.tenant_id = \(tenantID) AND i.channel = u.channel AND i.external_id = u.external_id
                """)
            return rows.count
        }
    }

    private func twoStepBatch(_ tenantID: UUID, _ batchSize: Int) async throws -> Int {
        try await database.withScope(.tenant(tenantID)) { tx in
            let rows = try await tx.query(PostgresQuery(unsafeSQL: """
                SELECT user_id, secret_sealed, secret FROM two_step_secrets
                WHERE tenant_id = $1 AND \(Self.stale("secret"))
                ORDER BY user_id LIMIT $4 FOR UPDATE
                """, binds: binds(tenantID, batchSize))).decode((UUID, ByteBuffer?, String?).self).all()
            guard !rows.isEmpty else { return 0 }
            let vault = tx.contacts
            let sealed = try rows.map { row in
                try vault.seal(vault.open(row.1, orLegacy: row.2, purpose: .twoStepSecret, tenantID: tenantID),
                               purpose: .twoStepSecret, tenantID: tenantID) ?? ByteBuffer()
            }
            try await tx.execute("""
                UPDATE two_step_secrets s SET secret_sealed = u.secret_sealed, secret = NULL
                FROM unnest(\(rows.map(\.0))::uuid[], \(sealed)::bytea[]) AS u(user_id, secret_sealed)
                WHERE s.tenant_id = \(tenantID) AND s.user_id = u.user_id
                """)
            return rows.count
        }
    }
}
