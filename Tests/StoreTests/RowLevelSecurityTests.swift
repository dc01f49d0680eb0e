import Domain
import Foundation
import PostgresNIO
import Store
import TestSupport
import Testing

/// Isolation proven in raw SQL, as the service role, without the Swift filters.
@Suite("Row-level security in PostgreSQL")
struct RowLevelSecurityTests {
    static let tenantTables = ["tenants", "departments", "roles", "users", "user_departments", "refresh_tokens", "api_keys",
                               "customers", "customer_identities", "conversations", "conversation_transfers", "messages",
                               "message_keys", "audit_events", "tags", "conversation_stars", "customer_notes",
                               "customer_note_revisions", "visits", "notifications", "export_jobs", "export_schedules",
                               "cleanup_rules", "legal_holds", "retention_runs", "tenant_limits", "recycle_bin",
                               "audit_chain_heads", "two_step_secrets", "tenant_sign_in_rules"]

    @Test("the list above is every table with a tenant_id column, so no new table escapes these tests")
    func everyTenantTableIsListed() async throws {
        try await TestDatabase.with { db in
            let rows = try await db.superuserRows("""
                SELECT DISTINCT c.relname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'public' AND a.attname = 'tenant_id' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
                """)
            let tables = Set(try rows.map { try $0.decode(String.self) })
            #expect(tables == Set(Self.tenantTables).subtracting(["tenants"]))
        }
    }

