import Foundation
import Logging
import PostgresNIO
import Store

/// A real PostgreSQL database for one test, copied from a template that was migrated
/// once per test run (SwiftPackageIndex-Server's way: a copy is much faster than
/// migrating again). `scripts/test` starts the cluster and exports its port.
///
/// With `PARLEY_TEST_SHARED_DATABASE=<name>` (scripts/citus-check, on Citus, where only
/// `template1` may be a template) every test gets that one database instead, already
/// migrated by the caller; tests then tell their rows apart by tenant: fixtures take
/// unique slugs (`slug(_:)`) and are remembered here, and `count(_:)` counts only them.
public struct TestDatabase: Sendable {
    public let name: String
    /// Connected as `parley_app`: the service role, subject to row-level security.
    public let client: PostgresClient
    public let database: Database
    /// The owning role's address, for tests that need to look behind RLS.
    public let ownerURL: String
    public let port: Int
    /// The tenants (and slugs) this test made, so a shared database's counts see only them.
    public let tenants: TenantLedger
    /// On a shared database, the `application_name` of this test's `parley_app` connections
    /// (so a look at `pg_stat_activity` can pick them out); `nil` on a database of its own.
    public let applicationName: String?

    /// The shared database's name, when the tests run on one (see above).
    public static let sharedDatabase: String? = {
        guard let name = ProcessInfo.processInfo.environment["PARLEY_TEST_SHARED_DATABASE"], !name.isEmpty else { return nil }
        return name
    }()
    /// Whether every test shares one database (tests that need one of their own are disabled then).
    public static var isShared: Bool { sharedDatabase != nil }

    /// The contact keys every test's service runs with: a current key `test-2` and an older
    /// `test-1` (values under it still open, `parley keys rotate` moves them).
    public static let contacts: ContactVault = contactVault(current: "test-2")

    /// The test keys with `current` first (`test-1` or `test-2`), for rotation tests.
    public static func contactVault(current: String) -> ContactVault {
        let keys = [("test-2", [UInt8](repeating: 0x22, count: 32)), ("test-1", [UInt8](repeating: 0x11, count: 32))]
            .sorted { first, _ in first.0 == current }
            .map { (id: $0.0, bytes: $0.1) }
        return try! ContactVault(keys: keys, lookupSecret: Array("test-contact-lookup-key-0123456789abcdef".utf8))
    }

    public static let logger: Logger = {
        var logger = Logger(label: "parley.test")
        logger.logLevel = .warning
        return logger
    }()

