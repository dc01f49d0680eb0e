#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// What `parley bench export` reads about processes: peak and current resident memory
/// (Linux `/proc`), CPU time, and the child processes each measured case runs in.
enum ExportBenchProcess {
    /// The process's peak resident set so far (`VmHWM`), in KiB; 0 where `/proc` is missing.
    /// Monotone over a process's life: that is why every case runs in a child of its own.
    static func peakRSSKiB() -> Int { statusField("VmHWM:") }

    /// The resident set now (`VmRSS`), in KiB.
    static func currentRSSKiB() -> Int { statusField("VmRSS:") }

    /// User + system CPU seconds this process has used.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// User + system CPU seconds of another process on this machine (a PostgreSQL
    /// backend, when the server is local); `nil` when it cannot be read.
    static func cpuSeconds(pid: Int32) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        // Fields after "(comm)": state is field 3; utime and stime are fields 14 and 15.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    private static func statusField(_ name: String) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix(name) {
            // "VmHWM:\t   12345 kB"
            return Int(line.dropFirst(name.count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "") ?? 0
        }
        return 0
    }

    /// Runs this same executable with `arguments` (its output goes to ours) and waits
    /// for it without holding a thread; throws when it fails.
    static func runSelf(_ arguments: [String]) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = arguments
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        guard status == 0 else {
            throw BenchError("`parley \(arguments.joined(separator: " "))` exited with status \(status)")
        }
    }

    /// Runs a program found on `PATH` with `arguments`; returns its exit status, or `nil`
    /// when there is no such program.
    static func run(program: String, _ arguments: [String], standardInput: FileHandle? = nil) async throws -> Int32? {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .map { "\($0)/\(program)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let path else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let standardInput { process.standardInput = standardInput }
        return try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
    }
}
