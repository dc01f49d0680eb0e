import Domain
import Foundation
import PostgresNIO
import Store
import TestSupport
import Testing

/// Contact details at rest (sql/0026, docs/contacts.md): what a copy of the database shows,
/// lookups and the merge by keyed hash, and `parley keys rotate`.
@Suite("Contact data encrypted at rest")
struct ContactEncryptionTests {
    static let phone = "+86 138 1234 5678"
    static let email = "Wei.Zhang@Example.com"

    private func ingest(_ db: TestDatabase, _ fixture: TenantFixture, database: Database? = nil, identity: String,
                        phone: String?, email: String?, channel: Domain.Channel = .wechat) async throws {
        let integration = IntegrationPrincipal(tenantID: fixture.tenantID, apiKeyID: fixture.integration.apiKeyID, channel: channel)
        let customer = IngestCustomer(externalID: identity, name: "Name of \(identity)", phone: phone, email: email)
        let message = IngestMessage(conversationExternalID: "conversation-\(identity)", messageExternalID: "message-\(identity)",
                                    customer: customer, sentAt: Date(), senderSide: .customer, agentID: nil, departmentID: nil,
                                    kind: .text, text: "hello", attachment: nil)
        _ = try await (database ?? db.database).withScope(.integration(integration)) { tx in
            try await IngestionRepository(tx, integration: integration).ingest([message])
        }
    }

    /// Every row of the contact-holding tables as text, as someone with the database but not the keys sees it.
    private func rawText(_ db: TestDatabase) async throws -> String {
        var text = ""
        for table in ["customers", "customer_identities", "two_step_secrets"] {
            for row in try await db.superuserRows("SELECT t::text FROM \(table) t") { text += try row.decode(String.self) + "\n" }
        }
        return text
    }

    @Test("the raw tables hold no phone number, e-mail address or two-step secret in any spelling")
    func noPlaintext() async throws {
        try await TestDatabase.with { db in
            let acme = try await TenantFixture.make(in: db, slug: db.slug("acme"))
            try await ingest(db, acme, identity: "wx-1", phone: Self.phone, email: Self.email.lowercased())
            try await ingest(db, acme, identity: "wx-2", phone: "13900001111", email: nil)
            let secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
            let admin = acme.users["admin"]!
            _ = try await db.database.withScope(.tenant(acme.tenantID)) { tx in
                try await TwoStepRepository(tx, tenantID: acme.tenantID).begin(admin, secret: secret)
            }
            let raw = try await rawText(db)
            #expect(raw.contains("Name of wx-1"), "the dump is of the right rows")
            for plaintext in ["13812345678", "1234 5678", "12345678", "13900001111", "wei.zhang", "example.com", secret,
                              String(secret.prefix(12))] {
                #expect(!raw.lowercased().contains(plaintext.lowercased()), "\(plaintext) is readable in the raw tables")
            }
            // Hex of the plaintext would be as readable as the text.
            let hexPhone = Array("13812345678".utf8).map { String(format: "%02x", $0) }.joined()
            #expect(!raw.contains(hexPhone))
            // The service still reads them.
            let found = try await db.database.withScope(.tenant(acme.tenantID)) { tx in
                try await CustomerRepository(tx, tenantID: acme.tenantID).search("13812345678", limit: 5)
            }
            #expect(found.map(\.phone) == [Self.phone])
            #expect(found.first?.email == Self.email.lowercased())
            #expect(found.first?.identities.first?.phone == Self.phone)
            let enrolment = try await db.database.withScope(.tenant(acme.tenantID)) { tx in
                try await TwoStepRepository(tx, tenantID: acme.tenantID).enrolment(of: admin)
            }
            #expect(enrolment?.secret == secret)
        }
    }

    @Test("exact lookups, the masked filter and the cross-channel merge work on the normalised number",
          arguments: ["13812345678", "+8613812345678", "0086 138-1234-5678", "8613812345678", "(+86) 138 1234 5678"])
    func lookupsByNormalisedNumber(_ spelling: String) async throws {
        try await TestDatabase.with { db in
            let acme = try await TenantFixture.make(in: db, slug: db.slug("acme"))
            try await ingest(db, acme, identity: "wx-1", phone: Self.phone, email: nil)
            // The same number on another channel, spelt differently: one customer.
            try await ingest(db, acme, identity: "app-1", phone: spelling, email: "wei@example.com", channel: .app)
            try await db.database.withScope(.tenant(acme.tenantID)) { tx in
                let customers = CustomerRepository(tx, tenantID: acme.tenantID)
                let byPhone = try await customers.search(spelling, limit: 5)
                #expect(byPhone.count == 1)
                #expect(byPhone.first?.identities.count == 2)
                // The first identity's facts stay the profile's; the second only filled the e-mail gap.
                #expect(byPhone.first?.phone == Self.phone)
                #expect(byPhone.first?.email == "wei@example.com")
                #expect(try await customers.ids(phone: "138****5678", email: nil, name: nil) == byPhone.map(\.id))
                #expect(try await customers.ids(phone: "+86 138****5678", email: nil, name: nil) == byPhone.map(\.id))
                #expect(try await customers.ids(phone: "138****5679", email: nil, name: nil).isEmpty)
                #expect(try await customers.ids(phone: nil, email: "WEI@example.com", name: nil) == byPhone.map(\.id))
                #expect(try await customers.ids(phone: "13812345670", email: nil, name: nil).isEmpty)
            }
        }
    }