    /// Runs `body` with a fresh database (or the shared one); the pool runs for the duration of `body`.
    public static func with<T: Sendable>(_ body: (TestDatabase) async throws -> T) async throws -> T {
        let name: String, port: Int, applicationName: String?
        if let shared = sharedDatabase {
            (name, port) = (shared, TemplateCluster.shared.port)
            applicationName = "parley_test_\(TemplateCluster.shared.runID)_\(await TemplateCluster.shared.nextNumber())"
        } else {
            (name, port) = try await TemplateCluster.shared.freshDatabase()
            applicationName = nil
        }
        var configuration = PostgresClient.Configuration(
            host: "127.0.0.1", port: port, username: "parley_app", password: nil, database: name, tls: .disable)
        configuration.options.maximumConnections = 8
        if let applicationName { configuration.options.additionalStartupParameters = [("application_name", applicationName)] }
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let test = TestDatabase(name: name, client: client, database: Database(client: client, contacts: contacts, logger: logger),
                                ownerURL: "postgres://parley_owner@127.0.0.1:\(port)/\(name)", port: port,
                                tenants: TenantLedger(), applicationName: applicationName)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(test)
        }
    }

    /// Runs `setup` statements then `query` in one transaction as the cluster superuser
    /// (for EXPLAIN under `SET LOCAL ROLE …`); rolled back afterwards. `port` names another
    /// node of the cluster (a Citus worker: see `shard(of:tenant:)`), with a database of this name.
    public func superuserRowsInTransaction(setup: [String], query: String, port: Int? = nil) async throws -> [PostgresRow] {
        try await TemplateCluster.shared.withSuperuser(database: name, port: port) { connection in
            _ = try await connection.query("BEGIN", logger: Self.logger).collect()
            for statement in setup {
                _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: Self.logger).collect()
            }
            let rows = try await connection.query(PostgresQuery(unsafeSQL: query), logger: Self.logger).collect()
            _ = try await connection.query("ROLLBACK", logger: Self.logger).collect()
            return rows
        }
    }

    /// Runs one statement as the cluster superuser on this database (bypasses RLS: for inspection only).
    public func superuserRows(_ sql: String) async throws -> [PostgresRow] {
        try await TemplateCluster.shared.withSuperuser(database: name) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Self.logger).collect()
        }
    }

    /// Where one tenant's rows of a distributed table live on Citus: the worker's port and the
    /// shard's table there (to ask that node directly, e.g. for the plan the shard gets, which
    /// the coordinator cannot show for a role that may not log in); `nil` when the table is not
    /// distributed (plain PostgreSQL).
    public struct Shard: Sendable {
        public let port: Int
        public let relation: String
    }

    public func shard(of table: String, tenant: UUID) async throws -> Shard? {
        let citus = try await superuserRows("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')")
        guard try citus[0].decode(Bool.self) else { return nil }
        let distributed = try await superuserRows(
            "SELECT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = to_regclass('public.\(table)'))")
        guard try distributed[0].decode(Bool.self) else { return nil }
        let row = try await superuserRows("""
            SELECT n.nodeport, '\(table)_' || s.shardid
            FROM pg_dist_shard s JOIN pg_dist_placement p ON p.shardid = s.shardid JOIN pg_dist_node n ON n.groupid = p.groupid
            WHERE s.shardid = get_shard_id_for_distribution_column('public.\(table)', '\(tenant.uuidString.lowercased())')
            LIMIT 1
            """)
        let (port, relation) = try row[0].decode((Int, String).self)
        return Shard(port: port, relation: relation)
    }

    /// `base` on a database of its own; on a shared one, `base` with a short random suffix
    /// (`acme-3f9a1c`), remembered so that `count(_:)` sees a tenant made with it.
    public func slug(_ base: String) -> String {
        guard Self.isShared else { return base }
        let slug = "\(base)-\(String(format: "%06x", UInt32.random(in: 0...0xFF_FFFF)))"
        tenants.record(slug: slug)
        return slug
    }

    /// Rows of `table` (a table name, optionally followed by ` WHERE …`), seen past RLS, to
    /// prove what was or was not written. On a database of its own: every row. On a shared
    /// one: only the rows of the tenants this test made (by `tenant_id`; `tenants` by `id`),
    /// counted tenant by tenant so that each count stays on one shard.
    public func count(_ table: String) async throws -> Int {
        guard Self.isShared else {
            return try await superuserRows("SELECT count(*)::int FROM \(table)")[0].decode(Int.self)
        }
        let (relation, condition): (String, String?) = {
            guard let range = table.range(of: " WHERE ", options: .caseInsensitive) else { return (table, nil) }
            return (String(table[..<range.lowerBound]), String(table[range.upperBound...]))
        }()
        let mine = try await tenantIDs()
        if mine.isEmpty { return 0 }
        let key = relation.trimmingCharacters(in: .whitespaces) == "tenants" ? "id" : "tenant_id"
        var total = 0
        for tenant in mine {
            let sql = "SELECT count(*)::int FROM \(relation) WHERE \(key) = '\(tenant.uuidString.lowercased())'"
                + (condition.map { " AND (\($0))" } ?? "")
            total += try await superuserRows(sql)[0].decode(Int.self)
        }
        return total
    }

    /// This test's tenants: those its fixtures made, and any made with a slug it handed out.
    private func tenantIDs() async throws -> [UUID] {
        var ids = tenants.tenantIDs
        let slugs = tenants.slugs
        if !slugs.isEmpty {
            let list = slugs.map { "'\($0)'" }.joined(separator: ",")
            for row in try await superuserRows("SELECT id FROM tenants WHERE slug IN (\(list))") {
                let id = try row.decode(UUID.self)
                if !ids.contains(id) { ids.append(id) }
            }
        }
        return ids
    }
}

