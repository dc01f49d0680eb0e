import Domain
import Foundation
import Logging
import PostgresNIO
import Store

/// What every long-running command sets up: logging and the database pool.
struct Runtime {
    let configuration: Configuration
    let logger: Logger
    let client: PostgresClient
    let database: Database

    /// - Parameter connections: overrides `PARLEY_DB_POOL_SIZE` (the search benchmark measures one warm connection).
    init(needsAPI: Bool, connections: Int? = nil) throws {
        var configuration = try Configuration(needsAPI: needsAPI)
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
        self.database = Database(client: client, logger: logger)
    }
}
