import Domain
import Foundation
import Store

/// The tenants `parley bench export` exports: one per size, `export-bench-<N>` with
/// exactly N messages, made by the same generator as `parley seed --tenants` (one
/// tenant's share of it: organisation through the API's repositories, customers,
/// conversations and messages in bulk, `SyntheticWriter`). Outside `bench-%`, so the
/// search benchmark and `parley seed` neither see nor refuse them. Reused when present.
struct ExportBenchTenant: Sendable {
    let id: UUID
    let slug: String
    let planCode: String
    let admin: UserPrincipal
    let conversations: Int
    let messages: Int

    static func slug(messages: Int) -> String { "export-bench-\(messages)" }
    static func adminEmail(messages: Int) -> String { "admin@\(slug(messages: messages)).test" }

    /// The tenant for `messages`, or `nil` when it was never seeded. Throws when one
    /// exists with another count (a seed that was interrupted).
    static func find(_ database: Database, messages: Int) async throws -> ExportBenchTenant? {
        let slug = slug(messages: messages)
        let found = try await database.withScope(.platformOperator) { tx in
            try await tx.connection.query("SELECT id, plan_code FROM tenants WHERE slug = \(slug)", logger: tx.logger)
                .decode((UUID, String).self).all().first
        }
        guard let (id, planCode) = found else { return nil }
        let email = adminEmail(messages: messages)
        let (adminID, conversations, held) = try await database.withScope(.tenant(id)) { tx in
            let admin = try await tx.connection.query(
                "SELECT id FROM users WHERE tenant_id = \(id) AND email = \(email)", logger: tx.logger).decode(UUID.self).all().first
            let counts = try await tx.connection.query("""
                SELECT count(*)::int8, coalesce(sum(message_count), 0)::int8 FROM conversations WHERE tenant_id = \(id)
                """, logger: tx.logger).decode((Int, Int).self).all().first ?? (0, 0)
            return (admin, counts.0, counts.1)
        }
        guard let adminID, held == messages else {
            throw BenchError("\(slug) holds \(held) of \(messages) messages (an interrupted seed?): "
                             + "run the benchmark on a fresh database, or drop that tenant")
        }
        return ExportBenchTenant(id: id, slug: slug, planCode: planCode,
                                 admin: UserPrincipal(tenantID: id, userID: adminID, role: .admin),
                                 conversations: conversations, messages: held)
    }

    /// The tenant for `messages`, seeded first if it does not exist.
    static func ensure(_ database: Database, messages: Int, months: Int, seed: UInt64, passwordHash: String) async throws
        -> ExportBenchTenant {
        if let found = try await find(database, messages: messages) {
            Console.line("reusing \(found.slug): \(found.conversations) conversations, \(found.messages) messages")
            return found
        }
        try await seedTenant(database, messages: messages, months: months, seed: seed, passwordHash: passwordHash)
        guard let seeded = try await find(database, messages: messages) else { throw BenchError("seeding \(slug(messages: messages)) failed") }
        return seeded
    }

    /// One synthetic tenant of `messages` messages, as `SyntheticSeeder` makes each of its tenants.
    private static func seedTenant(_ database: Database, messages: Int, months: Int, seed: UInt64, passwordHash: String)
        async throws {
        let started = ContinuousClock.now
        let now = database.clock.now()
        let generated = SyntheticTenants.plans(tenants: 1, messages: messages, seed: seed)[0]
        let slug = slug(messages: messages)
        let plan = SyntheticTenants.Plan(number: 1, slug: slug, name: "\(generated.brand) \(slug)", brand: generated.brand,
                                         messages: messages, agents: generated.agents, departments: generated.departments)
        Console.line("seeding \(slug): \(messages) messages over \(months) months, \(plan.agents) agents")
        let context = try await organise(database, plan, now: now, seed: seed, passwordHash: passwordHash)

        let batch = 4_000
        var chunks: [SyntheticChunk] = []
        var left = messages
        while left > 0 {
            // A last piece shorter than one conversation joins the one before (as SyntheticSeeder does).
            let size = left - batch < SyntheticTenants.minimumMessages ? left : min(batch, left)
            chunks.append(SyntheticChunk(tenant: 0, number: chunks.count, messages: size))
            left -= size
        }
        let monthStarts = SyntheticWriter.monthStarts(from: now.addingTimeInterval(-Double(months + 1) * 31 * 86_400),
                                                      to: now.addingTimeInterval(86_400))
        try await database.ensureMessagePartitions(for: monthStarts, scope: .platformOperator)
        let progress = SeedProgress(total: messages)
        _ = try await SyntheticSeeder.concurrently(chunks, width: 3) { chunk in
            let rows = SyntheticRowGenerator.rows(for: chunk, of: context, seed: seed, months: months, now: now)
            try await database.withScope(.tenant(context.tenantID)) { tx in
                try await SyntheticWriter.writeChunk(rows, tenantID: context.tenantID, tx: tx)
            }
            await progress.add(rows.messageCount)
            return rows.conversationIDs.count
        }
        Console.line(String(format: "seeded %@ in %.1f s", slug, SyntheticSeeder.seconds(since: started)))
    }

