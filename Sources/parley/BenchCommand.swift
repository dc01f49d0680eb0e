import API
import ArgumentParser
import Export
import Foundation
import Search

/// `parley bench …`: benchmarks that print figures and ratios against a baseline measured
/// in the same run. They never assert timings: a slow machine is information, not a failure.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Benchmarks against the data set of `parley seed --tenants`.",
        subcommands: [BenchSearchCommand.self, BenchExportCommand.self, BenchRetentionCommand.self, BenchStatsCommand.self])
}

struct BenchStatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "The statistics queries for the biggest bench tenant's admin over a range of days.")

    @Option(help: "Timed runs per query.")
    var runs: Int = 20

    @Option(help: "Days in the range (ending at the tenant's newest conversation).")
    var days: Int = 30

    func validate() throws {
        guard (1...1_000).contains(runs) else { throw ValidationError("--runs must be 1 to 1000") }
        guard (1...366).contains(days) else { throw ValidationError("--days must be 1 to 366") }
    }

    func run() async throws {
        let runtime = try Runtime(needsAPI: false)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await runtime.client.run() }
            defer { group.cancelAll() }
            try await StatisticsBenchmark(database: runtime.database, runs: runs, days: days).run()
        }
    }
}

struct BenchRetentionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention", abstract: "The retention job across the bench tenants, with ingestion running meanwhile.",
        discussion: """
            Destructive: gives every bench-* tenant a clean-up rule deleting conversations ended more than \
            --older-than-days ago, runs RetentionService until every rule has run, then removes the rules. With \
            `parley seed --tenants 200 --messages 2000000 --months 12` about half the messages are reached at 182 days. \
            Prints messages/s against one set-based DELETE (rolled back), the longest deleting transaction, and the \
            latency of ingestion batches into the smallest tenant during the job against the same ingestion before it.
            """)

    @Option(help: "Conversations ended more than this many days ago are deleted.")
    var olderThanDays: Int = 182

    @Option(help: "Messages per concurrent ingestion batch.")
    var ingestBatch: Int = 100

    @Option(help: "Milliseconds between ingestion batches.")
    var ingestPause: Int = 100

    @Option(help: "Seconds of ingestion measured before the job.")
    var baselineSeconds: Double = 10

    @Option(help: "Conversations per deleting transaction.")
    var batchSize: Int = 200

    func validate() throws {
        guard (1...36_500).contains(olderThanDays) else { throw ValidationError("--older-than-days must be 1 to 36500") }
        guard (1...1_000).contains(ingestBatch) else { throw ValidationError("--ingest-batch must be 1 to 1000") }
        guard (0...10_000).contains(ingestPause) else { throw ValidationError("--ingest-pause must be 0 to 10000") }
        guard (1...600).contains(baselineSeconds) else { throw ValidationError("--baseline-seconds must be 1 to 600") }
        guard (1...10_000).contains(batchSize) else { throw ValidationError("--batch-size must be 1 to 10000") }
    }

    func run() async throws {
        let runtime = try Runtime(needsAPI: false)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await runtime.client.run() }
            defer { group.cancelAll() }
            try await RetentionBenchmark(runtime: runtime, options: .init(
                olderThanDays: olderThanDays, ingestBatch: ingestBatch, ingestPause: .milliseconds(ingestPause),
                baselineSeconds: baselineSeconds, batchSize: batchSize)).run()
        }
    }
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