    private func count(_ table: String, _ connection: PostgresConnection, where condition: String = "true") async throws -> Int {
        let rows = try await connection.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM \(table) WHERE \(condition)"),
                                              logger: TestDatabase.logger)
        for try await value in rows.decode(Int.self) { return value }
        return -1
    }

    @Test("the service role sees no row of any table without a tenant context")
    func noContextNoRows() async throws {
        try await TestDatabase.with { db in
            _ = try await TenantFixture.make(in: db, slug: "acme", labelled: true)
            // The fixture wrote rows: prove they are there, behind RLS.
            #expect(try await db.count("messages") == 6)
            try await db.client.withTransaction(logger: TestDatabase.logger) { connection in
                for table in Self.tenantTables {
                    let rows = try await count(table, connection)
                    #expect(rows == 0, "\(table) leaked rows without context")
                }
            }
        }
    }

    @Test("another tenant's context sees none of this tenant's rows, even with scope 'all'")
    func otherTenantNoRows() async throws {
        try await TestDatabase.with { db in
            let acme = try await TenantFixture.make(in: db, slug: "acme", labelled: true)
            let other = try await TenantFixture.make(in: db, slug: "other", labelled: true)
            try await db.client.withTransaction(logger: TestDatabase.logger) { connection in
                _ = try await connection.query(PostgresQuery(unsafeSQL: "SET LOCAL app.tenant_id = '\(other.tenantID.uuidString.lowercased())'"), logger: TestDatabase.logger)
                _ = try await connection.query("SET LOCAL app.scope = 'all'", logger: TestDatabase.logger)
                for table in Self.tenantTables where table != "tenants" {
                    let leaked = try await count(table, connection, where: "tenant_id = '\(acme.tenantID.uuidString.lowercased())'")
                    #expect(leaked == 0, "\(table) leaked another tenant's rows")
                    let own = try await count(table, connection)
                    // Stars and notifications are visible to their owner only, and this context has no user;
                    // the fixture makes no export, schedule, clean-up rule, hold, run or limits of its own, and
                    // nothing sealed its audit events yet (no chain head).
                    #expect(own > 0 || ["conversation_transfers", "audit_events", "refresh_tokens", "conversation_stars",
                                        "notifications", "export_jobs", "export_schedules", "cleanup_rules", "legal_holds",
                                        "retention_runs", "tenant_limits", "recycle_bin", "audit_chain_heads", "two_step_secrets",
                                        "tenant_sign_in_rules"].contains(table),
                            "\(table) should show the tenant's own rows")
                }
                let tenants = try await count("tenants", connection)
                #expect(tenants == 1)
            }
        }
    }

    @Test("the worker scope sees every tenant's export jobs, schedules and clean-up rules, unsealed audit events, and no tenant's data")
    func workerScopeSeesOnlyTheQueues() async throws {
        try await TestDatabase.with { db in
            let acme = try await TenantFixture.make(in: db, slug: "acme", labelled: true)
            let admin = acme.principal("admin")
            _ = try await db.database.withScope(.user(admin)) { tx in
                try await ExportJobRepository(tx, tenantID: acme.tenantID).create(NewExportJob(
                    id: tx.ids.make(), requestedBy: admin.userID, format: .csv, rowKind: .messages, selection: ConversationQuery(),
                    options: ExportOptions(includeAttachmentLinks: true, includeCustomerInfo: false, embedImages: false,
                                           watermark: nil, title: "t", tenantName: "t", exporterName: "a", timeZone: "UTC"),
                    fileName: "a.csv", rowsTotal: 6))
            }
            try await db.client.withTransaction(logger: TestDatabase.logger) { connection in
                _ = try await connection.query("SET LOCAL app.worker = 'on'", logger: TestDatabase.logger)
                for table in Self.tenantTables where !["export_jobs", "export_schedules", "cleanup_rules", "audit_events"].contains(table) {
                    #expect(try await count(table, connection) == 0, "the worker scope saw \(table)")
                }
                #expect(try await count("export_jobs", connection) == 1)
                // Audit events only while unsealed: the sealer finds the tenants that have some (sql/0021).
                #expect(try await count("audit_events", connection) > 0)
                #expect(try await count("audit_events", connection, where: "chain_position IS NOT NULL") == 0)
            }
        }
    }

    @Test("a write into another tenant is refused by the policy")
    func crossTenantWriteRefused() async throws {
        try await TestDatabase.with { db in
            let acme = try await TenantFixture.make(in: db, slug: "acme")
            let other = try await TenantFixture.make(in: db, slug: "other")
            let error = await #expect(throws: PostgresTransactionError.self) {
                try await db.client.withTransaction(logger: TestDatabase.logger) { connection in
                    _ = try await connection.query(PostgresQuery(unsafeSQL: "SET LOCAL app.tenant_id = '\(other.tenantID.uuidString.lowercased())'"), logger: TestDatabase.logger)
                    _ = try await connection.query("""
                        INSERT INTO customers (tenant_id, id, name, created_at) VALUES (\(acme.tenantID), \(UUID()), 'intruder', now())
                        """, logger: TestDatabase.logger)
                }
            }
            #expect((error?.closureError as? PSQLError)?.serverInfo?[.sqlState] == "42501")
        }
    }

    @Test("a message partition cannot be read directly, and the service role owns nothing and cannot bypass RLS")
    func partitionsAndRole() async throws {
        try await TestDatabase.with { db in
            _ = try await TenantFixture.make(in: db, slug: "acme")
            let partition = try await db.superuserRows("""
                SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                WHERE i.inhparent = 'messages'::regclass ORDER BY c.relname DESC LIMIT 1
                """)[0].decode(String.self)
            do {
                _ = try await db.client.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(partition)"), logger: TestDatabase.logger).collect()
                Issue.record("reading \(partition) directly must be refused")
            } catch let error as PSQLError {
                #expect(error.serverInfo?[.sqlState] == "42501")
            }
            let role = try await db.superuserRows("""
                SELECT rolsuper, rolbypassrls, (SELECT count(*)::int FROM pg_class WHERE relowner = r.oid)
                FROM pg_roles r WHERE rolname = 'parley_app'
                """)[0].decode((Bool, Bool, Int).self)
            #expect(role.0 == false && role.1 == false && role.2 == 0)
            let unforced = try await db.superuserRows("""
                SELECT count(*)::int FROM pg_class WHERE relname = ANY('{\(Self.tenantTables.joined(separator: ","))}')
                  AND relkind IN ('r', 'p') AND NOT (relrowsecurity AND relforcerowsecurity)
                """)[0].decode(Int.self)
            #expect(unforced == 0)
        }
    }

    @Test("note revisions are deleted only inside an erasure (app.erasure), never by the service role otherwise")
    func noteRevisionsOnlyErased() async throws {
        try await TestDatabase.with { db in
            let acme = try await TenantFixture.make(in: db, slug: "acme", labelled: true)  // one note, so one revision
            func deleteRevisions(erasure: Bool) async throws -> Int {
                try await db.client.withTransaction(logger: TestDatabase.logger) { connection in
                    _ = try await connection.query(PostgresQuery(unsafeSQL: "SET LOCAL app.tenant_id = '\(acme.tenantID.uuidString.lowercased())'"),
                                                   logger: TestDatabase.logger)
                    _ = try await connection.query("SET LOCAL app.scope = 'all'", logger: TestDatabase.logger)
                    if erasure { _ = try await connection.query("SET LOCAL app.erasure = 'on'", logger: TestDatabase.logger) }
                    let deleted = try await connection.query("DELETE FROM customer_note_revisions RETURNING id", logger: TestDatabase.logger)
                        .collect().count
                    return deleted
                }
            }
            #expect(try await deleteRevisions(erasure: false) == 0)
            #expect(try await deleteRevisions(erasure: true) == 1)
        }
    }
}
