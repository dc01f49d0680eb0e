import Foundation
import Logging
import ServiceLifecycle
import UnixSignals
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The last line of defence of a bounded shutdown, run as the last service of the group
/// (so it is the first told to shut down).
///
/// `ServiceGroup` escalates a graceful shutdown that outlives
/// `maximumGracefulShutdownDuration` to task cancellation, which ends what honours it. Its
/// next escalation, `maximumCancellationDuration`, is a `fatalError`: a crash with a stack
/// trace and no log line. Instead, when the shutdown starts this arms a plain thread (it
/// does not need the concurrency pool, which stuck work may be holding) that exits the
/// process `cancellationGrace` after the bound, with a JSON log line saying so; and a
/// second SIGTERM or SIGINT exits at once.
final class ShutdownWatchdog: Service, @unchecked Sendable {
    /// How long cancelled work gets to unwind after the bound before the process exits.
    static let cancellationGrace: Duration = .seconds(3)

    let bound: Duration
    let logger: Logger
    private let lock = NSLock()
    private var startedAt: ContinuousClock.Instant?
    private var requested = false

    init(bound: Duration, logger: Logger) {
        self.bound = bound
        self.logger = logger
    }

    /// When a shutdown asked for by a signal began, or nil if there was none.
    var shutdownStartedAt: ContinuousClock.Instant? {
        lock.withLock { requested ? startedAt : nil }
    }

    func run() async throws {
        // Returns on graceful shutdown (a signal); throws on cancellation, when another
        // service ended or failed and the group is tearing down. Either way the process is
        // on its way out, and the watchdog bounds how long that takes.
        do {
            try await gracefulShutdown()
            arm(requested: true)
        } catch {
            arm(requested: false)
        }
    }

    private func arm(requested: Bool) {
        let first = lock.withLock { () -> Bool in
            guard startedAt == nil else { return false }
            startedAt = .now
            self.requested = requested
            return true
        }
        guard first else { return }
        let bound = bound, logger = logger
        // After a failure the group cancels at once: only the grace applies.
        let graceful = requested ? bound : .zero
        if requested {
            logger.info("shutting down: in-flight work has \(Self.seconds(bound)) s to finish", metadata: [
                "shutdown_timeout_seconds": "\(Self.seconds(bound))",
            ])
        }
        Thread.detachNewThread {
            if requested {
                Thread.sleep(forTimeInterval: Self.timeInterval(graceful))
                logger.warning("shutdown: still running after \(Self.seconds(bound)) s; cancelling what is left", metadata: [
                    "shutdown_timeout_seconds": "\(Self.seconds(bound))",
                ])
            }
            Thread.sleep(forTimeInterval: Self.timeInterval(Self.cancellationGrace))
            logger.error("shutdown: work ignored cancellation for \(Self.seconds(Self.cancellationGrace)) s; exiting now", metadata: [
                "shutdown_timeout_seconds": "\(Self.seconds(bound))",
                "elapsed_seconds": "\(Self.seconds(graceful + Self.cancellationGrace))",
            ])
            _exit(1)
        }
        // Not a child of the group: it must outlive the group's cancellation.
        Task.detached {
            for await signal in await UnixSignalsSequence(trapping: .sigterm, .sigint) {
                logger.warning("shutdown: second \(signal) while shutting down; exiting now")
                _exit(1)
            }
        }
    }

    static func seconds(_ duration: Duration) -> String {
        let value = timeInterval(duration)
        return value == value.rounded() ? String(Int(value)) : String(format: "%.2f", value)
    }

    private static func timeInterval(_ duration: Duration) -> TimeInterval {
        TimeInterval(duration.components.seconds) + TimeInterval(duration.components.attoseconds) / 1e18
    }
}
