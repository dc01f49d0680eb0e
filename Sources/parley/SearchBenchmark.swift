import Domain
import Foundation
import PostgresNIO
import Search
import Store

/// `parley bench search`: times keyword search through the API's own path (a
/// `withScope(.user(…))` transaction calling `SearchRepository.search`) against a plain
/// `body ILIKE '%…%'` newest-first query in the same scope and the same run, and checks
/// the search's top results against that substring ground truth. Prints figures; never
/// asserts a timing.
struct SearchBenchmark {
    struct Options: Sendable {
        let queries: [BenchQuery]
        let runs: Int
        /// Tenants to measure; `nil` picks the biggest bench tenant and a small one (the median).
        let tenantSlugs: [String]?
        let samples: Int
        let limit: Int
        let seed: UInt64
    }

    struct Member: Sendable {
        let role: UserRole
        let email: String
        let principal: UserPrincipal
        /// Messages this user may see (what row-level security lets through).
        let visibleMessages: Int
    }

    struct Tenant: Sendable {
        let id: UUID
        let slug: String
        let messages: Int
        var members: [Member] = []
    }

    let database: Database
    let options: Options

    func run() async throws -> BenchReport {
        let tenants = try await chooseTenants()
        var report = BenchReport(runs: options.runs, limit: options.limit)
        report.loadAtStart = BenchReport.loadAverage()
        for var tenant in tenants {
            tenant.members = try await members(of: tenant)
            let overhead = try await scopeOverhead(tenant.members[0].principal)
            report.tenants.append(.init(slug: tenant.slug, messages: tenant.messages,
                                        visible: tenant.members.map { ($0.role, $0.email, $0.visibleMessages) },
                                        scopeOverheadP50: overhead))
            Console.line("measuring \(tenant.slug) (\(tenant.messages) messages)…")
            let queries = try await resolve(options.queries, in: tenant)
            for member in tenant.members {
                for query in queries {
                    report.cases += try await measure(query, for: member, in: tenant)
                }
            }
            if options.samples > 0 {
                let samples = try await sampleQueries(in: tenant)
                Console.line("  agreement sweep: \(samples.count) sampled phrases × \(tenant.members.count) roles")
                for member in tenant.members {
                    for query in samples {
                        let matches = try await count(query, as: member.principal)
                        let agreement = try await agreement(query, as: member.principal)
                        report.sweep.append(.init(tenant: tenant.slug, role: member.role, query: query, matches: matches,
                                                  agreement: agreement))
                    }
                }
            }
        }
        report.loadAtEnd = BenchReport.loadAverage()
        return report
    }

    // MARK: Tenants and users

    /// The biggest bench tenant and the one of median size (a typical small company), unless named.
    private func chooseTenants() async throws -> [Tenant] {
        let all = try await database.withScope(.platformOperator) { tx in
            try await tx.connection.query("""
                SELECT id, slug FROM tenants WHERE slug LIKE \(SyntheticSeeder.slugPattern) ORDER BY slug
                """, logger: tx.logger).decode((UUID, String).self).all()
        }
        guard !all.isEmpty else { throw BenchError("no bench-* tenants: run `parley seed --tenants N --messages M` first") }
        var sized: [Tenant] = []
        for (id, slug) in all where options.tenantSlugs?.contains(slug) ?? true {
            let messages = try await database.withScope(.tenant(id)) { tx in
                try await tx.connection.query("""
                    SELECT coalesce(sum(message_count), 0)::int8 FROM conversations WHERE tenant_id = \(id)
                    """, logger: tx.logger).decode(Int.self).all().first ?? 0
            }
            sized.append(Tenant(id: id, slug: slug, messages: messages))
        }
        if let slugs = options.tenantSlugs {
            let missing = slugs.filter { slug in !sized.contains { $0.slug == slug } }
            guard missing.isEmpty else { throw BenchError("no such tenant: \(missing.joined(separator: ", "))") }
            return slugs.compactMap { slug in sized.first { $0.slug == slug } }
        }
        sized.sort { ($0.messages, $1.slug) > ($1.messages, $0.slug) }
        return sized.count == 1 ? sized : [sized[0], sized[sized.count / 2]]
    }

