import ArgumentParser
import Foundation
import Logging
import Store

/// Applies `sql/` migrations as the owning role.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply database migrations (needs PARLEY_MIGRATION_DATABASE_URL, the owning role).")

    func run() async throws {
        let configuration = try Configuration(needsAPI: false, needsContactKeys: false)
        guard let url = configuration.migrationDatabaseURL else {
            throw Configuration.Invalid(problems: ["PARLEY_MIGRATION_DATABASE_URL is required: the owning role's address"])
        }
        var logger = Logger(label: "parley.migrate")
        logger.logLevel = configuration.logLevel
        let migrations = try Migrator.load(from: configuration.sqlDirectory)
        let applied = try Migrator(databaseURL: url, logger: logger).migrate(migrations)
        print(applied.isEmpty ? "database is up to date (\(migrations.count) migrations)" : "applied: \(applied.joined(separator: ", "))")
    }
}
