import Domain
import Foundation
import Store

/// A tenant with an organisation and three conversations, built through the same
/// repositories the API uses:
///
/// - departments: after-sales, support (under after-sales), sales
/// - users: admin, supervisor (of after-sales), agentA (after-sales), agentB (support),
///   salesAgent (sales), analyst (agent with a custom role scoped to sales)
/// - conversations: `afterSales` (agentA), `support` (agentB), `sales` (salesAgent)
/// - with `labelled`: a tag on `afterSales` (also starred by the admin), a note on its customer, a visit
public struct TenantFixture: Sendable {
    public let tenantID: UUID
    public let slug: String
    public let departments: [String: UUID]
    public let users: [String: UUID]
    public let conversations: [String: UUID]
    public let integration: IntegrationPrincipal
    /// The web-channel API key, as a client sends it.
    public let apiKey: String
    public static let password = "correct horse battery staple"

    public func principal(_ user: String) -> UserPrincipal {
        let role: UserRole = user == "admin" ? .admin : user == "supervisor" ? .supervisor : .agent
        return UserPrincipal(tenantID: tenantID, userID: users[user]!, role: role)
    }

    /// An e-mail address in this tenant's domain: `email("agentA")` is `agenta@<slug>.test`,
    /// a fixture user's sign-in name; any other name makes an address nobody has yet.
    public func email(_ user: String) -> String { "\(user.lowercased())@\(slug).test" }

    /// The external id of the customer of one of the fixture's conversations (`afterSales`, …).
    public func customerExternalID(_ conversation: String) -> String { "\(slug)-customer-\(conversation)" }

    /// The display name of that customer, as the customer search finds it.
    public func customerName(_ conversation: String) -> String { "Customer \(customerExternalID(conversation))" }

    /// - Parameter slug: the tenant's slug; on a shared database a short random suffix is
    ///   appended (`acme-3f9a1c`), so read it back from `fixture.slug`.
    /// - Parameter passwordHash: a hash of `TenantFixture.password` (tests pick the hasher).
    public static func make(in db: TestDatabase, slug base: String, plan: String = "enterprise",
                            passwordHash: String = "not-a-real-hash", conversationsAt time: Date = Date(),
                            labelled: Bool = false) async throws -> TenantFixture {
        let slug = db.slug(base)
        let (tenant, adminID) = try await db.database.withScope(.platformOperator) { tx in
            try await OperatorRepository(tx).createTenant(
                slug: slug, name: "Tenant \(slug)", planCode: plan,
                admin: .init(email: "admin@\(slug).test", displayName: "Admin", passwordHash: passwordHash))
        }
        db.tenants.record(tenant: tenant.id)
        let admin = UserPrincipal(tenantID: tenant.id, userID: adminID, role: .admin)
        let (departments, users, key) = try await db.database.withScope(.user(admin)) { tx in
            let directory = DirectoryRepository(tx, tenantID: tenant.id)
            let afterSales = try await directory.createDepartment(name: "After-sales", parentID: nil)
            let support = try await directory.createDepartment(name: "Support", parentID: afterSales.id)
            let sales = try await directory.createDepartment(name: "Sales", parentID: nil)
            let salesOnly = try await directory.createCustomRole(name: "Sales analyst", permissions: [.viewContactDetails], departmentIDs: [sales.id])
            func user(_ name: String, _ role: UserRole, _ departments: [UUID], customRole: UUID? = nil) async throws -> UUID {
                try await directory.createUser(.init(email: "\(name.lowercased())@\(slug).test", displayName: name, role: role,
                                                     passwordHash: passwordHash, departmentIDs: departments, customRoleID: customRole)).id
            }
            let users: [String: UUID] = [
                "admin": adminID,
                "supervisor": try await user("Supervisor", .supervisor, [afterSales.id]),
                "agentA": try await user("AgentA", .agent, [afterSales.id]),
                "agentB": try await user("AgentB", .agent, [support.id]),
                "salesAgent": try await user("SalesAgent", .agent, [sales.id]),
                "analyst": try await user("Analyst", .agent, [], customRole: salesOnly.id),
            ]
            let key = try await directory.createAPIKey(name: "web", channel: .web, createdBy: adminID)
            return (["afterSales": afterSales.id, "support": support.id, "sales": sales.id], users, key)
        }
        let integration = IntegrationPrincipal(tenantID: tenant.id, apiKeyID: key.0.id, channel: .web)
        var fixture = TenantFixture(tenantID: tenant.id, slug: slug, departments: departments, users: users,
                                    conversations: [:], integration: integration, apiKey: key.1.encoded)
        var conversations: [String: UUID] = [:]
        for (name, agent, department) in [("afterSales", "agentA", "afterSales"), ("support", "agentB", "support"), ("sales", "salesAgent", "sales")] {
            conversations[name] = try await fixture.ingestConversation(
                in: db, externalID: "\(slug)-\(name)", customer: "\(slug)-customer-\(name)", agent: users[agent]!,
                department: departments[department]!, at: time)
        }
        fixture = TenantFixture(tenantID: tenant.id, slug: slug, departments: departments, users: users,
                                conversations: conversations, integration: integration, apiKey: key.1.encoded)
        guard labelled else { return fixture }
        // A row in each labelling table too, so isolation tests have something to hide.
        try await db.database.withScope(.user(admin)) { tx in
            let tag = try await TagRepository(tx, tenantID: tenant.id).create(name: "投诉处理", color: nil)
            let conversations = ConversationRepository(tx, tenantID: tenant.id)
            _ = try await conversations.setTags(fixture.conversations["afterSales"]!, [tag.id])
            try await conversations.setStar(fixture.conversations["afterSales"]!, starred: true, userID: adminID)
            let customer = try await conversations.conversation(fixture.conversations["afterSales"]!).customerID
            _ = try await CustomerProfileRepository(tx, tenantID: tenant.id).addNote(to: customer, text: "prefers phone calls", by: adminID)
        }
        _ = try await db.database.withScope(.integration(integration)) { tx in
            try await IngestionRepository(tx, integration: integration).ingestVisits([
                IngestVisit(visitExternalID: "\(slug)-visit", customer: IngestCustomer(externalID: "\(slug)-customer-afterSales", name: nil, phone: nil, email: nil),
                            pageURL: "https://shop.example.com/", pageTitle: nil, referrer: nil, entrySource: nil, device: nil,
                            startedAt: time, dwellSeconds: 30)])
        }
        return fixture
    }

    /// Ingests a two-message conversation (customer, then agent); returns its id.
    public func ingestConversation(in db: TestDatabase, externalID: String, customer: String, phone: String? = nil,
                                   agent: UUID, department: UUID?, at time: Date) async throws -> UUID {
        let customer = IngestCustomer(externalID: customer, name: "Customer \(customer)", phone: phone, email: nil)
        let messages = [
            IngestMessage(conversationExternalID: externalID, messageExternalID: "\(externalID)-1", customer: customer, sentAt: time,
                          senderSide: .customer, agentID: nil, departmentID: department, kind: .text, text: "我要退款", attachment: nil),
            IngestMessage(conversationExternalID: externalID, messageExternalID: "\(externalID)-2", customer: customer,
                          sentAt: time.addingTimeInterval(30), senderSide: .agent, agentID: agent, departmentID: department,
                          kind: .text, text: "好的，马上处理 refund", attachment: nil),
        ]
        let integration = self.integration
        let results = try await db.database.withScope(.integration(integration)) { tx in
            try await IngestionRepository(tx, integration: integration).ingest(messages)
        }
        return results[0].conversationID
    }
}
