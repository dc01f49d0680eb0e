import Domain
import Foundation
import Store

/// `parley bench stats`: the three statistics queries for the biggest bench tenant's admin
/// over a 30-day range (the month up to its newest conversation), timed `runs` times each,
/// against a baseline measured in the same run: counting the range's messages once in the
/// same scope (the least reading the per-agent figures need).
struct StatisticsBenchmark {
    let database: Database
    let runs: Int
    let days: Int

    func run() async throws {
        let tenants = try await database.withScope(.platformOperator) { tx in
            try await tx.connection.query("""
                SELECT id, slug FROM tenants WHERE slug LIKE \(SyntheticSeeder.slugPattern) ORDER BY slug
                """, logger: tx.logger).decode((UUID, String).self).all()
        }
        guard !tenants.isEmpty else { throw BenchError("no bench-* tenants: run `parley seed --tenants N --messages M` first") }
        var biggest: (id: UUID, slug: String, messages: Int, newest: Date)?
        for (id, slug) in tenants {
            let (messages, newest) = try await database.withScope(.tenant(id)) { tx in
                try await tx.connection.query("""
                    SELECT coalesce(sum(message_count), 0)::int8, coalesce(max(started_at), now()) FROM conversations WHERE tenant_id = \(id)
                    """, logger: tx.logger).decode((Int, Date).self).all().first ?? (0, Date())
            }
            if messages > biggest?.messages ?? -1 { biggest = (id, slug, messages, newest) }
        }
        guard let tenant = biggest else { return }
        let admin = try await database.withScope(.tenant(tenant.id)) { tx in
            try await tx.connection.query("""
                SELECT id FROM users WHERE tenant_id = \(tenant.id) AND email = \("admin@\(tenant.slug).test")
                """, logger: tx.logger).decode(UUID.self).all().first
        }
        guard let admin else { throw BenchError("\(tenant.slug) has no admin") }
        let principal = UserPrincipal(tenantID: tenant.id, userID: admin, role: .admin)
        let to = tenant.newest.addingTimeInterval(1)
        let from = to.addingTimeInterval(-Double(days) * 86_400)
        let (conversations, messages) = try await database.withScope(.user(principal)) { tx in
            try await tx.connection.query("""
                SELECT count(*)::int, coalesce(sum(message_count), 0)::int FROM conversations
                WHERE tenant_id = \(tenant.id) AND started_at >= \(from) AND started_at < \(to)
                """, logger: tx.logger).decode((Int, Int).self).all().first ?? (0, 0)
        }
        print("tenant \(tenant.slug): \(tenant.messages) messages in all; \(days)-day range \(RFC3339.format(from)) … \(RFC3339.format(to)): "
              + "\(conversations) conversations, \(messages) messages; admin's scope; \(runs) runs each")

        func time(_ body: @Sendable @escaping (Transaction) async throws -> Void) async throws -> [Double] {
            var samples: [Double] = []
            for _ in 0..<runs {
                let started = ContinuousClock.now
                try await database.withScope(.user(principal)) { tx in try await body(tx) }
                let elapsed = ContinuousClock.now - started
                samples.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)
            }
            return samples.sorted()
        }
        let tenantID = tenant.id
        let baseline = try await time { tx in
            _ = try await tx.connection.query("""
                SELECT count(*) FROM messages WHERE tenant_id = \(tenantID) AND created_at >= \(from) AND created_at < \(to)
                """, logger: tx.logger).collect()
        }
        let cases: [(String, @Sendable (Transaction) async throws -> Void)] = [
            ("channels", { tx in _ = try await StatisticsRepository(tx, tenantID: tenantID).channels(from: from, to: to) }),
            ("agents", { tx in _ = try await StatisticsRepository(tx, tenantID: tenantID).agents(from: from, to: to) }),
            ("daily", { tx in _ = try await StatisticsRepository(tx, tenantID: tenantID).days(from: from, to: to) }),
        ]
        func line(_ name: String, _ samples: [Double]) -> String {
            let p50 = BenchReport.percentile(samples, 0.5), p95 = BenchReport.percentile(samples, 0.95)
            let ratio = p95 / max(BenchReport.percentile(baseline, 0.95), 0.001)
            return name.padding(toLength: 28, withPad: " ", startingAt: 0) + String(format: " p50 %8.2f ms   p95 %8.2f ms   p95 / baseline %5.1f×", p50, p95, ratio)
        }
        print(line("baseline (count messages)", baseline))
        for (name, body) in cases {
            print(line(name, try await time(body)))
        }
        print("target: p95 ≤ 200 ms for each (issue: trust and administration, statistics)")
    }
}
