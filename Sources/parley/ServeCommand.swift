import API
import ArgumentParser
import Hummingbird
import Worker

/// The stateless HTTP API. Scale it out with replicas.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the HTTP API.")

    func run() async throws {
        let runtime = try Runtime(needsAPI: true)
        let api = ParleyAPI(configuration: runtime.configuration.api!, database: runtime.database,
                            passwords: PasswordHasher(cost: runtime.configuration.api!.bcryptCost))
        let app = api.buildApplication(host: runtime.configuration.host, port: runtime.configuration.port, logger: runtime.logger,
                                       server: runtime.configuration.httpTimeouts.serverBuilder(logger: runtime.logger))
        try await runtime.run([runtime.client, app])
    }
}

/// Background jobs (for now: message partition upkeep), with a bounded graceful shutdown.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "worker", abstract: "Run background jobs.")

    func run() async throws {
        let runtime = try Runtime(needsAPI: false)
        let upkeep = PartitionUpkeepService(maintenance: .init(client: runtime.client), logger: runtime.logger)
        try await runtime.run([runtime.client, upkeep])
    }
}

/// API and worker in one process, for local development (`scripts/dev`).
struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dev", abstract: "Run the API and the worker in one process.")

    func run() async throws {
        let runtime = try Runtime(needsAPI: true)
        let api = ParleyAPI(configuration: runtime.configuration.api!, database: runtime.database,
                            passwords: PasswordHasher(cost: runtime.configuration.api!.bcryptCost))
        let app = api.buildApplication(host: runtime.configuration.host, port: runtime.configuration.port, logger: runtime.logger,
                                       server: runtime.configuration.httpTimeouts.serverBuilder(logger: runtime.logger))
        let upkeep = PartitionUpkeepService(maintenance: .init(client: runtime.client), logger: runtime.logger)
        try await runtime.run([runtime.client, app, upkeep])
    }
}