/// The tenants one test made, and the slugs it handed out (for tenants made through the API).
public final class TenantLedger: @unchecked Sendable {
    private let lock = NSLock()
    private var ids: [UUID] = []
    private var reserved: [String] = []

    public init() {}

    public func record(tenant id: UUID) { lock.withLock { if !ids.contains(id) { ids.append(id) } } }
    public func record(slug: String) { lock.withLock { reserved.append(slug) } }
    public var tenantIDs: [UUID] { lock.withLock { ids } }
    public var slugs: [String] { lock.withLock { reserved } }
}

/// The template database, made once per process; hands out copies one at a time
/// (CREATE DATABASE … TEMPLATE needs the template to be idle).
actor TemplateCluster {
    static let shared = TemplateCluster()

    private var template: String?
    private var counter = 0
    let port: Int
    let runID = String(UInt32.random(in: 0...UInt32.max), radix: 36)

    init() {
        guard let text = ProcessInfo.processInfo.environment["PARLEY_TEST_DATABASE_PORT"], let port = Int(text) else {
            fatalError("PARLEY_TEST_DATABASE_PORT is not set: run the tests through scripts/test, which starts PostgreSQL")
        }
        self.port = port
    }

    static var sqlDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("sql")
    }

    /// Database creation runs one at a time, in order: an actor alone does not give
    /// that, because it may interleave calls at every `await`.
    private var queue: Task<Void, Never>?

    private func serialized<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let previous = queue
        let task = Task { () async throws -> T in
            await previous?.value
            return try await work()
        }
        queue = Task { _ = try? await task.value }
        return try await task.value
    }

    /// A number unique in this process (names of databases and of shared-mode connections).
    func nextNumber() -> Int {
        counter += 1
        return counter
    }

    func freshDatabase() async throws -> (String, Int) {
        counter += 1
        let name = "parley_t_\(runID)_\(counter)"
        try await serialized {
            let template = try await self.ensureTemplate()
            try await self.withSuperuser(database: "postgres") { connection in
                _ = try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name) TEMPLATE \(template) OWNER parley_owner"),
                                               logger: TestDatabase.logger).collect()
            }
        }
        return (name, port)
    }

    /// An empty database owned by the owning role, not migrated (for migrator tests).
    func emptyDatabase() async throws -> String {
        counter += 1
        let name = "parley_e_\(runID)_\(counter)"
        try await serialized {
            try await self.withSuperuser(database: "postgres") { connection in
                _ = try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name) OWNER parley_owner"),
                                               logger: TestDatabase.logger).collect()
            }
        }
        return name
    }

    private func ensureTemplate() async throws -> String {
        if let template { return template }
        let name = "parley_tpl_\(runID)"
        try await withSuperuser(database: "postgres") { connection in
            _ = try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name) OWNER parley_owner"),
                                           logger: TestDatabase.logger).collect()
        }
        let migrations = try Migrator.load(from: Self.sqlDirectory)
        try Migrator(databaseURL: "postgres://parley_owner@127.0.0.1:\(port)/\(name)", logger: TestDatabase.logger).migrate(migrations)
        template = name
        return name
    }

    nonisolated func withSuperuser<T: Sendable>(database: String, port: Int? = nil,
                                                _ body: (PostgresConnection) async throws -> T) async throws -> T {
        let configuration = PostgresConnection.Configuration(
            host: "127.0.0.1", port: port ?? self.port, username: "postgres", password: nil, database: database, tls: .disable)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: TestDatabase.logger)
        do {
            if TestDatabase.isShared, database != "postgres" {
                // The harness's looks behind RLS are not the service's queries: keep them out
                // of the multi-shard log that scripts/citus-check counts.
                _ = try await connection.query("SET citus.multi_task_query_log_level = off", logger: TestDatabase.logger).collect()
            }
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }
}

extension TestDatabase {
    /// An empty, unmigrated database and the owning role's address for it.
    public static func emptyDatabaseURL() async throws -> String {
        let name = try await TemplateCluster.shared.emptyDatabase()
        return "postgres://parley_owner@127.0.0.1:\(TemplateCluster.shared.port)/\(name)"
    }

    public static var sqlDirectory: URL { TemplateCluster.sqlDirectory }

}
