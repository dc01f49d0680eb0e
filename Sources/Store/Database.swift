import Domain
import Foundation
import Logging
import PostgresNIO

/// The service's door to PostgreSQL. Every request runs in one transaction opened by
/// `withScope`, which first sets the caller's context for row-level security;
/// nothing else touches the pool.
public struct Database: Sendable {
    public let client: PostgresClient
    public let clock: Clock
    public let ids: IDGenerator
    let logger: Logger

    public init(client: PostgresClient, clock: Clock = .system, ids: IDGenerator = IDGenerator(), logger: Logger) {
        self.client = client
        self.clock = clock
        self.ids = ids
        self.logger = logger
    }

    /// Runs `body` in one transaction scoped to `scope`. Throws `StoreError.principalGone`
    /// when a user scope names a user that no longer exists or was disabled.
    public func withScope<Result: Sendable>(
        _ scope: RequestScope,
        logger: Logger? = nil,
        _ body: (Transaction) async throws -> Result
    ) async throws -> Result {
        let logger = logger ?? self.logger
        do {
            return try await client.withTransaction(logger: logger) { connection in
                let resolved = try await TenantScope.apply(scope, on: connection, now: clock.now(), logger: logger)
                let transaction = Transaction(connection: connection, logger: logger, user: resolved, clock: clock, ids: ids)
                return try await body(transaction)
            }
        } catch let error as PostgresTransactionError {
            // The transaction was rolled back; what matters to the caller is why
            // (a StoreError, a ValidationError), not the wrapper.
            throw error.closureError ?? error.beginError ?? error.commitError ?? error
        }
    }
}

/// One scoped transaction: the connection plus what the scope resolved to.
public struct Transaction: Sendable {
    public let connection: PostgresConnection
    public let logger: Logger
    /// Set for `.user` scopes.
    public let user: ResolvedUser?
    public let clock: Clock
    public let ids: IDGenerator

    @discardableResult
    func query(_ query: PostgresQuery, file: String = #fileID, line: Int = #line) async throws -> PostgresRowSequence {
        try await connection.query(query, logger: logger, file: file, line: line)
    }

    /// Lifts the plan's history window for the rest of this transaction. Only for writes
    /// that must reach every row of something the caller may already change (the copies
    /// a transfer updates, a deleted tag), never for reads: otherwise old rows of a trial
    /// tenant would keep stale copies that reappear after an upgrade.
    func liftHistoryWindow() async throws {
        try await execute("SET LOCAL app.visible_since = ''")
    }

    /// Runs a statement, ignoring any rows.
    func execute(_ query: PostgresQuery, file: String = #fileID, line: Int = #line) async throws {
        _ = try await connection.query(query, logger: logger, file: file, line: line).collect()
    }
}
