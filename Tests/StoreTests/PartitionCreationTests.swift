import Domain
import Foundation
import PostgresNIO
import Store
import Synchronization
import TestSupport
import Testing

@Suite("Partition creation under load")
struct PartitionCreationTests {
    @Test("creating a month gives up within its lock timeout while a batch holds the tables, instead of waiting for it or deadlocking")
    func givesUpQuickly() async throws {
        try await TestDatabase.with { db in
            let acme = try await TenantFixture.make(in: db, slug: "acme")
            let month = ISO8601DateFormatter().date(from: "2033-03-15T00:00:00Z")!
            let finished = Finished()
            var attempt: Task<Void, any Error>?
            // A batch in flight: it has locked a conversation and read messages.
            try await db.database.withScope(.integration(acme.integration)) { batch in
                _ = try await batch.connection.query("""
                    SELECT 1 FROM conversations WHERE tenant_id = \(acme.tenantID) FOR UPDATE
                    """, logger: TestDatabase.logger).collect()
                _ = try await batch.connection.query("""
                    SELECT count(*) FROM messages WHERE tenant_id = \(acme.tenantID)
                    """, logger: TestDatabase.logger).collect()
                attempt = Task {
                    defer { finished.mark() }
                    try await db.database.ensureMessagePartitions(for: [month], scope: .integration(acme.integration))
                }
                // Its lock timeout is 500 ms; waiting for this batch instead would wait forever here.
                for _ in 0..<50 where !finished.done { try await Task.sleep(for: .milliseconds(100)) }
                #expect(finished.done, "still waiting for the batch's locks after 5 s")
            }
            let outcome = await attempt!.result
            #expect(throws: StoreError.concurrentChange) { try outcome.get() }
        }
    }
}

private final class Finished: Sendable {
    private let flag = Mutex(false)
    var done: Bool { flag.withLock { $0 } }
    func mark() { flag.withLock { $0 = true } }
}
