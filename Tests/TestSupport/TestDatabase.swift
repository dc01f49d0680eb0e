import Foundation
import Logging
import PostgresNIO
import Store

/// A real PostgreSQL database for one test, copied from a template that was migrated
/// once per test run (SwiftPackageIndex-Server's way: a copy is much faster than
/// migrating again). `scripts/test` starts the cluster and exports its port.
public struct TestDatabase: Sendable {
    public let name: String
    /// Connected as `parley_app`: the service role, subject to row-level security.
    public let client: PostgresClient
    public let database: Database
    /// The owning role's address, for tests that need to look behind RLS.
    public let ownerURL: String
    public let port: Int

    public static let logger: Logger = {
        var logger = Logger(label: "parley.test")
        logger.logLevel = .warning
        return logger
    }()

    /// Runs `body` with a fresh database; the pool runs for the duration of `body`.
    public static func with<T: Sendable>(_ body: (TestDatabase) async throws -> T) async throws -> T {
        let (name, port) = try await TemplateCluster.shared.freshDatabase()
        var configuration = PostgresClient.Configuration(
            host: "127.0.0.1", port: port, username: "parley_app", password: nil, database: name, tls: .disable)
        configuration.options.maximumConnections = 8
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let test = TestDatabase(name: name, client: client, database: Database(client: client, logger: logger),
                                ownerURL: "postgres://parley_owner@127.0.0.1:\(port)/\(name)", port: port)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(test)
        }
    }

    /// Runs `setup` statements then `query` in one transaction as the cluster superuser
    /// (for EXPLAIN under `SET LOCAL ROLE …`); rolled back afterwards.
    public func superuserRowsInTransaction(setup: [String], query: String) async throws -> [PostgresRow] {
        try await TemplateCluster.shared.withSuperuser(database: name) { connection in
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

    nonisolated func withSuperuser<T: Sendable>(database: String, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        let configuration = PostgresConnection.Configuration(
            host: "127.0.0.1", port: port, username: "postgres", password: nil, database: database, tls: .disable)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: TestDatabase.logger)
        do {
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
