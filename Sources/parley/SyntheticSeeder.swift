import Domain
import Foundation
import Logging
import Store

/// `parley seed --tenants N --messages M`: the benchmark data set. Tenants, departments
/// and users go through the same repositories as the API (few rows, and they are what
/// sign-in and scoping read); customers, conversations and messages are written in bulk
/// by `SyntheticWriter`, a few thousand rows per statement, `jobs` transactions at a time
/// so that generating text in Swift overlaps with PostgreSQL writing it.
struct SyntheticSeeder {
    struct Options: Sendable {
        let tenants: Int
        let messages: Int
        let months: Int
        let seed: UInt64
        let jobs: Int
        let batch: Int
    }

    struct Summary: Sendable {
        let tenants: Int
        let customers: Int
        let conversations: Int
        let messages: Int
        let seconds: Double
    }

    struct AlreadySeeded: Error, CustomStringConvertible {
        let count: Int
        var description: String { "\(count) bench-* tenants already exist: seed the benchmark into an empty database" }
    }

    let database: Database
    /// One bcrypt hash for every synthetic user: hashing thousands of passwords would cost minutes and prove nothing.
    let passwordHash: String
    let options: Options

    static let password = "bench-password-1"
    static let slugPattern = "bench-%"

    func run() async throws -> Summary {
        let started = ContinuousClock.now
        let existing = try await database.withScope(.platformOperator) { tx in
            try await tx.connection.query("SELECT count(*)::int FROM tenants WHERE slug LIKE \(Self.slugPattern)", logger: tx.logger)
                .decode(Int.self).all().first ?? 0
        }
        guard existing == 0 else { throw AlreadySeeded(count: existing) }

        let now = database.clock.now()
        let plans = SyntheticTenants.plans(tenants: options.tenants, messages: options.messages, seed: options.seed)
        Console.line("seeding \(plans.count) tenants, \(options.messages) messages over \(options.months) months "
                     + "(biggest \(plans[0].slug): \(plans[0].messages) messages, smallest \(plans.last!.messages)); "
                     + "\(options.jobs) writers, \(options.batch) messages per batch")

        let contexts = try await Self.concurrently(plans, width: options.jobs) { plan in
            try await setUp(plan, now: now)
        }
        let customers = contexts.reduce(0) { $0 + $1.customers.count }
        Console.line(String(format: "tenants, users and %ld customers written in %.1f s", customers, Self.seconds(since: started)))

        // Chunks of the biggest tenants first, so the long tail of small tenants evens out the end.
        var chunks: [SyntheticChunk] = []
        for (index, plan) in plans.enumerated() {
            var left = plan.messages
            var number = 0
            while left > 0 {
                // A last piece shorter than one conversation joins the one before.
                let size = left - options.batch < SyntheticTenants.minimumMessages ? left : min(options.batch, left)
                chunks.append(SyntheticChunk(tenant: index, number: number, messages: size))
                left -= size
                number += 1
            }
        }
        // Every month the rows can fall in (with a month's margin), once, as ingestion creates them.
        let months = SyntheticWriter.monthStarts(from: now.addingTimeInterval(-Double(options.months + 1) * 31 * 86_400),
                                                 to: now.addingTimeInterval(86_400))
        try await database.ensureMessagePartitions(for: months, scope: .platformOperator)
        let progress = SeedProgress(total: options.messages)
        let counts = try await Self.concurrently(chunks, width: options.jobs) { chunk in
            let tenant = contexts[chunk.tenant]
            let rows = SyntheticRowGenerator.rows(for: chunk, of: tenant, seed: options.seed, months: options.months, now: now)
            try await database.withScope(.tenant(tenant.tenantID)) { tx in
                try await SyntheticWriter.writeChunk(rows, tenantID: tenant.tenantID, tx: tx)
            }
            await progress.add(rows.messageCount)
            return rows.conversationIDs.count
        }
        return Summary(tenants: plans.count, customers: customers, conversations: counts.reduce(0, +),
                       messages: options.messages, seconds: Self.seconds(since: started))
    }

