import Domain
import Export
import Foundation
import Logging
import ObjectStorage
import Store
import Worker

/// `parley bench export`: real export jobs of a synthetic tenant's whole history, for
/// each size, format and store, against a baseline of the same rows measured in the same
/// run (`ExportBenchBaseline`). Prints figures; never asserts a timing.
///
/// The parent seeds (or reuses) one tenant per size (`ExportBenchTenant`), raises the
/// export row cap of their plan for the run, then runs every case in a child process of
/// its own (`parley bench export --one …`, this executable again): peak RSS (`VmHWM`)
/// only grows over a process's life, so only a fresh process shows what one export needs.
struct ExportBenchmark {
    struct Options: Sendable {
        /// Tenant sizes, ascending.
        var sizes: [Int]
        /// The sizes PDF is exported at (1M messages would take 8+ minutes per store).
        var pdfSizes: [Int]
        var formats: [ExportFormat]
        var stores: [ExportBenchStore]
        var profile: Profile
        var months: Int
        var seed: UInt64
    }

    /// Which cases are also run stage by stage (`ExportBenchStages`).
    enum Profile: String, Sendable, CaseIterable {
        /// Those that missed their target.
        case missed
        case all
        case none
    }

    let runtime: Runtime
    let options: Options
    let passwordHash: String

    /// The tenant of every size, seeded where missing.
    func prepare() async throws -> [Int: ExportBenchTenant] {
        var tenants: [Int: ExportBenchTenant] = [:]
        for size in Set(options.sizes + options.pdfSizes).sorted() {
            tenants[size] = try await ExportBenchTenant.ensure(runtime.database, messages: size, months: options.months,
                                                               seed: options.seed, passwordHash: passwordHash)
        }
        return tenants
    }

    func run() async throws -> ExportBenchReport {
        let database = runtime.database
        var report = ExportBenchReport()
        report.facts = machineFacts()
        let tenants = try await prepare()
        let planCodes = Set(tenants.values.map(\.planCode))
        let cap = (tenants.keys.max() ?? 0) + 1_000
        var raised: [(String, Int)] = []
        for code in planCodes.sorted() {
            if let previous = try await ExportBenchTenant.raiseCap(database, planCode: code, to: cap) { raised.append((code, previous)) }
        }
        do {
            try await measure(into: &report, tenants: tenants)
        } catch {
            for (code, previous) in raised { try? await ExportBenchTenant.restoreCap(database, planCode: code, to: previous) }
            throw error
        }
        for (code, previous) in raised { try await ExportBenchTenant.restoreCap(database, planCode: code, to: previous) }
        report.facts.append("load average (1/5/15 min) at the end: \(BenchReport.loadAverage() ?? "?")")
        return report
    }

    private func measure(into report: inout ExportBenchReport, tenants: [Int: ExportBenchTenant]) async throws {
        for size in tenants.keys.sorted() {
            let formats = options.formats.filter { $0 != .pdf || options.pdfSizes.contains(size) }
                .filter { $0 == .pdf || options.sizes.contains(size) }
            guard !formats.isEmpty else { continue }
            // The baseline before and after the size's exports: the machine is shared, and the
            // faster of the two is the floor (the report divides by it).
            report.baselines.append(try await child(["--one", "baseline", "--messages", String(size)]))
            for format in formats {
                for store in options.stores {
                    let result = try await child(["--one", "export", "--messages", String(size), "--formats", format.rawValue,
                                                  "--stores", store.rawValue])
                    report.exports.append(result)
                    let missed = ExportBenchReport.meets(result) == false
                    if options.profile == .all || (options.profile == .missed && missed) {
                        report.profiles.append(try await child(["--one", "stages", "--messages", String(size),
                                                                "--formats", format.rawValue, "--stores", store.rawValue]))
                    }
                }
            }
            report.baselines.append(try await child(["--one", "baseline", "--messages", String(size)]))
        }
    }

    /// Runs one case in a fresh child process and reads what it reports.
    private func child(_ arguments: [String]) async throws -> ExportBenchResult {
        let resultFile = FileManager.default.temporaryDirectory
            .appendingPathComponent("parley-bench-export-\(UUID().uuidString.lowercased()).json")
        defer { try? FileManager.default.removeItem(at: resultFile) }
        Console.line("▸ parley bench export \(arguments.joined(separator: " "))")
        try await ExportBenchProcess.runSelf(["bench", "export"] + arguments + ["--result-file", resultFile.path])
        var result = try JSONDecoder().decode(ExportBenchResult.self, from: Data(contentsOf: resultFile))
        result.load = BenchReport.loadAverage()?.split(separator: " ").first.map(String.init)
        Console.line(String(format: "  %d rows, %.1f MB in %.2f s: %.0f rows/s; peak RSS %.1f MB; load %@",
                            result.rows, Double(result.bytes) / 1e6, result.seconds, result.rowsPerSecond,
                            Double(result.peakRSSKiB) / 1024, result.load ?? "?"))
        return result
    }

