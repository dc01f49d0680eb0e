import Domain
import Foundation
import Store
import TestSupport
import Testing

/// Who sees which conversation, decided by the policy in PostgreSQL.
@Suite("Visibility inside a tenant")
struct VisibilityTests {
    private func visible(_ user: String, in fixture: TenantFixture, db: TestDatabase) async throws -> Set<UUID> {
        try await db.database.withScope(.user(fixture.principal(user))) { tx in
            Set(try await ConversationRepository(tx, tenantID: fixture.tenantID).list(.init(), after: nil, limit: 200).items.map(\.id))
        }
    }

    @Test("admin sees all; supervisor their department and sub-departments; agents what they took part in; a custom role its departments")
    func roles() async throws {
        try await TestDatabase.with { db in
            let f = try await TenantFixture.make(in: db, slug: "acme")
            let c = f.conversations
            #expect(try await visible("admin", in: f, db: db) == [c["afterSales"]!, c["support"]!, c["sales"]!])
            #expect(try await visible("supervisor", in: f, db: db) == [c["afterSales"]!, c["support"]!])
            #expect(try await visible("agentA", in: f, db: db) == [c["afterSales"]!])
            #expect(try await visible("agentB", in: f, db: db) == [c["support"]!])
            #expect(try await visible("analyst", in: f, db: db) == [c["sales"]!])
        }
    }

    @Test("an agent cannot open a colleague's conversation or its messages")
    func agentCannotOpenColleagues() async throws {
        try await TestDatabase.with { db in
            let f = try await TenantFixture.make(in: db, slug: "acme")
            try await db.database.withScope(.user(f.principal("agentA"))) { tx in
                let repository = ConversationRepository(tx, tenantID: f.tenantID)
                await #expect(throws: StoreError.notFound("conversation")) {
                    _ = try await repository.conversation(f.conversations["sales"]!)
                }
                await #expect(throws: StoreError.notFound("conversation")) {
                    _ = try await repository.messages(of: f.conversations["sales"]!, after: nil, limit: 10)
                }
            }
        }
    }

    @Test("a transfer gives the new agent the whole conversation, messages included")
    func transferMovesVisibility() async throws {
        try await TestDatabase.with { db in
            let f = try await TenantFixture.make(in: db, slug: "acme")
            let conversation = f.conversations["sales"]!
            _ = try await db.database.withScope(.user(f.principal("salesAgent"))) { tx in
                try await ConversationRepository(tx, tenantID: f.tenantID)
                    .transfer(conversation, toAgent: f.users["agentA"]!, toDepartment: f.departments["afterSales"]!, by: f.users["salesAgent"]!)
            }
            let messages = try await db.database.withScope(.user(f.principal("agentA"))) { tx in
                try await ConversationRepository(tx, tenantID: f.tenantID).messages(of: conversation, after: nil, limit: 10).items
            }
            #expect(messages.count == 2)
            // The supervisor of after-sales now sees it too; the sales analyst no longer does.
            #expect(try await visible("supervisor", in: f, db: db).contains(conversation))
            #expect(try await !visible("analyst", in: f, db: db).contains(conversation))
            // The previous agent took part, and keeps seeing it.
            #expect(try await visible("salesAgent", in: f, db: db).contains(conversation))
        }
    }

    @Test("a trial tenant sees only the last 30 days")
    func trialWindow() async throws {
        try await TestDatabase.with { db in
            let f = try await TenantFixture.make(in: db, slug: "trial", plan: "trial")
            let old = try await f.ingestConversation(in: db, externalID: "old", customer: "old-customer", agent: f.users["agentA"]!,
                                                     department: f.departments["afterSales"]!, at: Date().addingTimeInterval(-40 * 86_400))
            let admin = try await visible("admin", in: f, db: db)
            #expect(!admin.contains(old))
            #expect(admin.count == 3)
            try await db.database.withScope(.user(f.principal("admin"))) { tx in
                await #expect(throws: StoreError.notFound("conversation")) {
                    _ = try await ConversationRepository(tx, tenantID: f.tenantID).messages(of: old, after: nil, limit: 10)
                }
            }
            // The same history becomes visible when the tenant upgrades.
            _ = try await db.database.withScope(.platformOperator) { tx in
                try await OperatorRepository(tx).changePlan(tenantID: f.tenantID, planCode: "professional")
            }
            #expect(try await visible("admin", in: f, db: db).contains(old))
        }
    }

    @Test("a user disabled after sign-in loses access at the next request")
    func disabledUser() async throws {
        try await TestDatabase.with { db in
            let f = try await TenantFixture.make(in: db, slug: "acme")
            _ = try await db.database.withScope(.user(f.principal("admin"))) { tx in
                var changes = DirectoryRepository.UserChanges()
                changes.disabled = true
                return try await DirectoryRepository(tx, tenantID: f.tenantID).updateUser(f.users["agentA"]!, changes)
            }
            await #expect(throws: StoreError.principalGone) {
                try await db.database.withScope(.user(f.principal("agentA"))) { _ in }
            }
        }
    }
}
