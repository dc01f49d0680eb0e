import Domain
import Export
import Foundation
import Logging
import ObjectStorage
import ServiceLifecycle
import Store

/// The export worker: claims due jobs one at a time and runs them, until graceful
/// shutdown. On SIGTERM it claims nothing more and lets the job in hand finish (the
/// service group's shutdown bound cuts it short; its lease then runs out and another
/// worker takes it over).
public struct ExportService: Service {
    let queue: ExportQueue
    let runner: ExportJobRunner
    /// How long to wait before looking again when the queue is empty, on which clock.
    let pollInterval: Duration
    let waits: any _Concurrency.Clock<Duration>
    let logger: Logger

    public struct Settings: Sendable {
        public var lease: Duration = .seconds(60)
        public var renewEvery: Duration = .seconds(15)
        public var pollInterval: Duration = .seconds(2)
        public var retryBase: TimeInterval = 30
        public var temporaryDirectory = FileManager.default.temporaryDirectory
        /// Image attachments embedded in PDFs are fetched with this; `nil` embeds none.
        public var images: ImageFetcher? = ImageFetcher()
        /// What the worker waits on (polls, lease renewals): the system's clock, or a test's.
        public var waits: any _Concurrency.Clock<Duration> = ContinuousClock()
        public init() {}
    }

    public init(database: Database, store: any ObjectStore, workerID: String, settings: Settings = Settings(), logger: Logger) {
        let queue = ExportQueue(database: database, workerID: workerID)
        self.queue = queue
        self.runner = ExportJobRunner(
            database: database, queue: queue, store: store, images: settings.images, lease: settings.lease,
            renewEvery: settings.renewEvery, waits: settings.waits, retry: RetryPolicy(base: settings.retryBase),
            temporaryDirectory: settings.temporaryDirectory, logger: logger)
        self.pollInterval = settings.pollInterval
        self.waits = settings.waits
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if try await runNext() { continue }
            try? await cancelWhenGracefulShutdown { try await waits.sleep(for: pollInterval) }
        }
    }

    /// Claims and runs one job; `false` when none was due. Also what tests drive directly.
    @discardableResult
    public func runNext() async throws -> Bool {
        let job: ExportJobRecord?
        do {
            job = try await queue.claim(lease: runner.lease)
        } catch {
            logger.error("could not claim an export job", metadata: ["error": "\(String(reflecting: error))"])
            return false
        }
        guard let job else { return false }
        await runner.run(job)
        return true
    }

    /// A name for `locked_by`: host, process and a random part (two workers in one process differ).
    public static func makeWorkerID() -> String {
        "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8).lowercased())"
    }
}
