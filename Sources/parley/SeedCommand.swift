import API
import ArgumentParser
import Foundation
import Logging
import Store

/// Seeds the demo tenant (idempotent: does nothing if it exists), or with `--tenants`
/// the benchmark data set (`SyntheticSeeder`).
struct SeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed", abstract: "Create the demo tenant with sample history, or with --tenants a benchmark data set.",
        discussion: """
            Without --tenants: the demo tenant 'demo' (what scripts/dev uses).
            With --tenants N --messages M: N enterprise tenants bench-0001 … (bench-0001 the biggest, ~10% of \
            the messages) with departments, a supervisor, agents, customers on several channels and M messages \
            of customer-service talk over the last --months months. Users' password: \(SyntheticSeeder.password)
            """)

    @Option(help: "How many demo conversations to create.")
    var conversations: Int = 300

    @Option(help: "Benchmark data set: how many tenants (bench-0001 …).")
    var tenants: Int?

    @Option(help: "Benchmark data set: how many messages in all.")
    var messages: Int?

    @Option(help: "Benchmark data set: history spread over this many months back from now.")
    var months: Int = 12

    @Option(help: "Benchmark data set: random seed (the same seed gives the same texts).")
    var seed: UInt64 = 1

    @Option(help: "Benchmark data set: transactions written at the same time.")
    var jobs: Int = 3

    @Option(help: "Benchmark data set: messages per batch (one transaction, one INSERT per table).")
    var batch: Int = 4_000

    func validate() throws {
        guard (1...100_000).contains(conversations) else { throw ValidationError("--conversations must be 1 to 100000") }
        guard let tenants else {
            guard messages == nil else { throw ValidationError("--messages needs --tenants") }
            return
        }
        guard (1...9_999).contains(tenants) else { throw ValidationError("--tenants must be 1 to 9999") }
        guard let messages else { throw ValidationError("--tenants needs --messages") }
        let minimum = tenants * SyntheticTenants.minimumMessages
        guard (minimum...50_000_000).contains(messages) else {
            throw ValidationError("--messages must be \(minimum) (\(SyntheticTenants.minimumMessages) per tenant) to 50000000")
        }
        guard (1...24).contains(months) else { throw ValidationError("--months must be 1 to 24") }
        guard (1...16).contains(jobs) else { throw ValidationError("--jobs must be 1 to 16") }
        guard (100...50_000).contains(batch) else { throw ValidationError("--batch must be 100 to 50000") }
    }

    func run() async throws {
        let runtime = try Runtime(needsAPI: false)
        let cost = UInt8(ProcessInfo.processInfo.environment["PARLEY_BCRYPT_COST"].flatMap(Int.init) ?? 10)
        let passwords = PasswordHasher(cost: min(max(cost, 4), 16))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await runtime.client.run() }
            defer { group.cancelAll() }
            if let tenants, let messages {
                try await seedBenchmark(runtime, passwords: passwords, tenants: tenants, messages: messages)
            } else {
                try await seedDemo(runtime, passwords: passwords)
            }
        }
    }

    private func seedBenchmark(_ runtime: Runtime, passwords: PasswordHasher, tenants: Int, messages: Int) async throws {
        let seeder = SyntheticSeeder(
            database: runtime.database, passwordHash: passwords.hashSynchronously(SyntheticSeeder.password),
            options: .init(tenants: tenants, messages: messages, months: months, seed: seed, jobs: jobs, batch: batch))
        let summary = try await seeder.run()
        Console.line(String(format: "seeded %ld tenants, %ld customers, %ld conversations, %ld messages in %.1f s: %.0f messages/s",
                            summary.tenants, summary.customers, summary.conversations, summary.messages, summary.seconds,
                            Double(summary.messages) / max(summary.seconds, 0.001)))
    }

    private func seedDemo(_ runtime: Runtime, passwords: PasswordHasher) async throws {
        let demo = DemoData(database: runtime.database, passwords: passwords, conversationCount: conversations)
        guard let summary = try await demo.seed() else {
            print("demo tenant '\(DemoData.tenantSlug)' already exists: nothing to do")
            return
        }
        print("""
            demo tenant '\(DemoData.tenantSlug)' (\(summary.tenantID.uuidString.lowercased())): \
            \(summary.conversations) conversations, \(summary.messages) messages
            users (password '\(DemoData.password)'):
            \(summary.users.map { "  \($0.role.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \($0.email)" }.joined(separator: "\n"))
            web-channel API key (shown once): \(summary.apiKey)
            """)
    }
}
