import API
import ArgumentParser
import Foundation
import Logging
import Store

/// Seeds the demo tenant (idempotent: does nothing if it exists).
struct SeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "seed", abstract: "Create the demo tenant with sample history.")

    @Option(help: "How many demo conversations to create.")
    var conversations: Int = 300

    func validate() throws {
        guard (1...100_000).contains(conversations) else { throw ValidationError("--conversations must be 1 to 100000") }
    }

    func run() async throws {
        let runtime = try Runtime(needsAPI: false)
        let cost = UInt8(ProcessInfo.processInfo.environment["PARLEY_BCRYPT_COST"].flatMap(Int.init) ?? 10)
        let demo = DemoData(database: runtime.database, passwords: PasswordHasher(cost: min(max(cost, 4), 16)),
                            conversationCount: conversations)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await runtime.client.run() }
            defer { group.cancelAll() }
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
}