    @Test("a sealed value copied into another tenant's row does not open there")
    func boundToTenant() async throws {
        try await TestDatabase.with { db in
            let acme = try await TenantFixture.make(in: db, slug: db.slug("acme"))
            let globex = try await TenantFixture.make(in: db, slug: db.slug("globex"))
            try await ingest(db, acme, identity: "wx-1", phone: Self.phone, email: nil)
            try await ingest(db, globex, identity: "wx-9", phone: "13900009999", email: nil)
            _ = try await db.superuserRows("""
                UPDATE customers g SET phone_sealed = a.phone_sealed
                FROM customers a
                WHERE a.tenant_id = '\(acme.tenantID.uuidString.lowercased())' AND a.phone_sealed IS NOT NULL
                  AND g.tenant_id = '\(globex.tenantID.uuidString.lowercased())' AND g.phone_sealed IS NOT NULL
                """)
            await #expect(throws: StoreError.self) {
                try await db.database.withScope(.tenant(globex.tenantID)) { tx in
                    try await CustomerRepository(tx, tenantID: globex.tenantID).search("Name of", limit: 5)
                }
            }
        }
    }

    @Test("keys rotate re-seals older keys' values and plaintext rows, in batches, and a second run finds nothing")
    func rotation() async throws {
        try await TestDatabase.with { db in
            let acme = try await TenantFixture.make(in: db, slug: db.slug("acme"))
            // Written while `test-1` was the current key.
            let before = Database(client: db.client, contacts: TestDatabase.contactVault(current: "test-1"), logger: TestDatabase.logger)
            for index in 0..<5 {
                try await ingest(db, acme, database: before, identity: "wx-\(index)", phone: "1380000000\(index)",
                                 email: "c\(index)@example.com")
            }
            let admin = acme.users["admin"]!
            _ = try await before.withScope(.tenant(acme.tenantID)) { tx in
                try await TwoStepRepository(tx, tenantID: acme.tenantID).begin(admin, secret: "ROTATEMEROTATEME")
            }
            // And one row from before encryption, in plaintext.
            let tenant = acme.tenantID.uuidString.lowercased()
            let legacyID = UUID()
            _ = try await db.superuserRows("""
                INSERT INTO customers (tenant_id, id, name, phone, email, created_at)
                VALUES ('\(tenant)', '\(legacyID.uuidString.lowercased())', 'Legacy', '13811112222', 'old@example.com', now())
                """)
            _ = try await db.superuserRows("""
                INSERT INTO customer_identities (tenant_id, channel, external_id, customer_id, created_at, name, phone)
                VALUES ('\(tenant)', 'web', 'legacy-visitor', '\(legacyID.uuidString.lowercased())', now(), 'Legacy', '13811112222')
                """)
            // Before rotation the plaintext row is still found (the fallback).
            let foundBefore = try await db.database.withScope(.tenant(acme.tenantID)) { tx in
                try await CustomerRepository(tx, tenantID: acme.tenantID).search("13811112222", limit: 5).map(\.id)
            }
            #expect(foundBefore == [legacyID])

            let rotation = ContactKeyRotation(database: db.database)
            let tally = try await rotation.rotate(tenantID: acme.tenantID, batchSize: 2)
            #expect(tally == ContactKeyRotation.Tally(customers: 6, identities: 6, twoStepSecrets: 1))
            #expect(try await rotation.rotate(tenantID: acme.tenantID, batchSize: 2) == ContactKeyRotation.Tally())

            let keyIDs = try await db.superuserRows("""
                SELECT DISTINCT substring(v FROM 3 FOR get_byte(v, 1))::text FROM (
                    SELECT phone_sealed FROM customers WHERE tenant_id = '\(tenant)'
                    UNION ALL SELECT email_sealed FROM customers WHERE tenant_id = '\(tenant)'
                    UNION ALL SELECT phone_sealed FROM customer_identities WHERE tenant_id = '\(tenant)'
                    UNION ALL SELECT secret_sealed FROM two_step_secrets WHERE tenant_id = '\(tenant)') AS s(v)
                WHERE v IS NOT NULL
                """).map { try $0.decode(String.self) }
            #expect(keyIDs == ["\\x746573742d32"], "every value is under test-2 (hex of its id)")
            #expect(try await db.count("customers WHERE phone IS NOT NULL OR email IS NOT NULL") == 0)
            #expect(try await db.count("customer_identities WHERE phone IS NOT NULL OR email IS NOT NULL") == 0)
            #expect(try await db.count("two_step_secrets WHERE secret IS NOT NULL") == 0)

            // Everything still reads, and is found, with only the new key.
            let newOnly = Database(client: db.client,
                                   contacts: try ContactVault(keys: [(id: "test-2", bytes: [UInt8](repeating: 0x22, count: 32))],
                                                              lookupSecret: Array("test-contact-lookup-key-0123456789abcdef".utf8)),
                                   logger: TestDatabase.logger)
            try await newOnly.withScope(.tenant(acme.tenantID)) { tx in
                let customers = CustomerRepository(tx, tenantID: acme.tenantID)
                let legacy = try await customers.search("13811112222", limit: 5)
                #expect(legacy.map(\.email) == ["old@example.com"])
                #expect(legacy.first?.identities.first?.phone == "13811112222")
                #expect(try await customers.search("c3@example.com", limit: 5).map(\.phone) == ["13800000003"])
                #expect(try await customers.ids(phone: "138****0004", email: nil, name: nil).count == 1)
                #expect(try await TwoStepRepository(tx, tenantID: acme.tenantID).enrolment(of: admin)?.secret == "ROTATEMEROTATEME")
            }
        }
    }

    @Test("a value under a key the service was not given is a clear error naming the key")
    func unknownKey() async throws {
        try await TestDatabase.with { db in
            let acme = try await TenantFixture.make(in: db, slug: db.slug("acme"))
            try await ingest(db, acme, identity: "wx-1", phone: Self.phone, email: nil)
            let other = Database(client: db.client,
                                 contacts: try ContactVault(keys: [(id: "other", bytes: [UInt8](repeating: 0x33, count: 32))],
                                                            lookupSecret: Array("test-contact-lookup-key-0123456789abcdef".utf8)),
                                 logger: TestDatabase.logger)
            do {
                _ = try await other.withScope(.tenant(acme.tenantID)) { tx in
                    try await CustomerRepository(tx, tenantID: acme.tenantID).search("Name of", limit: 5)
                }
                Issue.record("opened a value without its key")
            } catch let StoreError.corrupt(reason) {
                #expect(reason.contains("'test-2'"))
            }
        }
    }
}

