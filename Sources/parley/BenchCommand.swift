import ArgumentParser
import Foundation
import Search

/// `parley bench …`: benchmarks that print figures and ratios against a baseline measured
/// in the same run. They never assert timings: a slow machine is information, not a failure.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Benchmarks against the data set of `parley seed --tenants`.",
        subcommands: [BenchSearchCommand.self])
}

struct BenchSearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search", abstract: "Keyword search vs. ILIKE, per role, with agreement against substring ground truth.",
        discussion: """
            Measures the biggest bench tenant and the median-sized one (or --tenants), as its admin, its supervisor \
            and agent1. Default queries: a common and a rare Chinese phrase of 1, 2, 4 and 6 characters from the \
            generator's vocabulary, '\(BenchTerms.englishWord)', and an order number found in each tenant \
            ('\(BenchQuery.orderPlaceholder)' in --queries).
            """)

    @Option(help: "Comma-separated keywords; '\(BenchQuery.orderPlaceholder)' stands for an order number from each tenant.")
    var queries: String?

    @Option(help: "Timed runs per query, role and tenant.")
    var runs: Int = 20

    @Option(help: "Comma-separated tenant slugs to measure instead of the biggest and the median one.")
    var tenants: String?

    @Option(help: "Phrases (1–8 characters) cut from each tenant's messages for the agreement sweep; 0 to skip.")
    var samples: Int = 24

    @Option(help: "Random seed for the sweep's phrases.")
    var seed: UInt64 = 1

    func validate() throws {
        guard (1...1_000).contains(runs) else { throw ValidationError("--runs must be 1 to 1000") }
        guard (0...1_000).contains(samples) else { throw ValidationError("--samples must be 0 to 1000") }
        if let queries {
            for text in Self.split(queries) where text != BenchQuery.orderPlaceholder {
                do { _ = try SearchQuery(text, mode: .exact) } catch {
                    throw ValidationError("--queries: '\(text)' has nothing to search for, or is too long")
                }
            }
        }
    }

    func run() async throws {
        // One connection: every request then runs on the same warm backend, as on a busy
        // API pool in steady state; a pool that opens connections on demand would time
        // some requests on a fresh backend whose catalog caches are still empty.
        let runtime = try Runtime(needsAPI: false, connections: 1)
        let chosen = queries.map { Self.split($0).map { BenchQuery($0, origin: "given") } } ?? BenchQuery.defaults
        let benchmark = SearchBenchmark(database: runtime.database, options: .init(
            queries: chosen, runs: runs, tenantSlugs: tenants.map(Self.split), samples: samples, limit: 20, seed: seed))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await runtime.client.run() }
            defer { group.cancelAll() }
            let report = try await benchmark.run()
            report.print()
        }
    }

    private static func split(_ list: String) -> [String] {
        list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
