import CLibPQ
import Crypto
import Foundation
import Logging

/// Applies `sql/NNNN_name.sql` files in order, each in its own transaction, under an
/// advisory lock so two processes starting at once do not both migrate.
///
/// Uses libpq's simple protocol for each statement of a file (`SQLScript` splits them):
/// DDL, `DO` blocks and dollar-quoted bodies run as written, and on Citus each statement
/// reaches the workers on its own.
/// Each applied file is recorded with its SHA-256; an applied file that has since
/// changed is an error naming it, never silently skipped or re-run.
public struct Migrator: Sendable {
    public struct Migration: Sendable, Equatable {
        public let name: String
        public let sql: String
        public init(name: String, sql: String) {
            self.name = name
            self.sql = sql
        }
        public var checksum: String {
            SHA256.hash(data: Data(sql.utf8)).map { String(format: "%02x", $0) }.joined()
        }
    }

    let databaseURL: String
    let logger: Logger

    /// `databaseURL` must be the owning role's: migrations create objects the service role may not.
    public init(databaseURL: String, logger: Logger) {
        self.databaseURL = databaseURL
        self.logger = logger
    }

    /// The migration files in `directory`, sorted by name.
    public static func load(from directory: URL) throws -> [Migration] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".sql") }
            .sorted()
        return try names.map { name in
            Migration(name: name, sql: try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8))
        }
    }

    /// Applies what is missing; returns the names of the files applied now.
    @discardableResult
    public func migrate(_ migrations: [Migration]) throws -> [String] {
        let connection = try LibPQConnection(url: databaseURL)
        // Arbitrary constant, the same in every process: "parley migrations".
        try connection.execute("SELECT pg_advisory_lock(80750001)")
        defer { try? connection.execute("SELECT pg_advisory_unlock(80750001)") }
        try connection.execute("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                name text PRIMARY KEY,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now())
            """)
        let applied = Dictionary(uniqueKeysWithValues: try connection.rows("SELECT name, checksum FROM schema_migrations").map { ($0[0], $0[1]) })
        // On Citus each file's transaction works shard by shard: a file that changes a distributed
        // table (in parallel over its shards, by default) and then a distributed function or a
        // reference table is refused otherwise ("cannot run function command because there was a
        // parallel operation on a distributed table"; 0017 met it, CITUS.md). Migrations are small,
        // so sequential costs nothing that matters; here once, not in every file that might need it.
        let citus = try connection.rows("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')::text").first?.first == "true"
        var appliedNow: [String] = []
        for migration in migrations {
            if let checksum = applied[migration.name] {
                guard checksum == migration.checksum else { throw StoreError.migrationChecksumMismatch(file: migration.name) }
                continue
            }
            logger.info("applying migration", metadata: ["file": "\(migration.name)"])
            do {
                try connection.execute("BEGIN")
                if citus { try connection.execute("SET LOCAL citus.multi_shard_modify_mode = 'sequential'") }
                // One statement at a time (see SQLScript), still one transaction per file.
                for statement in SQLScript.statements(of: migration.sql) {
                    try connection.execute(statement)
                }
                try connection.execute("INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)",
                                       parameters: [migration.name, migration.checksum])
                try connection.execute("COMMIT")
            } catch let error as StoreError {
                try? connection.execute("ROLLBACK")
                if case .migrationFailed(_, let message) = error {
                    throw StoreError.migrationFailed(file: migration.name, message: message)
                }
                throw error
            }
            appliedNow.append(migration.name)
        }
        return appliedNow
    }
}

/// The smallest wrapper over a libpq connection the migrator needs.
final class LibPQConnection {
    private let handle: OpaquePointer

    init(url: String) throws {
        guard let handle = PQconnectdb(url) else {
            throw StoreError.migrationFailed(file: nil, message: "out of memory connecting to PostgreSQL")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(handle))
            PQfinish(handle)
            throw StoreError.migrationFailed(file: nil, message: message.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        self.handle = handle
        // Quiet NOTICEs (e.g. "relation already exists, skipping") instead of printing to stderr.
        PQclear(PQexec(handle, "SET client_min_messages = warning"))
    }

    deinit { PQfinish(handle) }

    func execute(_ sql: String, parameters: [String] = []) throws {
        PQclear(try run(sql, parameters: parameters))
    }

    /// Text rows of a query.
    func rows(_ sql: String) throws -> [[String]] {
        let result = try run(sql, parameters: [])
        defer { PQclear(result) }
        return (0..<PQntuples(result)).map { row in
            (0..<PQnfields(result)).map { column in String(cString: PQgetvalue(result, row, column)) }
        }
    }

    private func run(_ sql: String, parameters: [String]) throws -> OpaquePointer {
        let result: OpaquePointer?
        if parameters.isEmpty {
            result = PQexec(handle, sql)  // the simple protocol: DDL and DO blocks as written
        } else {
            var cStrings = parameters.map { strdup($0) }
            defer { cStrings.forEach { free($0) } }
            result = cStrings.withUnsafeMutableBufferPointer { buffer in
                buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buffer.count) { values in
                    PQexecParams(handle, sql, Int32(parameters.count), nil, values, nil, nil, 0)
                }
            }
        }
        guard let result else { throw StoreError.migrationFailed(file: nil, message: String(cString: PQerrorMessage(handle))) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            let message = String(cString: PQresultErrorMessage(result)).trimmingCharacters(in: .whitespacesAndNewlines)
            PQclear(result)
            throw StoreError.migrationFailed(file: nil, message: message)
        }
        return result
    }
}