@Suite("Contact vault")
struct ContactVaultTests {
    @Test("configuration is refused with the reason", arguments: [
        ("", "at least one key"),
        ("k1:AAAA", "must be 32 bytes"),
        ("k 1:\(Data(repeating: 1, count: 32).base64EncodedString())", "key id"),
        ("k1:\(Data(repeating: 1, count: 32).base64EncodedString()),k1:\(Data(repeating: 2, count: 32).base64EncodedString())",
         "appears twice"),
        ("k1-no-colon", "id:base64"),
    ])
    func refused(_ keys: String, _ reason: String) {
        do {
            _ = try ContactVault.parse(keys: keys, lookupSecret: String(repeating: "s", count: 40))
            Issue.record("accepted \(keys)")
        } catch {
            #expect("\(error)".contains(reason), "\(error)")
        }
    }

    @Test("a short lookup secret is refused")
    func shortLookupSecret() {
        #expect(throws: ContactVault.Invalid.self) {
            try ContactVault.parse(keys: "k1:\(Data(repeating: 1, count: 32).base64EncodedString())", lookupSecret: "short")
        }
    }

    @Test("sealing twice gives different ciphertexts of one value; a changed byte does not open")
    func sealing() throws {
        let vault = TestDatabase.contacts
        let tenant = UUID()
        let first = try #require(try vault.seal("13812345678", purpose: .phone, tenantID: tenant))
        let second = try #require(try vault.seal("13812345678", purpose: .phone, tenantID: tenant))
        #expect(first != second)
        #expect(try vault.open(first, purpose: .phone, tenantID: tenant) == "13812345678")
        #expect(ContactVault.keyID(of: first) == "test-2")
        #expect(throws: StoreError.self) { try vault.open(first, purpose: .email, tenantID: tenant) }
        var altered = first
        let last = altered.writerIndex - 1
        altered.setInteger(altered.getInteger(at: last, as: UInt8.self)! ^ 1, at: last)
        #expect(throws: StoreError.self) { try vault.open(altered, purpose: .phone, tenantID: tenant) }
        #expect(vault.phoneHash("+86 138 1234 5678") == vault.phoneHash("13812345678"))
        #expect(vault.maskedPhoneHash("13812345678") == vault.maskedPhoneFilterHash("138xxxx5678"))
        #expect(vault.emailHash(" A@B.com ") == vault.emailHash("a@b.com"))
    }
}
