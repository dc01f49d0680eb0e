import Foundation
import Store
import TestSupport
import Testing

@Suite("Migrations", .disabled(if: TestDatabase.isShared,
                                "needs empty databases of its own to migrate; a shared (Citus) database is migrated once, before the tests"))
struct MigratorTests {
    @Test("migrations apply to an empty database, and a second run is a no-op")
    func applyAndRerun() async throws {
        let url = try await TestDatabase.emptyDatabaseURL()
        let migrations = try Migrator.load(from: TestDatabase.sqlDirectory)
        #expect(!migrations.isEmpty)
        let migrator = Migrator(databaseURL: url, logger: TestDatabase.logger)
        #expect(try migrator.migrate(migrations) == migrations.map(\.name))
        #expect(try migrator.migrate(migrations).isEmpty)
    }

    @Test("an applied migration that was edited is an error naming the file")
    func editedMigration() async throws {
        let url = try await TestDatabase.emptyDatabaseURL()
        let migrations = try Migrator.load(from: TestDatabase.sqlDirectory)
        let migrator = Migrator(databaseURL: url, logger: TestDatabase.logger)
        try migrator.migrate(migrations)
        var edited = migrations
        let first = edited[0]
        edited[0] = Migrator.Migration(name: first.name, sql: first.sql + "\n-- edited\n")
        #expect(throws: StoreError.migrationChecksumMismatch(file: first.name)) {
            try migrator.migrate(edited)
        }
    }

    @Test("a failing migration is rolled back and named")
    func failingMigration() async throws {
        let url = try await TestDatabase.emptyDatabaseURL()
        let migrations = try Migrator.load(from: TestDatabase.sqlDirectory)
        let migrator = Migrator(databaseURL: url, logger: TestDatabase.logger)
        try migrator.migrate(migrations)
        let broken = Migrator.Migration(name: "9999_broken.sql", sql: "CREATE TABLE half_done (id int); SELECT no_such_function();")
        do {
            try migrator.migrate(migrations + [broken])
            Issue.record("a broken migration must fail")
        } catch let StoreError.migrationFailed(file, _) {
            #expect(file == "9999_broken.sql")
        }
        // Nothing of it stayed: the table was rolled back with the failed statement.
        let fixed = Migrator.Migration(name: "9999_broken.sql", sql: "CREATE TABLE half_done (id int);")
        #expect(try migrator.migrate(migrations + [fixed]) == ["9999_broken.sql"])
    }
}
