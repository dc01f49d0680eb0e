import Domain
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// The service's door to PostgreSQL. Every request runs in one transaction opened by
/// `withScope`, which first sets the caller's context for row-level security;
/// nothing else touches the pool.
public struct Database: Sendable {
    public let client: PostgresClient
    public let clock: Clock
    public let ids: IDGenerator
    /// Seals and opens customers' contact details (docs/contacts.md).
    public let contacts: ContactVault
    /// Shared by every copy of this value: one per process.
    public let partitions = KnownPartitions()
    let logger: Logger

    public init(client: PostgresClient, clock: Clock = .system, ids: IDGenerator = IDGenerator(), contacts: ContactVault,
                logger: Logger) {
        self.client = client
        self.clock = clock
        self.ids = ids
        self.contacts = contacts
        self.logger = logger
    }

    /// Creates the month partitions `dates` need, in a short transaction of its own, unless
    /// this process already knows they exist. Call it before writing a batch: creating a
    /// partition locks `messages` until commit, which inside a long batch would stall
    /// every tenant's reads.
    ///
    /// Partitions belong to the table every tenant shares, so one batch may create at
    /// most `maxNewPartitionsPerBatch` (an integration could otherwise make the service
    /// create every month back to 2000): past that, `NewPartitionLimit` names the first
    /// date refused, and nothing is created.
    public func ensureMessagePartitions(for dates: [Date], scope: RequestScope, logger: Logger? = nil) async throws {
        let unknown = partitions.unknown(among: dates)
        guard !unknown.isEmpty else { return }
        try await withScope(scope, logger: logger) { tx in
            var missing: [Date] = []
            for month in unknown.sorted() {
                let exists = try await tx.query("""
                    SELECT to_regclass(format('public.messages_%s', to_char(\(month)::timestamptz AT TIME ZONE 'UTC', 'YYYY_MM'))) IS NOT NULL
                    """).decode(Bool.self).all().first ?? false
                if !exists { missing.append(month) }
            }
            if missing.count > Self.maxNewPartitionsPerBatch {
                let refused = missing[Self.maxNewPartitionsPerBatch]
                let index = dates.firstIndex { KnownPartitions.monthStart($0) == refused } ?? 0
                throw NewPartitionLimit(index: index, limit: Self.maxNewPartitionsPerBatch)
            }
            for month in unknown.sorted() {
                try await tx.execute("SELECT ensure_message_partition(\(month))")
            }
        }
        partitions.remember(unknown, now: clock.now())
    }

    /// Months without a partition that one ingestion batch may bring into being.
    public static let maxNewPartitionsPerBatch = 3

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
                let transaction = Transaction(connection: connection, logger: logger, user: resolved, clock: clock, ids: ids,
                                              contacts: contacts, partitions: partitions)
                return try await body(transaction)
            }
        } catch let error as PostgresTransactionError {
            // The transaction was rolled back; what matters to the caller is why
            // (a StoreError, a ValidationError), not the wrapper.
            let cause = error.closureError ?? error.beginError ?? error.commitError ?? error
            throw StoreError.from(cause) ?? cause
        } catch {
            throw StoreError.from(error) ?? error
        }
    }

    /// What keeps the service from serving, or `nil` when it can (readiness probes):
    /// PostgreSQL must answer within `timeout` and, on Citus, the service role's `SET LOCAL`
    /// must reach the workers (`citus.propagate_set_commands = 'local'` for the role);
    /// without it every distributed table reads as empty and the service looks broken in
    /// confusing ways (401s, RLS errors on writes; CITUS.md).
    public func unreadiness(timeout: Duration = .seconds(2), logger: Logger? = nil) async -> String? {
        guard await ping(timeout: timeout, logger: logger) else { return "the database is not reachable" }
        do {
            let rows = try await client.query("""
                SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus'),
                       coalesce(current_setting('citus.propagate_set_commands', true), '')
                """, logger: logger ?? self.logger).decode((Bool, String).self).all()
            if let (citus, propagation) = rows.first, citus, propagation != "local" {
                return "the service role's SET LOCAL does not reach the Citus workers: "
                    + "run ALTER ROLE <service role> SET citus.propagate_set_commands = 'local' on the coordinator"
            }
            return nil
        } catch {
            return "the database is not reachable"
        }
    }

    /// Whether PostgreSQL answers a query within `timeout`. Bounded: with the database
    /// gone, a query waits for a pooled connection that never comes, and a probe that hangs
    /// tells the orchestrator nothing.
    public func ping(timeout: Duration = .seconds(2), logger: Logger? = nil) async -> Bool {
        let client = self.client, logger = logger ?? self.logger
        let answered = FirstAnswer()
        return await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let finish: @Sendable (Bool) -> Void = { result in
                if answered.claim() { continuation.resume(returning: result) }
            }
            // Unstructured on purpose: a query stuck on the pool must not hold the probe.
            let query = Task {
                do {
                    _ = try await client.query("SELECT 1", logger: logger).collect()
                    finish(true)
                } catch {
                    finish(false)
                }
            }
            Task {
                try? await Task.sleep(for: timeout)
                finish(false)
                query.cancel()
            }
        }
    }
}

/// Whichever of several racing tasks answers first.
private final class FirstAnswer: Sendable {
    private let answered = Mutex(false)
    func claim() -> Bool {
        answered.withLock { done in
            defer { done = true }
            return !done
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
    public let contacts: ContactVault
    let partitions: KnownPartitions

    @discardableResult
    func query(_ query: PostgresQuery, file: String = #fileID, line: Int = #line) async throws -> PostgresRowSequence {
        try await connection.query(query, logger: logger, file: file, line: line)
    }

    /// Lifts the plan's history window for the rest of this transaction. Only for writes
    /// that must reach every row of something the caller may already change (the copies
    /// a transfer updates, a deleted tag), never for reads: otherwise old rows of a trial
    /// tenant would keep stale copies that reappear after an upgrade.
    func liftHistoryWindow() async throws {
        // Only a user's scope sets a window (integrations and tenant jobs see everything).
        guard user?.visibleSince != nil else { return }
        try await execute("SET LOCAL app.visible_since = ''")
    }

    /// Runs a statement, ignoring any rows.
    func execute(_ query: PostgresQuery, file: String = #fileID, line: Int = #line) async throws {
        _ = try await connection.query(query, logger: logger, file: file, line: line).collect()
    }
}
