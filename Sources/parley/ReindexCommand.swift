import ArgumentParser
import Foundation
import Store

/// Rebuilds message search vectors after a tokenizer change (see `Tokenizer.version`).
struct ReindexCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reindex",
        abstract: "Rewrite search vectors made by an older tokenizer, in batches; safe to stop and run again.")

    @Option(help: "Messages per transaction.")
    var batchSize: Int = 1_000

    func validate() throws {
        guard (10...50_000).contains(batchSize) else { throw ValidationError("--batch-size must be 10 to 50000") }
    }

    func run() async throws {
        let runtime = try Runtime(needsAPI: false)
        let reindexer = Reindexer(database: runtime.database, batchSize: batchSize)
        let started = Date()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await runtime.client.run() }
            defer { group.cancelAll() }
            let progress = try await reindexer.run(logger: runtime.logger) { progress in
                runtime.logger.info("reindexing", metadata: ["tenants_done": "\(progress.tenants)", "rewritten": "\(progress.rewritten)"])
            }
            print("reindexed \(progress.rewritten) messages in \(progress.tenants) tenants in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        }
    }
}
