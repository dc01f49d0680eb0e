import Domain
import Foundation
import Search
import Store
import TestSupport
import Testing

@Suite("Reindexing", .disabled(if: TestDatabase.isShared,
                               "the reindexer walks every tenant of the database: on a shared one its counts (2 tenants, 12 rows) include other tests' tenants, and the UPDATE that makes every vector stale reaches their rows"))
struct ReindexerTests {
    @Test("vectors from an older tokenizer are rewritten in batches, and a second run rewrites nothing")
    func rewritesStaleVectors() async throws {
        try await TestDatabase.with { db in
            let acme = try await TenantFixture.make(in: db, slug: "acme")
            _ = try await TenantFixture.make(in: db, slug: "other")
            // As if an older tokenizer had written these rows: no usable vector.
            _ = try await db.superuserRows("UPDATE messages SET search_vector = NULL, search_version = 0")
            let query = try SearchQuery("退款", mode: .exact)
            func found() async throws -> Int {
                try await db.database.withScope(.user(acme.principal("admin"))) { tx in
                    try await SearchRepository(tx, tenantID: acme.tenantID).search(query, filter: .init(), after: nil, limit: 50).items.count
                }
            }
            #expect(try await found() == 0)
            let first = try await Reindexer(database: db.database, batchSize: 4).run(logger: TestDatabase.logger)
            #expect(first == .init(tenants: 2, rewritten: 12))
            #expect(try await found() == 3)
            let versions = try await db.superuserRows("SELECT DISTINCT search_version::int FROM messages")
            #expect(try versions.map { try $0.decode(Int.self) } == [Int(Tokenizer.version)])
            let second = try await Reindexer(database: db.database, batchSize: 4).run(logger: TestDatabase.logger)
            #expect(second == .init(tenants: 2, rewritten: 0))
        }
    }
}
