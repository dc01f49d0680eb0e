import Foundation
import Store
import TestSupport
import Testing

@Suite("Migration scripts split into statements")
struct SQLScriptTests {
    @Test("a ; ends a statement only outside strings, identifiers, dollar quotes and comments")
    func quoting() {
        let script = """
            -- a comment; with a semicolon
            CREATE TABLE "odd;name" (note text DEFAULT 'it''s; fine', e text DEFAULT E'back\\\\slash\\'; still');
            /* block; /* nested; */ still comment; */
            CREATE FUNCTION f(a int) RETURNS int LANGUAGE plpgsql AS $$
            BEGIN
                RETURN a + $1;  -- $1 is a parameter
            END $$;
            DO $body$ BEGIN PERFORM 'x;y'; RAISE NOTICE '$$'; END $body$;
            SELECT 1
            """
        let statements = SQLScript.statements(of: script)
        #expect(statements.count == 4, "\(statements)")
        #expect(statements[0].hasPrefix("-- a comment") && statements[0].hasSuffix("still');"))
        #expect(statements[1].contains("RETURN a + $1;") && statements[1].hasSuffix("END $$;"))
        #expect(statements[2].hasPrefix("DO $body$") && statements[2].hasSuffix("END $body$;"))
        #expect(statements[3] == "SELECT 1")
        #expect(SQLScript.statements(of: "  -- only a comment;\n /* and; this */ ;;  ").isEmpty)
    }

    @Test("every migration file splits into statements that together are the whole file")
    func migrationsSplit() throws {
        for migration in try Migrator.load(from: TestDatabase.sqlDirectory) {
            let statements = SQLScript.statements(of: migration.sql)
            #expect(!statements.isEmpty, "\(migration.name)")
            if migration.name.hasPrefix("0001") { #expect(statements.count > 40) }
            // Nothing but white space between the statements: none was lost or cut.
            var rest = Substring(migration.sql)
            for statement in statements {
                let found = try #require(rest.range(of: statement), "\(migration.name): \(statement.prefix(80))")
                #expect(rest[rest.startIndex..<found.lowerBound].allSatisfy(\.isWhitespace) ||
                        rest[rest.startIndex..<found.lowerBound].contains("--") ||
                        rest[rest.startIndex..<found.lowerBound].contains("/*"), "\(migration.name): \(rest[rest.startIndex..<found.lowerBound].prefix(80))")
                rest = rest[found.upperBound...]
            }
            #expect(rest.allSatisfy { $0.isWhitespace }, "\(migration.name): trailing \(rest.prefix(80))")
        }
    }
}
