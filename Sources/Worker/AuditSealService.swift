import Foundation
import Logging
import ServiceLifecycle
import Store

/// Links new audit events into their tenants' hash chains every `pollInterval`
/// (`AuditSealer`, sql/0021). Events wait unsealed for at most about that long; until then
/// `parley audit verify` counts them as unsealed, not as intact.
public struct AuditSealService: Service {
    let sealer: AuditSealer
    let settings: Settings
    let logger: Logger

    public struct Settings: Sendable {
        public var pollInterval: Duration = .seconds(2)
        /// Tenants looked at per round, and events sealed per tenant per transaction.
        public var tenantsPerRound = 100
        public var eventsPerBatch = 1_000
        /// What the service waits on between rounds: the system's clock, or a test's.
        public var waits: any _Concurrency.Clock<Duration> = ContinuousClock()
        public init() {}
    }

    public init(database: Database, key: AuditChainKey, settings: Settings = Settings(), logger: Logger) {
        self.sealer = AuditSealer(database: database, key: key)
        self.settings = settings
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                while try await runRound() > 0, !Task.isShuttingDownGracefully {}
            } catch {
                logger.error("could not seal audit events", metadata: ["error": "\(String(reflecting: error))"])
            }
            try? await cancelWhenGracefulShutdown { try await settings.waits.sleep(for: settings.pollInterval) }
        }
    }

    /// One round: every tenant with unsealed events gets one batch sealed. Answers how many
    /// events were sealed (more may be waiting when it is not 0). Also what tests drive.
    @discardableResult
    public func runRound() async throws -> Int {
        var sealed = 0
        for tenantID in try await sealer.tenantsWithUnsealedEvents(limit: settings.tenantsPerRound) {
            do {
                sealed += try await sealer.seal(tenantID: tenantID, limit: settings.eventsPerBatch)
            } catch {
                // Left unsealed: the next round tries again.
                logger.error("could not seal a tenant's audit events", metadata: [
                    "tenant_id": "\(tenantID.uuidString.lowercased())", "error": "\(String(reflecting: error))",
                ])
            }
        }
        return sealed
    }
}
