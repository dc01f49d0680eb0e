import Domain
import Foundation
import Store

/// One measured case of `parley bench export`, as a child process reports it to the parent.
struct ExportBenchResult: Codable, Sendable {
    enum Kind: String, Codable, Sendable {
        /// A real job: queued through `ExportJobRepository`, run by `ExportService.runNext()`.
        case export
        /// The same rows read in one statement and written as CSV, without the pipeline.
        case baseline
        /// The pipeline's stages timed one by one (reading, mapping, rendering, upload).
        case stages
    }

    var kind: Kind
    /// The tenant's size.
    var messages: Int
    var format: String = ""
    var store: String = ""
    var rows = 0
    var bytes: Int64 = 0
    /// export: `runNext()` (claim, read, render, upload, finish); baseline: the streamed SELECT.
    var seconds = 0.0
    /// export: creating the job as the API does (plan, counting against the cap, insert).
    var queueSeconds = 0.0
    /// CPU this process used during `seconds` (user + system; up to 2 s per second on 2 cores).
    var cpuSeconds = 0.0
    /// `VmHWM` at the end: the child's peak resident memory over the whole case.
    var peakRSSKiB = 0
    /// `VmRSS` once connected, before measuring: what the process holds with no export running.
    var startRSSKiB = 0
    /// baseline: `COPY (…) TO STDOUT WITH CSV` through psql, when psql is on PATH.
    var copySeconds: Double?
    var copyBytes: Int64?
    var stages: ExportBenchStageTimes?
    /// One-minute load average when the case ended: other work on the machine slows every figure.
    var load: String?

    var rowsPerSecond: Double { Double(rows) / max(seconds, 1e-9) }
}

/// Where a staged run's time went, in seconds.
struct ExportBenchStageTimes: Codable, Sendable {
    /// `ExportReader.conversations`: the list page and its facts query (names, tags, first response).
    var conversations = 0.0
    /// `ExportReader.forEachMessage`: the page's messages, decoded, collected in memory.
    var messages = 0.0
    /// Records to renderer rows (masking, names), as `ExportRowMapping` does.
    var mapping = 0.0
    /// `renderer.add` over the rows in memory.
    var rendering = 0.0
    /// `renderer.finish()` (flush and fsync; XLSX zips its sheets here).
    var finishing = 0.0
    /// `ObjectStore.put` of the finished file.
    var upload = 0.0
    /// CPU the PostgreSQL backend used while reading (local server only).
    var postgresCPU: Double?
    var pages = 0

    var reading: Double { conversations + messages }
    var total: Double { conversations + messages + mapping + rendering + finishing + upload }
}

/// What `parley bench export` prints: one table row per size, format and store, the
/// baselines of each size, peak memory growth from the smallest to the largest size,
/// the targets, and where the time went for the cases that were profiled.
struct ExportBenchReport {
    /// Targets of the export issue: rows per second end to end (including upload).
    static func target(_ format: String) -> Double? {
        switch format {
        case "csv": 50_000
        case "xlsx": 20_000
        case "pdf": 2_000
        default: nil
        }
    }
    static let rssGrowthTargetMiB = 64.0

    var exports: [ExportBenchResult] = []
    var baselines: [ExportBenchResult] = []
    var profiles: [ExportBenchResult] = []
    var facts: [String] = []

    static func meets(_ result: ExportBenchResult) -> Bool? {
        target(result.format).map { result.rowsPerSecond >= $0 }
    }

    /// The size's baseline: the faster of its runs (one before and one after the size's
    /// exports). A floor is what the machine can do; a slower run measured someone else's load.
    func baseline(_ messages: Int) -> (select: Double, copy: Double?)? {
        let runs = baselines.filter { $0.messages == messages }
        guard let select = runs.map(\.seconds).min() else { return nil }
        return (select, runs.compactMap(\.copySeconds).min())
    }

    func print() {
        Console.line("")
        Console.line("Exports: a real job per row (ExportJobRepository.create as the tenant admin, filter = everything, then")
        Console.line("ExportService.runNext(): claim, read under the admin's scope, render, upload, mark done), each in a fresh")
        Console.line("child process so its peak RSS (VmHWM) is its own. 'export s' is runNext(); rows/s = rows / export s.")
        Console.line("×SELECT / ×COPY: export s over the same size's faster baseline run (the same rows in one statement, as CSV).")
        for fact in facts { Console.line("  \(fact)") }
        Console.line("")
        let header = ["messages", "format", "store", "rows", "MB", "queue s", "export s", "rows/s", "target", "",
                      "×SELECT", "×COPY", "peak RSS MB", "CPU", "load"]
        let widths = [9, 11, 5, 9, 8, 7, 8, 9, 7, 6, 7, 6, 11, 5, 5]
        Console.line(Self.row(header, widths))
        Console.line(String(repeating: "-", count: widths.reduce(0, +) + 2 * (widths.count - 1)))
        for size in Set(exports.map(\.messages) + baselines.map(\.messages)).sorted() {
            for run in baselines where run.messages == size {
                Console.line(Self.row([
                    String(size), "SELECT→CSV", "-", String(run.rows), Self.mb(run.bytes), "-", Self.s(run.seconds),
                    Self.count(run.rowsPerSecond), "", "", "1.0×", "", Self.mib(run.peakRSSKiB), Self.percent(run),
                    run.load ?? "",
                ], widths))
                if let copy = run.copySeconds {
                    Console.line(Self.row([
                        String(size), "COPY→CSV", "-", String(run.rows), Self.mb(run.copyBytes ?? 0), "-", Self.s(copy),
                        Self.count(Double(run.rows) / max(copy, 1e-9)), "", "", "", "1.0×", "(psql)", "",
                    ], widths))
                }
            }
            let base = baseline(size)
            for run in exports where run.messages == size {
                let met = Self.meets(run).map { $0 ? "met" : "MISSED" } ?? ""
                Console.line(Self.row([
                    String(size), run.format, run.store, String(run.rows), Self.mb(run.bytes), Self.s(run.queueSeconds),
                    Self.s(run.seconds), Self.count(run.rowsPerSecond), Self.target(run.format).map(Self.count) ?? "-", met,
                    base.map { Self.times(run.seconds / $0.select) } ?? "-",
                    base?.copy.map { Self.times(run.seconds / $0) } ?? "-",
                    Self.mib(run.peakRSSKiB), Self.percent(run), run.load ?? "",
                ], widths))
            }
            Console.line("")
        }
        printGrowth()
        printProfiles()
        printTargets()
    }