    /// The tenant with its admin (as the operator creates it), departments, supervisor and
    /// agents (as its admin would), and customers (in bulk).
    private func setUp(_ plan: SyntheticTenants.Plan, now: Date) async throws -> SyntheticTenantContext {
        var random = SeededRandom(seed: options.seed ^ UInt64(plan.number) &* 0xA24B_AED4_963E_E407)
        let (tenant, adminID) = try await database.withScope(.platformOperator) { tx in
            try await OperatorRepository(tx).createTenant(
                slug: plan.slug, name: plan.name, planCode: "enterprise",
                admin: .init(email: plan.adminEmail, displayName: "管理员 \(plan.brand)", passwordHash: passwordHash))
        }
        let admin = UserPrincipal(tenantID: tenant.id, userID: adminID, role: .admin)
        var names: [String] = []
        for _ in 0..<plan.agents {
            names.append(random.pick(SyntheticVocabulary.surnames) + random.pick(SyntheticVocabulary.givenNames))
        }
        let agentNames = names
        let hash = passwordHash
        let (departmentIDs, agents) = try await database.withScope(.user(admin)) { tx in
            let directory = DirectoryRepository(tx, tenantID: tenant.id)
            var departmentIDs: [SyntheticTenants.Department: UUID] = [:]
            for department in plan.departments {  // parents come first in the plan
                departmentIDs[department] = try await directory.createDepartment(
                    name: department.name, parentID: department.parent.flatMap { departmentIDs[$0] }).id
            }
            _ = try await directory.createUser(.init(
                email: plan.supervisorEmail, displayName: "\(agentNames[0].prefix(1))主管", role: .supervisor, passwordHash: hash,
                departmentIDs: [departmentIDs[.afterSales]!], customRoleID: nil))
            var agents: [SyntheticTenantContext.Agent] = []
            for number in 1...plan.agents {
                let user = try await directory.createUser(.init(
                    email: plan.agentEmail(number), displayName: agentNames[number - 1], role: .agent, passwordHash: hash,
                    departmentIDs: [departmentIDs[plan.department(ofAgent: number)]!], customRoleID: nil))
                agents.append(.init(id: user.id, name: user.displayName))
            }
            return (departmentIDs, agents)
        }
        var byDepartment: [SyntheticTenants.Department: [Int]] = [:]
        for number in 1...plan.agents { byDepartment[plan.department(ofAgent: number), default: []].append(number - 1) }

        // About 8.7 messages per conversation, and customers come back: ~0.45 customers per conversation.
        let customers = SyntheticCustomers.make(count: max(3, plan.messages * 45 / 870), random: &random, createdAt: now)
        for start in stride(from: 0, to: customers.count, by: options.batch) {
            let slice = customers[start..<min(start + options.batch, customers.count)]
            try await database.withScope(.tenant(tenant.id)) { tx in
                try await SyntheticWriter.writeCustomers(slice, tenantID: tenant.id, at: now, tx: tx)
            }
        }
        return SyntheticTenantContext(plan: plan, tenantID: tenant.id, departmentIDs: departmentIDs, agents: agents,
                                      agentsByDepartment: byDepartment, customers: customers)
    }

    /// `work` over every item, at most `width` at a time, results in the items' order.
    static func concurrently<Item: Sendable, Result: Sendable>(
        _ items: [Item], width: Int, _ work: @escaping @Sendable (Item) async throws -> Result
    ) async throws -> [Result] {
        try await withThrowingTaskGroup(of: (Int, Result).self) { group in
            var results = [Result?](repeating: nil, count: items.count)
            var next = 0
            while next < min(width, items.count) {
                let index = next
                group.addTask { (index, try await work(items[index])) }
                next += 1
            }
            while let (index, result) = try await group.next() {
                results[index] = result
                if next < items.count {
                    let index = next
                    group.addTask { (index, try await work(items[index])) }
                    next += 1
                }
            }
            return results.map { $0! }
        }
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}

/// Messages written so far; prints a line every few seconds with the rate.
actor SeedProgress {
    private let total: Int
    private var done = 0
    private let started = ContinuousClock.now
    private var lastPrinted = ContinuousClock.now

    init(total: Int) { self.total = total }

    func add(_ messages: Int) {
        done += messages
        let now = ContinuousClock.now
        guard now - lastPrinted >= .seconds(5) || done == total else { return }
        lastPrinted = now
        let seconds = SyntheticSeeder.seconds(since: started)
        Console.line(String(format: "  %9ld / %ld messages (%5.1f%%)  %7.0f msg/s  %6.1f s", done, total,
                            100 * Double(done) / Double(total), Double(done) / max(seconds, 0.001), seconds))
    }
}

/// Lines on standard output, flushed at once: progress must show up while a long seed
/// runs, even when the output goes to a file or a pipe.
enum Console {
    static func line(_ text: String) {
        print(text)
        fflush(nil)  // all streams: `stdout` itself is a global var, off limits under strict concurrency
    }
}