struct BenchExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export jobs per size, format and store vs. the same rows read in one statement.",
        discussion: """
            Seeds (or reuses) a tenant export-bench-N with N messages for each size, raises the export row cap of \
            its plan for the run (restored at the end), and for each size, format and store queues a real export \
            of everything as the tenant's admin and runs it through ExportService.runNext(), each in a fresh child \
            process (peak RSS is per process). Baseline, per size, before and after its exports: the same rows as \
            one streamed SELECT written as CSV, and COPY … TO STDOUT WITH CSV through psql when it is on PATH. \
            --stores s3 reads PARLEY_TEST_S3_* (scripts/lib/s3.sh) or PARLEY_S3_*.
            """)

    @Option(help: "Comma-separated tenant sizes (messages).")
    var messages: String = "100000,1000000"

    @Option(help: "Comma-separated formats: csv, xlsx, pdf, txt.")
    var formats: String = "csv,xlsx,pdf,txt"

    @Option(help: "Comma-separated stores: file, s3.")
    var stores: String = "file,s3"

    @Option(help: "Comma-separated sizes PDF is exported at (a 1M-message PDF takes 8+ minutes per store).")
    var pdfMessages: String = "100000"

    @Option(help: "Run the stages one by one too (reading, mapping, rendering, upload): missed (cases under target), all, none.")
    var profile: String = "missed"

    @Option(help: "History of a seeded tenant, in months back from now.")
    var months: Int = 12

    @Option(help: "Random seed of the seeded texts.")
    var seed: UInt64 = 1

    @Flag(help: "Seed (or check) the tenants, then stop (scripts/bench runs VACUUM (ANALYZE) before measuring).")
    var seedOnly = false

    @Option(help: ArgumentHelp("One case in this process (the parent runs each case as a child): export, baseline, stages.",
                               visibility: .hidden))
    var one: String?

    @Option(help: ArgumentHelp("Where a child writes its result (JSON).", visibility: .hidden))
    var resultFile: String?

    @Option(help: ArgumentHelp(
        "With --one stages: comma-separated name=value PostgreSQL settings for the reading transaction (SET LOCAL), "
            + "to measure a change before making it, e.g. max_parallel_workers_per_gather=0.", visibility: .hidden))
    var pgSettings: String?

    func validate() throws {
        let sizes = try Self.sizes(messages, "--messages") + Self.sizes(pdfMessages, "--pdf-messages")
        guard sizes.allSatisfy({ (1_000...10_000_000).contains($0) }) else {
            throw ValidationError("sizes must be 1000 to 10000000 messages")
        }
        _ = try Self.formats(formats)
        _ = try Self.stores(stores)
        _ = try Self.settings(pgSettings)
        guard ExportBenchmark.Profile(rawValue: profile) != nil else { throw ValidationError("--profile must be missed, all or none") }
        guard (1...24).contains(months) else { throw ValidationError("--months must be 1 to 24") }
        if let one {
            guard let kind = ExportBenchResult.Kind(rawValue: one) else { throw ValidationError("--one must be export, baseline or stages") }
            guard resultFile != nil else { throw ValidationError("--one needs --result-file") }
            guard try Self.sizes(messages, "--messages").count == 1 else { throw ValidationError("--one takes one size") }
            if kind != .baseline {
                guard try Self.formats(formats).count == 1, try Self.stores(stores).count == 1 else {
                    throw ValidationError("--one takes one format and one store")
                }
            }
        } else if !seedOnly, try Self.stores(stores).contains(.s3), try ExportBenchStore.s3Configuration() == nil {
            throw ValidationError("--stores s3 needs PARLEY_TEST_S3_* (source scripts/lib/s3.sh; s3_start PORT) or PARLEY_S3_*; "
                                  + "or pass --stores file")
        }
    }

    func run() async throws {
        let runtime = try Runtime(needsAPI: false)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await runtime.client.run() }
            defer { group.cancelAll() }
            // Lets the pool start before the first lease (which would otherwise log a warning per child).
            try await Task.sleep(for: .milliseconds(50))
            if let one, let kind = ExportBenchResult.Kind(rawValue: one), let resultFile {
                let result = try await ExportBenchCase.run(
                    kind, runtime: runtime, messages: try Self.sizes(messages, "--messages")[0],
                    format: try Self.formats(formats)[0], store: try Self.stores(stores)[0],
                    settings: try Self.settings(pgSettings))
                if let pgSettings { Console.line("  (reading with SET LOCAL \(pgSettings))") }
                try JSONEncoder().encode(result).write(to: URL(fileURLWithPath: resultFile))
                return
            }
            let cost = UInt8(ProcessInfo.processInfo.environment["PARLEY_BCRYPT_COST"].flatMap(Int.init) ?? 10)
            let benchmark = ExportBenchmark(
                runtime: runtime,
                options: .init(sizes: try Self.sizes(messages, "--messages").sorted(),
                               pdfSizes: try Self.sizes(pdfMessages, "--pdf-messages").sorted(),
                               formats: try Self.formats(formats), stores: try Self.stores(stores),
                               profile: ExportBenchmark.Profile(rawValue: profile)!, months: months, seed: seed),
                passwordHash: PasswordHasher(cost: min(max(cost, 4), 16)).hashSynchronously(SyntheticSeeder.password))
            if seedOnly {
                _ = try await benchmark.prepare()
            } else {
                try await benchmark.run().print()
            }
        }
    }

    private static func split(_ list: String) -> [String] {
        list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    private static func sizes(_ list: String, _ name: String) throws -> [Int] {
        let sizes = split(list).map { Int($0.replacingOccurrences(of: "_", with: "")) }
        guard !sizes.isEmpty, sizes.allSatisfy({ $0 != nil }) else { throw ValidationError("\(name): comma-separated numbers") }
        return sizes.map { $0! }
    }

    private static func settings(_ list: String?) throws -> [(String, String)] {
        try split(list ?? "").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, parts[0].allSatisfy({ $0.isLetter || $0 == "_" || $0 == "." }) else {
                throw ValidationError("--pg-settings: name=value, not '\(pair)'")
            }
            return (parts[0], parts[1])
        }
    }

    private static func formats(_ list: String) throws -> [ExportFormat] {
        try split(list).map { name in
            guard let format = ExportFormat(rawValue: name) else { throw ValidationError("--formats: unknown format '\(name)'") }
            return format
        }
    }

    private static func stores(_ list: String) throws -> [ExportBenchStore] {
        try split(list).map { name in
            guard let store = ExportBenchStore(rawValue: name) else { throw ValidationError("--stores: file or s3, not '\(name)'") }
            return store
        }
    }
}