    /// The tenant and its admin (as the operator creates them), departments, supervisor and
    /// agents (as the admin would), and customers in bulk: `SyntheticSeeder`'s set-up for one tenant.
    private static func organise(_ database: Database, _ plan: SyntheticTenants.Plan, now: Date, seed: UInt64,
                                 passwordHash: String) async throws -> SyntheticTenantContext {
        var random = SeededRandom(seed: seed ^ UInt64(plan.number) &* 0xA24B_AED4_963E_E407)
        let (tenant, adminID) = try await database.withScope(.platformOperator) { tx in
            try await OperatorRepository(tx).createTenant(
                slug: plan.slug, name: plan.name, planCode: "enterprise",
                admin: .init(email: plan.adminEmail, displayName: "管理员 \(plan.brand)", passwordHash: passwordHash))
        }
        let admin = UserPrincipal(tenantID: tenant.id, userID: adminID, role: .admin)
        let names = (0..<plan.agents).map { _ in
            random.pick(SyntheticVocabulary.surnames) + random.pick(SyntheticVocabulary.givenNames)
        }
        let (departmentIDs, agents) = try await database.withScope(.user(admin)) { tx in
            let directory = DirectoryRepository(tx, tenantID: tenant.id)
            var departmentIDs: [SyntheticTenants.Department: UUID] = [:]
            for department in plan.departments {  // parents come first in the plan
                departmentIDs[department] = try await directory.createDepartment(
                    name: department.name, parentID: department.parent.flatMap { departmentIDs[$0] }).id
            }
            _ = try await directory.createUser(.init(
                email: plan.supervisorEmail, displayName: "\(names[0].prefix(1))主管", role: .supervisor,
                passwordHash: passwordHash, departmentIDs: [departmentIDs[.afterSales]!], customRoleID: nil))
            var agents: [SyntheticTenantContext.Agent] = []
            for number in 1...plan.agents {
                let user = try await directory.createUser(.init(
                    email: plan.agentEmail(number), displayName: names[number - 1], role: .agent, passwordHash: passwordHash,
                    departmentIDs: [departmentIDs[plan.department(ofAgent: number)]!], customRoleID: nil))
                agents.append(.init(id: user.id, name: user.displayName))
            }
            return (departmentIDs, agents)
        }
        var byDepartment: [SyntheticTenants.Department: [Int]] = [:]
        for number in 1...plan.agents { byDepartment[plan.department(ofAgent: number), default: []].append(number - 1) }
        let customers = SyntheticCustomers.make(count: max(3, plan.messages * 45 / 870), random: &random, createdAt: now)
        for start in stride(from: 0, to: customers.count, by: 4_000) {
            let slice = customers[start..<min(start + 4_000, customers.count)]
            try await database.withScope(.tenant(tenant.id)) { tx in
                try await SyntheticWriter.writeCustomers(slice, tenantID: tenant.id, at: now, tx: tx)
            }
        }
        return SyntheticTenantContext(plan: plan, tenantID: tenant.id, departmentIDs: departmentIDs, agents: agents,
                                      agentsByDepartment: byDepartment, customers: customers)
    }

    /// Raises the export row cap of the plan the bench tenants are on to at least `rows`,
    /// so the cap (20,000 on every published plan) does not refuse the benchmark's exports.
    /// Returns the cap it replaced, for `restoreCap`; `nil` when it was already high enough.
    static func raiseCap(_ database: Database, planCode: String, to rows: Int) async throws -> Int? {
        try await database.withScope(.platformOperator) { tx in
            let operators = OperatorRepository(tx)
            guard var plan = try await operators.plan(code: planCode) else { throw BenchError("no plan \(planCode)") }
            guard plan.exportRowCap < rows else { return nil }
            let previous = plan.exportRowCap
            plan.exportRowCap = rows
            _ = try await operators.updatePlan(plan)
            Console.line("plan \(planCode): export_row_cap \(previous) → \(rows) for the benchmark (restored at the end)")
            return previous
        }
    }

    static func restoreCap(_ database: Database, planCode: String, to cap: Int) async throws {
        try await database.withScope(.platformOperator) { tx in
            let operators = OperatorRepository(tx)
            guard var plan = try await operators.plan(code: planCode) else { return }
            plan.exportRowCap = cap
            _ = try await operators.updatePlan(plan)
            Console.line("plan \(planCode): export_row_cap restored to \(cap)")
        }
    }
}
