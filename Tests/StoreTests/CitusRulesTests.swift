import Domain
import Foundation
import PostgresNIO
import Store
import TestSupport
import Testing

/// The schema rules a Citus deployment needs (CITUS.md), held on plain PostgreSQL so
/// `scripts/test` catches a migration that breaks them.
@Suite("Rules for Citus")
struct CitusRulesTests {
    @Test("no policy is restrictive: Citus drops AS RESTRICTIVE on every shard")
    func noRestrictivePolicies() async throws {
        try await TestDatabase.with { db in
            let restrictive = try await db.superuserRows("""
                SELECT string_agg(tablename || '.' || policyname, ', ') FROM pg_policies
                WHERE schemaname = 'public' AND permissive = 'RESTRICTIVE'
                """)[0].decode(String?.self)
            #expect(restrictive == nil, "restrictive policies: \(restrictive ?? "")")
        }
    }

    @Test("no policy tests IS NULL: Citus 13.2 cannot deparse one for its shards and the migration fails")
    func noNullTestsInPolicies() async throws {
        try await TestDatabase.with { db in
            let found = try await db.superuserRows("""
                SELECT string_agg(tablename || '.' || policyname, ', ') FROM pg_policies
                WHERE schemaname = 'public'
                  AND (coalesce(qual, '') ~* 'IS (NOT )?NULL' OR coalesce(with_check, '') ~* 'IS (NOT )?NULL')
                """)[0].decode(String?.self)
            #expect(found == nil, "policies with IS NULL: \(found ?? "")")
        }
    }

    @Test("stars are private by one permissive policy: another admin of the tenant sees none, even querying the table")
    func starsArePrivate() async throws {
        try await TestDatabase.with { db in
            let acme = try await TenantFixture.make(in: db, slug: "acme", labelled: true)  // the admin starred a conversation
            let directory = acme.principal("admin")
            let secondAdmin = try await db.database.withScope(.user(directory)) { tx in
                try await DirectoryRepository(tx, tenantID: acme.tenantID).createUser(.init(
                    email: acme.email("second"), displayName: "Second", role: .admin, passwordHash: "x", departmentIDs: [], customRoleID: nil)).id
            }
            func stars(_ user: UUID) async throws -> Int {
                try await db.database.withScope(.user(UserPrincipal(tenantID: acme.tenantID, userID: user, role: .admin))) { tx in
                    try await tx.connection.query("SELECT count(*)::int FROM conversation_stars", logger: TestDatabase.logger)
                        .decode(Int.self).all().first ?? -1
                }
            }
            #expect(try await stars(acme.users["admin"]!) == 1)
            #expect(try await stars(secondAdmin) == 0)
            // Nor may one star a conversation in another user's name.
            await #expect(throws: (any Error).self) {
                try await db.database.withScope(.user(UserPrincipal(tenantID: acme.tenantID, userID: secondAdmin, role: .admin))) { tx in
                    try await tx.connection.query("""
                        INSERT INTO conversation_stars (tenant_id, user_id, conversation_id, starred_at)
                        VALUES (\(acme.tenantID), \(acme.users["admin"]!), \(acme.conversations["sales"]!), now())
                        """, logger: TestDatabase.logger).collect()
                }
            }
        }
    }
}