    private func machineFacts() -> [String] {
        let memory = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("MemTotal:") }
            .flatMap { Int($0.split(separator: " ")[1]) }.map { String(format: "%.0f GB RAM", Double($0) / 1_048_576) } ?? "?"
        var facts = ["machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(memory); "
                     + "load average (1/5/15 min) at the start: \(BenchReport.loadAverage() ?? "?")"]
        for store in options.stores {
            facts.append("store \(store.rawValue): \(store.describe())")
        }
        facts.append("PDF at \(options.pdfSizes.map(String.init).joined(separator: ", ")) messages only "
                     + "(--pdf-messages; a 1M-message PDF takes 8+ minutes per store)")
        return facts
    }
}

/// Where the benchmark's files go: a fresh folder (`FileObjectStore`, the embedded
/// default) or the S3-compatible server of `PARLEY_TEST_S3_*` (scripts/lib/s3.sh, moto)
/// or else `PARLEY_S3_*`.
enum ExportBenchStore: String, Sendable, CaseIterable {
    case file, s3

    static func s3Configuration() throws -> S3Configuration? {
        let environment = ProcessInfo.processInfo.environment
        for prefix in ["PARLEY_TEST_S3_", "PARLEY_S3_"] {
            guard let endpoint = environment[prefix + "ENDPOINT"].flatMap(URL.init(string:)),
                  let bucket = environment[prefix + "BUCKET"], let key = environment[prefix + "ACCESS_KEY_ID"],
                  let secret = environment[prefix + "SECRET_ACCESS_KEY"] else { continue }
            return try S3Configuration(endpoint: endpoint, bucket: bucket, region: environment[prefix + "REGION"] ?? "us-east-1",
                                       accessKeyID: key, secretAccessKey: secret,
                                       pathStyle: environment[prefix + "PATH_STYLE"] != "false")
        }
        return nil
    }

    func make(folder: URL) throws -> any ObjectStore {
        switch self {
        case .file:
            return FileObjectStore(root: folder.appendingPathComponent("store"))
        case .s3:
            guard let configuration = try Self.s3Configuration() else {
                throw BenchError("--stores s3 needs PARLEY_TEST_S3_* (source scripts/lib/s3.sh; s3_start PORT) or PARLEY_S3_*")
            }
            return S3ObjectStore(configuration: configuration)
        }
    }

    func describe() -> String {
        switch self {
        case .file: return "FileObjectStore in \(FileManager.default.temporaryDirectory.path) (copy, fsync, rename)"
        case .s3:
            guard let configuration = try? Self.s3Configuration() else { return "not configured" }
            return "S3ObjectStore → \(configuration.endpoint.absoluteString) bucket \(configuration.bucket), "
                + "\(configuration.partSize / 1_048_576) MiB parts"
        }
    }
}

/// One case, in the child process: `--one export|baseline|stages`.
enum ExportBenchCase {
    static func run(_ kind: ExportBenchResult.Kind, runtime: Runtime, messages: Int, format: ExportFormat,
                    store storeKind: ExportBenchStore, settings: [(String, String)] = []) async throws -> ExportBenchResult {
        let database = runtime.database
        guard let tenant = try await ExportBenchTenant.find(database, messages: messages) else {
            throw BenchError("no tenant \(ExportBenchTenant.slug(messages: messages)): run `parley bench export` without --one")
        }
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("parley-bench-export-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        switch kind {
        case .baseline:
            return try await ExportBenchBaseline.run(database, tenant: tenant, folder: folder)
        case .stages:
            return try await ExportBenchStages.run(database, tenant: tenant, format: format, store: storeKind.make(folder: folder),
                                                   storeName: storeKind.rawValue, folder: folder, settings: settings)
        case .export:
            return try await export(runtime, tenant: tenant, format: format, storeKind: storeKind, folder: folder)
        }
    }