    /// The tenant's admin, the supervisor (of after-sales and tech support) and agent1 (after-sales).
    private func members(of tenant: Tenant) async throws -> [Member] {
        let wanted: [(UserRole, String)] = [(.admin, "admin"), (.supervisor, "supervisor"), (.agent, "agent1")]
        let emails = wanted.map { "\($0.1)@\(tenant.slug).test" }
        let found = try await database.withScope(.tenant(tenant.id)) { tx in
            try await tx.connection.query("""
                SELECT id, email FROM users WHERE tenant_id = \(tenant.id) AND email = ANY(\(emails))
                """, logger: tx.logger).decode((UUID, String).self).all()
        }
        var members: [Member] = []
        for ((role, _), email) in zip(wanted, emails) {
            guard let id = found.first(where: { $0.1 == email })?.0 else { throw BenchError("\(tenant.slug) has no user \(email)") }
            let principal = UserPrincipal(tenantID: tenant.id, userID: id, role: role)
            let visible = try await database.withScope(.user(principal)) { tx in
                try await tx.connection.query("SELECT count(*)::int8 FROM messages WHERE tenant_id = \(tenant.id)",
                                              logger: tx.logger).decode(Int.self).all().first ?? 0
            }
            members.append(Member(role: role, email: email, principal: principal, visibleMessages: visible))
        }
        return members
    }

    /// What every request pays before its query: the transaction, the `SET LOCAL`s and
    /// resolving the user's role and departments. Not included in the query timings.
    private func scopeOverhead(_ principal: UserPrincipal) async throws -> Double {
        var samples: [Double] = []
        for _ in 0...options.runs {
            let start = ContinuousClock.now
            try await database.withScope(.user(principal)) { _ in }
            samples.append(Self.milliseconds(since: start))
        }
        return BenchReport.percentile(Array(samples.dropFirst()), 0.50)
    }

    // MARK: Queries

    /// Replaces the order-number placeholder with an order number from the tenant's own
    /// messages, one from at least two months back so the search has history to walk.
    private func resolve(_ queries: [BenchQuery], in tenant: Tenant) async throws -> [BenchQuery] {
        var resolved: [BenchQuery] = []
        for query in queries {
            guard query.text == BenchQuery.orderPlaceholder else {
                resolved.append(query)
                continue
            }
            let admin = tenant.members.first { $0.role == .admin }!.principal
            let cutoff = database.clock.now().addingTimeInterval(-60 * 86_400)
            let order = try await database.withScope(.user(admin)) { tx in
                try await tx.connection.query("""
                    SELECT substring(body FROM 'DD[0-9]{10}') FROM messages
                    WHERE tenant_id = \(tenant.id) AND body LIKE '%DD%' AND body ~ 'DD[0-9]{10}'
                    ORDER BY (created_at < \(cutoff)) DESC, created_at DESC LIMIT 1
                    """, logger: tx.logger).decode(String?.self).all().first ?? nil
            }
            if let order { resolved.append(BenchQuery(order, origin: query.origin)) }
        }
        return resolved
    }

    /// Phrases cut from the tenant's own messages, for the agreement sweep.
    private func sampleQueries(in tenant: Tenant) async throws -> [BenchQuery] {
        let admin = tenant.members.first { $0.role == .admin }!.principal
        var random = SeededRandom(seed: options.seed &+ UInt64(tenant.messages))
        let samples = options.samples
        let bodies = try await database.withScope(.user(admin)) { tx in
            let (oldest, newest) = try await tx.connection.query("""
                SELECT min(created_at), max(created_at) FROM messages WHERE tenant_id = \(tenant.id)
                """, logger: tx.logger).decode((Date, Date).self).all().first!
            var bodies: [String] = []
            for _ in 0..<(samples * 2) {
                let at = oldest.addingTimeInterval(random.unit() * newest.timeIntervalSince(oldest))
                let body = try await tx.connection.query("""
                    SELECT body FROM messages
                    WHERE tenant_id = \(tenant.id) AND created_at >= \(at) AND kind = 'text'
                    ORDER BY created_at LIMIT 1
                    """, logger: tx.logger).decode(String?.self).all().first ?? nil
                if let body { bodies.append(body) }
            }
            return bodies
        }
        return BenchQuery.samples(from: bodies, count: samples, random: &random)
    }

    // MARK: Measuring

