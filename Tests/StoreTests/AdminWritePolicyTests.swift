import Domain
import Foundation
import PostgresNIO
import Store
import TestSupport
import Testing

/// The organisation's tables are written only by admins, by policy (sql/0023): raw SQL as
/// the service role with an agent's or a supervisor's settings changes nothing, whatever
/// the routes would have allowed; an admin's settings and work without a user still write.
@Suite("Admin writes by policy")
struct AdminWritePolicyTests {
    /// One write per table, as raw SQL a buggy route might send.
    static func writes(_ fixture: TenantFixture) -> [(table: String, sql: String)] {
        let tenant = fixture.tenantID.uuidString.lowercased()
        let agent = fixture.users["agentA"]!.uuidString.lowercased()
        let department = fixture.departments["sales"]!.uuidString.lowercased()
        return [
            ("users", "UPDATE users SET role = 'admin' WHERE tenant_id = '\(tenant)' AND id = '\(agent)'"),
            ("users", """
                INSERT INTO users (tenant_id, id, email, display_name, role, password_hash, created_at)
                VALUES ('\(tenant)', gen_random_uuid(), 'mallory@x.test', 'M', 'admin', 'x', now())
                """),
            ("user_departments", "INSERT INTO user_departments (tenant_id, user_id, department_id) VALUES ('\(tenant)', '\(agent)', '\(department)')"),
            ("departments", "UPDATE departments SET name = 'Mine' WHERE tenant_id = '\(tenant)'"),
            ("roles", "UPDATE roles SET permissions = ARRAY['view_contact_details'] WHERE tenant_id = '\(tenant)'"),
            ("api_keys", "UPDATE api_keys SET revoked_at = now() WHERE tenant_id = '\(tenant)'"),
            ("tags", "INSERT INTO tags (tenant_id, id, name, created_at) VALUES ('\(tenant)', gen_random_uuid(), 'mine', now())"),
            ("tenant_limits", """
                INSERT INTO tenant_limits (tenant_id, export_row_cap, updated_at) VALUES ('\(tenant)', 1000000, now())
                """),
            ("tenant_sign_in_rules", """
                INSERT INTO tenant_sign_in_rules (tenant_id, two_step_required, updated_at) VALUES ('\(tenant)', false, now())
                """),
            ("departments", "DELETE FROM departments WHERE tenant_id = '\(tenant)'"),
        ]
    }

    /// Runs `sql` in `principal`'s scope (the settings TenantScope makes); answers rows changed, or nil when refused.
    static func changed(_ db: TestDatabase, _ scope: RequestScope, _ sql: String) async -> Int? {
        try? await db.database.withScope(scope) { tx in
            try await tx.connection.query(PostgresQuery(unsafeSQL: sql + " RETURNING 1"), logger: TestDatabase.logger).collect().count
        }
    }

    @Test("an agent's and a supervisor's transactions cannot write users, departments, roles, keys, tags or settings")
    func nonAdminsCannotWrite() async throws {
        try await TestDatabase.with { db in
            let acme = try await TenantFixture.make(in: db, slug: "policy-acme")
            for user in ["agentA", "supervisor", "analyst"] {
                for (table, sql) in Self.writes(acme) {
                    let result = await Self.changed(db, .user(acme.principal(user)), sql)
                    // Refused outright (an INSERT's check) or no row to change (UPDATE/DELETE's USING).
                    #expect(result == nil || result == 0, "\(user) wrote \(table): \(sql)")
                }
            }
            // A token that still says admin for a user demoted since: the stored role decides.
            let demoted = UserPrincipal(tenantID: acme.tenantID, userID: acme.users["agentA"]!, role: .admin)
            #expect(await Self.changed(db, .user(demoted), Self.writes(acme)[0].sql) ?? 0 == 0)
            let roles = try await db.superuserRows("""
                SELECT role FROM users WHERE id = '\(acme.users["agentA"]!.uuidString.lowercased())'
                """).map { try $0.decode(String.self) }
            #expect(roles == ["agent"])
        }
    }

    @Test("an admin's transaction writes them, and so does work without a user (sign-in bookkeeping, jobs)")
    func adminsAndServiceWrite() async throws {
        try await TestDatabase.with { db in
            let acme = try await TenantFixture.make(in: db, slug: "policy-admin")
            let tenant = acme.tenantID.uuidString.lowercased()
            #expect(await Self.changed(db, .user(acme.principal("admin")),
                                       "UPDATE departments SET name = name WHERE tenant_id = '\(tenant)'") == 3)
            #expect(await Self.changed(db, .user(acme.principal("admin")), Self.writes(acme)[6].sql) == 1)  // a tag
            #expect(await Self.changed(db, .tenant(acme.tenantID),
                                       "UPDATE users SET failed_logins = 0 WHERE tenant_id = '\(tenant)'") ?? 0 > 0)
            // Everyone of the tenant still reads them.
            let seen = try await db.database.withScope(.user(acme.principal("agentA"))) { tx in
                try await tx.connection.query("SELECT count(*)::int FROM departments", logger: TestDatabase.logger).decode(Int.self).all().first
            }
            #expect(seen == 3)
        }
    }
}