    /// A real job: queued as `POST /v1/exports` queues it, run by the worker's own `runNext()`.
    private static func export(_ runtime: Runtime, tenant: ExportBenchTenant, format: ExportFormat,
                               storeKind: ExportBenchStore, folder: URL) async throws -> ExportBenchResult {
        let database = runtime.database
        let store = try storeKind.make(folder: folder)
        try await clearQueue(database, tenant: tenant)
        let startRSS = ExportBenchProcess.currentRSSKiB()
        let queueStart = ContinuousClock.now
        let job = try await queue(database, tenant: tenant, format: format)
        let queueSeconds = SyntheticSeeder.seconds(since: queueStart)

        var settings = ExportService.Settings()
        settings.images = nil
        settings.temporaryDirectory = folder
        let service = ExportService(database: database, store: store, workerID: "bench-\(ExportService.makeWorkerID())",
                                    settings: settings, logger: runtime.logger)
        let cpuStart = ExportBenchProcess.cpuSeconds()
        let started = ContinuousClock.now
        guard try await service.runNext() else { throw BenchError("the worker found no job to claim") }
        let seconds = SyntheticSeeder.seconds(since: started)
        let cpu = ExportBenchProcess.cpuSeconds() - cpuStart
        let peak = ExportBenchProcess.peakRSSKiB()

        let done = try await database.withScope(.user(tenant.admin)) { tx in
            try await ExportJobRepository(tx, tenantID: tenant.id).job(job.id)
        }
        guard done.status == .succeeded else {
            throw BenchError("export \(job.id.uuidString.lowercased()) ended \(done.status.rawValue): \(done.error ?? "no error recorded")")
        }
        try await store.delete(key: done.objectKey)
        return ExportBenchResult(kind: .export, messages: tenant.messages, format: format.rawValue, store: storeKind.rawValue,
                                 rows: done.rowsDone, bytes: done.bytes ?? 0, seconds: seconds, queueSeconds: queueSeconds,
                                 cpuSeconds: cpu, peakRSSKiB: peak, startRSSKiB: startRSS)
    }

    /// What `ExportCreation.create` does for `POST /v1/exports` with a filter selecting
    /// everything: the plan's rules, counting against its row cap, the job and its audit
    /// event, in the admin's transaction.
    private static func queue(_ database: Database, tenant: ExportBenchTenant, format: ExportFormat) async throws -> ExportJobRecord {
        try await database.withScope(.user(tenant.admin)) { tx in
            let jobs = ExportJobRepository(tx, tenantID: tenant.id)
            let limits = try await jobs.limits(for: tenant.admin.userID)
            guard limits.exportEnabled else { throw BenchError("the \(limits.planCode) plan does not include exports") }
            let query = ConversationQuery()
            let resolved = try await query.resolve(tx, tenantID: tenant.id)
            let counted = try await ExportReader(tx, tenantID: tenant.id).count(resolved.filter)
            let rows = ExportRowCount.rows(format: format, rowKind: .messages, conversations: counted.conversations,
                                           messages: counted.messages)
            guard rows <= limits.rowCap else {
                throw BenchError("the export would hold \(rows) rows; the \(limits.planCode) plan allows \(limits.rowCap)")
            }
            let zone = TimeZone(identifier: limits.timeZone) ?? .gmt
            let stamp = ISO8601DateFormatter.string(from: tx.clock.now(), timeZone: zone, formatOptions: [.withFullDate, .withTime, .withColonSeparatorInTime])
            let options = ExportOptions(
                includeAttachmentLinks: true, includeCustomerInfo: false, embedImages: false,
                watermark: format == .pdf ? "\(limits.userName) · \(stamp)" : nil,
                title: "\(limits.tenantName) — conversations", tenantName: limits.tenantName, exporterName: limits.userName,
                timeZone: zone.identifier)
            let id = tx.ids.make()
            let job = try await jobs.create(NewExportJob(
                id: id, requestedBy: tenant.admin.userID, format: format, rowKind: .messages, selection: query, options: options,
                fileName: "\(limits.tenantSlug)-all-\(rows).\(format.fileExtension)", rowsTotal: rows))
            try await AuditLog(tx, tenantID: tenant.id)
                .record(actor: tenant.admin.userID, action: "export.created", targetType: "export", targetID: id)
            return job
        }
    }

    /// `runNext()` claims the oldest due job of any tenant: cancels the bench tenant's own
    /// leftovers (a run that was interrupted) and refuses to run anybody else's.
    private static func clearQueue(_ database: Database, tenant: ExportBenchTenant) async throws {
        let pending = try await database.withScope(.worker) { tx in
            try await tx.connection.query("""
                SELECT tenant_id, id FROM export_jobs WHERE status IN ('queued', 'running')
                """, logger: tx.logger).decode((UUID, UUID).self).all()
        }
        let others = pending.filter { $0.0 != tenant.id }
        guard others.isEmpty else {
            throw BenchError("\(others.count) export jobs of other tenants are queued or running in this database; "
                             + "the worker would run them: benchmark on a database of its own")
        }
        for (_, id) in pending {
            _ = try await database.withScope(.user(tenant.admin)) { tx in
                try await ExportJobRepository(tx, tenantID: tenant.id).cancel(id)
            }
            Console.line("  cancelled a leftover job \(id.uuidString.lowercased())")
        }
    }
}
