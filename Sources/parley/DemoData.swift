import API
import Domain
import Foundation
import Store

/// The demo tenant `scripts/dev` seeds: departments, an admin, a supervisor, agents,
/// customers reached on several channels, and a few hundred Chinese and English
/// conversations over the last 90 days. Deterministic, so every developer sees the same data.
struct DemoData {
    static let tenantSlug = "demo"
    static let password = "parley-demo-password"

    let database: Database
    let passwords: PasswordHasher
    let conversationCount: Int

    struct Summary {
        let tenantID: UUID
        let users: [(email: String, role: UserRole)]
        let apiKey: String
        let conversations: Int
        let messages: Int
    }

    /// Seeds the demo tenant unless it exists; returns `nil` when it already did.
    func seed() async throws -> Summary? {
        let exists = try await database.withScope(.signIn(tenantSlug: Self.tenantSlug)) { tx in
            try await tx.connection.query("SELECT 1 FROM tenants", logger: tx.logger).collect().isEmpty == false
        }
        if exists { return nil }

        let hash = passwords.hashSynchronously(Self.password)
        let (tenant, adminID) = try await database.withScope(.platformOperator) { tx in
            try await OperatorRepository(tx).createTenant(
                slug: Self.tenantSlug, name: "演示公司 Demo Co.", planCode: "enterprise",
                admin: .init(email: "admin@demo.parley.dev", displayName: "管理员 Admin", passwordHash: hash))
        }
        let admin = UserPrincipal(tenantID: tenant.id, userID: adminID, role: .admin)

        // Organisation: 售后 (after-sales) with 技术支持 (technical support) under it, and 销售 (sales).
        let (agents, keys) = try await database.withScope(.user(admin)) { tx in
            let directory = DirectoryRepository(tx, tenantID: tenant.id)
            let afterSales = try await directory.createDepartment(name: "售后服务 After-sales", parentID: nil)
            let support = try await directory.createDepartment(name: "技术支持 Tech support", parentID: afterSales.id)
            let sales = try await directory.createDepartment(name: "销售 Sales", parentID: nil)
            _ = try await directory.createUser(.init(email: "supervisor@demo.parley.dev", displayName: "王主管 Supervisor Wang",
                                                     role: .supervisor, passwordHash: hash, departmentIDs: [afterSales.id], customRoleID: nil))
            let agentA = try await directory.createUser(.init(email: "agent1@demo.parley.dev", displayName: "李客服 Agent Li",
                                                              role: .agent, passwordHash: hash, departmentIDs: [afterSales.id], customRoleID: nil))
            let agentB = try await directory.createUser(.init(email: "agent2@demo.parley.dev", displayName: "张技术 Agent Zhang",
                                                              role: .agent, passwordHash: hash, departmentIDs: [support.id], customRoleID: nil))
            let agentC = try await directory.createUser(.init(email: "agent3@demo.parley.dev", displayName: "Sam Sales",
                                                              role: .agent, passwordHash: hash, departmentIDs: [sales.id], customRoleID: nil))
            var keys: [Domain.Channel: (APIKeyRecord, IssuedSecret)] = [:]
            for channel in Domain.Channel.allCases {
                keys[channel] = try await directory.createAPIKey(name: "demo \(channel.rawValue)", channel: channel, createdBy: adminID)
            }
            return ([(agentA.id, afterSales.id), (agentB.id, support.id), (agentC.id, sales.id)], keys)
        }

        var random = SeededRandom(seed: 20_261_121)
        let now = database.clock.now()
        var messageTotal = 0
        var batches: [Domain.Channel: [IngestMessage]] = [:]
        for index in 0..<conversationCount {
            let channel = Domain.Channel.allCases[random.next(below: Domain.Channel.allCases.count)]
            let customerNumber = random.next(below: max(1, conversationCount / 5))
            let customer = DemoScripts.customer(customerNumber, channel: channel)
            let (agentID, departmentID) = agents[random.next(below: agents.count)]
            let start = now.addingTimeInterval(-Double(random.next(below: 90 * 86_400)) - 3600)
            let script = DemoScripts.conversation(number: index, random: &random)
            for (offset, line) in script.enumerated() {
                batches[channel, default: []].append(IngestMessage(
                    conversationExternalID: "demo-conv-\(index)", messageExternalID: "demo-msg-\(index)-\(offset)",
                    customer: customer, sentAt: start.addingTimeInterval(Double(offset * 45 + random.next(below: 30))),
                    senderSide: line.side, agentID: line.side == .agent ? agentID : nil, departmentID: departmentID,
                    kind: line.kind, text: line.text, attachment: line.attachment))
            }
            messageTotal += script.count
        }
        for (channel, messages) in batches {
            let (key, _) = keys[channel]!
            let integration = IntegrationPrincipal(tenantID: tenant.id, apiKeyID: key.id, channel: channel)
            for chunk in stride(from: 0, to: messages.count, by: 1_000) {
                let slice = Array(messages[chunk..<min(chunk + 1_000, messages.count)])
                _ = try await database.withScope(.integration(integration)) { tx in
                    try await IngestionRepository(tx, integration: integration).ingest(slice)
                }
            }
        }
        // Most history is closed; the newest few conversations stay ongoing.
        try await database.withScope(.tenant(tenant.id)) { tx in
            _ = try await tx.connection.query("""
                UPDATE conversations SET status = 'ended', ended_at = last_message_at + interval '2 minutes'
                WHERE tenant_id = \(tenant.id) AND last_message_at < \(now.addingTimeInterval(-86_400))
                """, logger: tx.logger).collect()
        }
        return Summary(
            tenantID: tenant.id,
            users: [("admin@demo.parley.dev", .admin), ("supervisor@demo.parley.dev", .supervisor),
                    ("agent1@demo.parley.dev", .agent), ("agent2@demo.parley.dev", .agent), ("agent3@demo.parley.dev", .agent)],
            apiKey: keys[.web]!.1.encoded, conversations: conversationCount, messages: messageTotal)
    }
}

/// A small deterministic generator (SplitMix64): the same demo data on every machine.
struct SeededRandom {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func next(below bound: Int) -> Int { Int(next() % UInt64(bound)) }
}
