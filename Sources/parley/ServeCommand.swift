import API
import ArgumentParser
import Hummingbird
import ObjectStorage
import Worker

/// The stateless HTTP API. Scale it out with replicas.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the HTTP API.")

    func run() async throws {
        let runtime = try Runtime(needsAPI: true)
        let api = ParleyAPI(configuration: runtime.configuration.api!, database: runtime.database,
                            passwords: PasswordHasher(cost: runtime.configuration.api!.bcryptCost),
                            objectStore: try runtime.configuration.storage.makeStore())
        let app = api.buildApplication(host: runtime.configuration.host, port: runtime.configuration.port, logger: runtime.logger,
                                       server: runtime.configuration.httpTimeouts.serverBuilder(logger: runtime.logger))
        // The hub after the server: services stop in reverse order, so held long-polls answer first.
        try await runtime.run([runtime.client, app, api.notificationHub])
    }
}

/// Background jobs (exports, export schedules, retention, the recycle bin's purge, audit sealing, message partition upkeep), with a
/// bounded graceful shutdown.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "worker", abstract: "Run background jobs.")

    func run() async throws {
        let runtime = try Runtime(needsAPI: false, needsAuditKey: true)
        let upkeep = PartitionUpkeepService(maintenance: .init(client: runtime.client), logger: runtime.logger)
        try await runtime.run([runtime.client, upkeep, try runtime.exportService(), runtime.scheduleService(),
                               runtime.retentionService(), runtime.recycleBinService(), runtime.auditSealService()])
    }
}

/// API and worker in one process, for local development (`scripts/dev`).
struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dev", abstract: "Run the API and the worker in one process.")

    func run() async throws {
        let runtime = try Runtime(needsAPI: true, needsAuditKey: true)
        let api = ParleyAPI(configuration: runtime.configuration.api!, database: runtime.database,
                            passwords: PasswordHasher(cost: runtime.configuration.api!.bcryptCost),
                            objectStore: try runtime.configuration.storage.makeStore())
        let app = api.buildApplication(host: runtime.configuration.host, port: runtime.configuration.port, logger: runtime.logger,
                                       server: runtime.configuration.httpTimeouts.serverBuilder(logger: runtime.logger))
        let upkeep = PartitionUpkeepService(maintenance: .init(client: runtime.client), logger: runtime.logger)
        try await runtime.run([runtime.client, app, api.notificationHub, upkeep, try runtime.exportService(),
                               runtime.scheduleService(), runtime.retentionService(), runtime.recycleBinService(),
                               runtime.auditSealService()])
    }
}

extension Runtime {
    /// The retention job: runs tenants' due clean-up rules.
    func retentionService() -> RetentionService {
        RetentionService(database: database, workerID: ExportService.makeWorkerID(), logger: logger)
    }

    /// The audit sealer: links new audit events into their tenants' hash chains.
    func auditSealService() -> AuditSealService {
        AuditSealService(database: database, key: configuration.auditKey!, logger: logger)
    }

    /// The recycle bin's purge: conversations binned more than 30 days ago.
    func recycleBinService() -> RecycleBinService {
        RecycleBinService(database: database, workerID: ExportService.makeWorkerID(), logger: logger)
    }

    /// The export scheduler: queues each due schedule's export once per period.
    func scheduleService() -> ScheduleService {
        ScheduleService(database: database, workerID: ExportService.makeWorkerID(), logger: logger)
    }

    /// The export worker with this process's storage and image rules.
    func exportService() throws -> ExportService {
        var settings = ExportService.Settings()
        settings.images = ImageFetcher(allowedHosts: configuration.exportImageHosts)
        settings.lease = configuration.exportLease
        settings.renewEvery = configuration.exportLease / 4
        settings.pollInterval = configuration.exportPollInterval
        return ExportService(database: database, store: try configuration.storage.makeStore(),
                             workerID: ExportService.makeWorkerID(), settings: settings, logger: logger)
    }
}