    private func printGrowth() {
        let sizes = Set(exports.map(\.messages)).sorted()
        guard let smallest = sizes.first, let largest = sizes.last, smallest != largest else { return }
        Console.line("Peak RSS growth from \(smallest) to \(largest) messages (target < \(Int(Self.rssGrowthTargetMiB)) MB):")
        for small in exports where small.messages == smallest {
            guard let large = exports.first(where: { $0.messages == largest && $0.format == small.format && $0.store == small.store })
            else { continue }
            let growth = Double(large.peakRSSKiB - small.peakRSSKiB) / 1024
            Console.line("  \(small.format) \(small.store): \(Self.mib(small.peakRSSKiB)) → \(Self.mib(large.peakRSSKiB)) MB, "
                         + String(format: "%+.1f MB ", growth) + (growth < Self.rssGrowthTargetMiB ? "(met)" : "(MISSED)"))
        }
        Console.line("")
    }

    private func printProfiles() {
        guard !profiles.isEmpty else { return }
        Console.line("Where the time goes: the pipeline's stages run one after another in one pass (each page of \(ExportReader.pageSize)")
        Console.line("conversations read into memory, then mapped, then rendered), then the upload, in seconds:")
        let header = ["messages", "format", "store", "conversations", "messages", "PG CPU", "mapping", "rendering",
                      "finish", "upload", "total", "render rows/s", "slowest", "load"]
        let widths = [9, 6, 5, 13, 8, 6, 7, 9, 6, 6, 6, 13, 13, 5]
        Console.line(Self.row(header, widths))
        Console.line(String(repeating: "-", count: widths.reduce(0, +) + 2 * (widths.count - 1)))
        for run in profiles {
            guard let t = run.stages else { continue }
            let named = [("reading", t.reading), ("mapping", t.mapping), ("rendering", t.rendering + t.finishing),
                         ("upload", t.upload)]
            let slowest = named.max { $0.1 < $1.1 }!
            Console.line(Self.row([
                String(run.messages), run.format, run.store, Self.s(t.conversations), Self.s(t.messages),
                t.postgresCPU.map(Self.s) ?? "-", Self.s(t.mapping), Self.s(t.rendering), Self.s(t.finishing), Self.s(t.upload),
                Self.s(t.total), Self.count(Double(run.rows) / max(t.rendering + t.finishing, 1e-9)),
                "\(slowest.0) \(Int((100 * slowest.1 / max(t.total, 1e-9)).rounded()))%", run.load ?? "",
            ], widths))
        }
        Console.line("")
    }

    private func printTargets() {
        Console.line("Targets (2 cores): CSV ≥ 50k rows/s, XLSX ≥ 20k rows/s, PDF ≥ 2k messages/s end to end including upload;")
        Console.line("peak RSS grows < \(Int(Self.rssGrowthTargetMiB)) MB from the smallest to the largest size.")
        for format in ["csv", "xlsx", "pdf", "txt"] {
            let runs = exports.filter { $0.format == format }
            guard let slowest = runs.min(by: { $0.rowsPerSecond < $1.rowsPerSecond }) else { continue }
            let verdict = Self.target(format).map { slowest.rowsPerSecond >= $0 ? "met" : "MISSED" } ?? "no target"
            Console.line("  \(format): slowest \(Self.count(slowest.rowsPerSecond)) rows/s (\(slowest.messages), \(slowest.store)), "
                         + "fastest \(Self.count(runs.map(\.rowsPerSecond).max() ?? 0)) rows/s: \(verdict)")
        }
    }

    static func s(_ value: Double) -> String { String(format: "%.2f", value) }
    static func mb(_ bytes: Int64) -> String { String(format: "%.1f", Double(bytes) / 1_000_000) }
    static func mib(_ kib: Int) -> String { String(format: "%.1f", Double(kib) / 1024) }
    static func times(_ ratio: Double) -> String { String(format: "%.1f×", ratio) }
    static func count(_ value: Double) -> String {
        value >= 10_000 ? String(format: "%.1fk", value / 1_000) : String(format: "%.0f", value)
    }
    static func percent(_ run: ExportBenchResult) -> String {
        String(format: "%.0f%%", 100 * run.cpuSeconds / max(run.seconds, 1e-9))
    }

    private static func row(_ cells: [String], _ widths: [Int]) -> String {
        var line = zip(cells, widths).map { cell, width in
            cell + String(repeating: " ", count: max(0, width - cell.count))
        }.joined(separator: "  ")
        while line.hasSuffix(" ") { line.removeLast() }
        return line
    }
}
