import ArgumentParser
import Domain
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Store

/// What every long-running command sets up: logging and the database pool.
struct Runtime {
    let configuration: Configuration
    let logger: Logger
    let client: PostgresClient
    let database: Database

    /// - Parameter connections: overrides `PARLEY_DB_POOL_SIZE` (the search benchmark measures one warm connection).
    init(needsAPI: Bool, needsAuditKey: Bool = false, connections: Int? = nil) throws {
        var configuration = try Configuration(needsAPI: needsAPI, needsAuditKey: needsAuditKey)
        if let connections { configuration.poolSize = connections }
        let level = configuration.logLevel
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, logLevel: level) }
        var logger = Logger(label: "parley")
        logger.logLevel = level
        let client = PostgresClient(
            configuration: configuration.databaseURL.clientConfiguration(maximumConnections: configuration.poolSize),
            backgroundLogger: logger)
        self.configuration = configuration
        self.logger = logger
        self.client = client
        // Configuration refuses to start without the keys whenever contacts are needed (all but `migrate`).
        guard let contacts = configuration.contacts else {
            throw Configuration.Invalid(problems: ["PARLEY_CONTACT_KEYS and PARLEY_CONTACT_LOOKUP_KEY are required"])
        }
        self.database = Database(client: client, contacts: contacts, logger: logger)
    }

    /// Runs `services` (the pool first) until SIGTERM or SIGINT, then shuts them down in
    /// reverse order — the HTTP server stops accepting and lets in-flight requests finish,
    /// then the pool closes — within `PARLEY_SHUTDOWN_TIMEOUT_SECONDS`, whatever the
    /// database does. Past the bound, `ServiceGroup` cancels what is left (a request waiting
    /// for a pool connection, the pool reconnecting); `ShutdownWatchdog` exits the process if
    /// that has not ended it a few seconds later. A shutdown that had to cut work short
    /// exits with status 1.
    func run(_ services: [any Service]) async throws {
        let watchdog = ShutdownWatchdog(bound: configuration.shutdownTimeout, logger: logger)
        var groupConfiguration = ServiceGroupConfiguration(
            services: services + [watchdog],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = configuration.shutdownTimeout
        var failure: (any Error)?
        do {
            try await ServiceGroup(configuration: groupConfiguration).run()
        } catch {
            failure = error
        }
        guard let startedAt = watchdog.shutdownStartedAt else {
            // Not a shutdown by signal: a service failed on its own (the port is taken, say).
            if let failure {
                logger.error("stopped: a service failed", metadata: ["error": "\(String(reflecting: failure))"])
                throw failure
            }
            return
        }
        let elapsed = ContinuousClock.now - startedAt
        let seconds = ShutdownWatchdog.seconds(elapsed)
        if elapsed >= configuration.shutdownTimeout {
            logger.warning("shutdown cut short: work still running after \(ShutdownWatchdog.seconds(configuration.shutdownTimeout)) s was cancelled",
                           metadata: ["elapsed_seconds": "\(seconds)"])
            throw ExitCode.failure
        }
        if let failure, !(failure is CancellationError) {
            logger.error("shutdown finished with an error", metadata: ["elapsed_seconds": "\(seconds)", "error": "\(failure)"])
            throw failure
        }
        logger.info("shutdown complete", metadata: ["elapsed_seconds": "\(seconds)"])
    }
}