    private func measure(_ query: BenchQuery, for member: Member, in tenant: Tenant) async throws -> [BenchReport.Case] {
        let matches = try await count(query, as: member.principal)
        var cases: [BenchReport.Case] = []
        var ilike: [Double] = []
        for (index, mode) in query.modes.enumerated() {
            let search = try SearchQuery(query.text, mode: mode)
            // One untimed round first: the first call of a plan pays for catalog lookups.
            _ = try await timedSearch(search, as: member.principal)
            if index == 0 { _ = try await timedILike(query, as: member.principal) }
            var searchTimes: [Double] = []
            for _ in 0..<options.runs {
                searchTimes.append(try await timedSearch(search, as: member.principal).milliseconds)
                // The baseline runs alternately with the search, in the same scope, so both see the same cache.
                if index == 0 { ilike.append(try await timedILike(query, as: member.principal).milliseconds) }
            }
            let agreement = mode == .exact && query.isCJK ? try await agreement(query, as: member.principal) : nil
            cases.append(.init(tenant: tenant.slug, tenantMessages: tenant.messages, role: member.role, query: query,
                               mode: mode, matches: matches,
                               search: searchTimes, ilike: ilike, agreement: agreement))
        }
        return cases
    }

    /// A message in a newest-first list: PostgreSQL orders by `(created_at, id)` descending.
    struct Position: Sendable, Equatable {
        let time: Date
        let id: UUID

        /// Same order as PostgreSQL's uuid comparison (bytes), which the hex spelling preserves.
        func isNewer(than other: Position) -> Bool {
            time != other.time ? time > other.time : id.uuidString.lowercased() > other.id.uuidString.lowercased()
        }
    }

    private func timedSearch(_ query: SearchQuery, as principal: UserPrincipal) async throws -> (milliseconds: Double, page: [Position]) {
        let limit = options.limit
        return try await database.withScope(.user(principal)) { tx in
            let start = ContinuousClock.now
            let page = try await SearchRepository(tx, tenantID: principal.tenantID)
                .search(query, filter: ConversationFilter(), after: nil, limit: limit)
            return (Self.milliseconds(since: start), page.items.map { Position(time: $0.message.createdAt, id: $0.message.id) })
        }
    }

    /// The baseline: what a search without the text index would do.
    private func timedILike(_ query: BenchQuery, as principal: UserPrincipal) async throws -> (milliseconds: Double, page: [Position]) {
        let limit = options.limit
        return try await database.withScope(.user(principal)) { tx in
            let start = ContinuousClock.now
            let rows = try await tx.connection.query("""
                SELECT created_at, id FROM messages
                WHERE tenant_id = \(principal.tenantID) AND body ILIKE \(query.containsPattern)
                ORDER BY created_at DESC, id DESC LIMIT \(limit)
                """, logger: tx.logger).decode((Date, UUID).self).all()
            return (Self.milliseconds(since: start), rows.map { Position(time: $0.0, id: $0.1) })
        }
    }

    /// Messages containing the text that this user may see.
    private func count(_ query: BenchQuery, as principal: UserPrincipal) async throws -> Int {
        try await database.withScope(.user(principal)) { tx in
            try await tx.connection.query("""
                SELECT count(*)::int8 FROM messages WHERE tenant_id = \(principal.tenantID) AND body ILIKE \(query.containsPattern)
                """, logger: tx.logger).decode(Int.self).all().first ?? 0
        }
    }

    /// The exact-mode search's first page against the newest messages whose body contains
    /// the text. A false positive is a result that does not contain it; a false negative a
    /// message that contains it, is visible, and is newer than the page's last result (or
    /// any, when the page is not full) but is missing from the page.
    private func agreement(_ query: BenchQuery, as principal: UserPrincipal) async throws -> BenchReport.Agreement {
        let search = try SearchQuery(query.text, mode: .exact)
        let found = try await timedSearch(search, as: principal).page
        let truth = try await timedILike(query, as: principal).page
        let foundIDs = found.map(\.id)
        let containing = try await database.withScope(.user(principal)) { tx in
            Set(try await tx.connection.query("""
                SELECT id FROM messages
                WHERE tenant_id = \(principal.tenantID) AND id = ANY(\(foundIDs)) AND body ILIKE \(query.containsPattern)
                """, logger: tx.logger).decode(UUID.self).all())
        }
        let falsePositives = foundIDs.filter { !containing.contains($0) }
        let foundSet = Set(foundIDs)
        // A full page vouches only for what is at least as new as its last result.
        let missing = truth.filter { position in
            !foundSet.contains(position.id)
                && (found.count < options.limit || found.last.map { position.isNewer(than: $0) } ?? true)
        }
        return .init(identical: found == truth, falseNegatives: missing.map(\.id), falsePositives: falsePositives)
    }

    static func milliseconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) * 1_000 + Double(elapsed.components.attoseconds) / 1e15
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
