import Domain
import Foundation
import PostgresNIO
import Search
import Store
import TestSupport
import Testing

/// Search runs through a SECURITY DEFINER function so the text index stays usable;
/// these tests hold it to exactly what row-level security allows.
@Suite("Search isolation")
struct SearchIsolationTests {
    static let roles = ["admin", "supervisor", "agentA", "agentB", "salesAgent", "analyst"]
    static let queries: [(String, SearchMode)] = [("退款", .exact), ("款", .fuzzy), ("refund", .fuzzy), ("马上 处理", .exact)]

    /// What the caller sees through RLS alone: the slow, obviously correct query.
    private func throughRLS(_ query: SearchQuery, _ tx: Transaction, tenantID: UUID) async throws -> [UUID] {
        let rows = try await tx.connection.query("""
            SELECT id FROM messages WHERE tenant_id = \(tenantID) AND search_vector @@ \(query.tsquery)::tsquery
            ORDER BY created_at DESC, id DESC
            """, logger: tx.logger)
        var ids: [UUID] = []
        for try await id in rows.decode(UUID.self) { ids.append(id) }
        return ids
    }

    /// The function alone, as `count()` and the keyword filter use it (no RLS-guarded join after it).
    private func throughFunction(_ query: SearchQuery, _ tx: Transaction, tenantID: UUID, before cursor: (Date, UUID)? = nil) async throws -> [UUID] {
        let rows = try await tx.connection.query("""
            SELECT message_id FROM search_messages(\(tenantID), \(query.tsquery)::tsquery, NULL, NULL, NULL, NULL, NULL, NULL,
                                                   NULL, NULL, NULL, NULL, \(cursor?.0)::timestamptz, \(cursor?.1)::uuid, 1000)
            """, logger: tx.logger)
        var ids: [UUID] = []
        for try await id in rows.decode(UUID.self) { ids.append(id) }
        return ids
    }

    @Test("for every role and query, the search function returns exactly what the RLS-guarded query returns")
    func sameAsRLS() async throws {
        try await TestDatabase.with { db in
            let acme = try await TenantFixture.make(in: db, slug: "acme")
            _ = try await TenantFixture.make(in: db, slug: "other")
            // A trial tenant with history older than its window, which the function must hide too.
            let trial = try await TenantFixture.make(in: db, slug: "trial", plan: "trial")
            _ = try await trial.ingestConversation(in: db, externalID: "old", customer: "old", agent: trial.users["agentA"]!,
                                                   department: trial.departments["afterSales"]!, at: Date().addingTimeInterval(-60 * 86_400))
            var nonEmpty = 0
            for fixture in [acme, trial] {
                for role in Self.roles {
                    for (text, mode) in Self.queries {
                        let query = try SearchQuery(text, mode: mode)
                        try await db.database.withScope(.user(fixture.principal(role))) { tx in
                            let expected = try await throughRLS(query, tx, tenantID: fixture.tenantID)
                            let found = try await throughFunction(query, tx, tenantID: fixture.tenantID)
                            #expect(found == expected, "\(fixture.slug) \(role) searching \(text)")
                            let page = try await SearchRepository(tx, tenantID: fixture.tenantID)
                                .search(query, filter: .init(), after: nil, limit: 100).items.map(\.message.id)
                            #expect(page == expected, "\(fixture.slug) \(role) searching \(text) through the repository")
                            if expected.count > 1 {
                                // After a cursor: the rest, exactly.
                                let first = try await db.superuserRows("SELECT created_at, id FROM messages WHERE id = '\(expected[0].uuidString.lowercased())'")
                                let cursor = try first[0].decode((Date, UUID).self)
                                #expect(try await throughFunction(query, tx, tenantID: fixture.tenantID, before: cursor) == Array(expected.dropFirst()))
                            }
                            if !expected.isEmpty { nonEmpty += 1 }
                        }
                    }
                }
            }
            #expect(nonEmpty >= Self.roles.count * 6)  // the comparison is not between empty sets
        }
    }

    /// Three densities, so each of the function's paths is taken: 退款 in one message in
    /// seven (the first walk fills a page), 加急 in one in fifty (a second walk, sized from
    /// the first), 古老订单 only in the older messages (the first walk finds none, the
    /// index reads the windows); and the prefix 古 (fuzzy), whose later pages start in a
    /// quiet month, so the rest of the history is walked.
    static let historyQueries: [(String, SearchMode)] = [("退款", .exact), ("加急", .exact), ("古老订单", .exact), ("古", .fuzzy)]
    static func historyText(_ index: Int) -> String {
        var text = "第\(index)条：" + (index % 7 == 0 ? "我要退款" : "请稍等")
        if index % 50 == 0 { text += "，加急" }
        if index >= 1_200, index % 13 == 0 { text += "，古老订单" }
        return text
    }

    /// More history than the function's newest-first walk reads (1,000 rows): the newest
    /// month alone holds 1,200 messages, the rest spreads over the year, so a search crosses
    /// from the walks into the text index mid-month and then into older windows.
    private func ingestLongHistory(_ fixture: TenantFixture, in db: TestDatabase) async throws {
        let owners = [("agentA", "afterSales"), ("agentB", "support"), ("salesAgent", "sales")]
        let now = Date()
        let messages = (0..<1_500).map { index -> IngestMessage in
            let (agent, department) = owners[index % owners.count]
            let age = index < 1_200 ? Double(index) * 1_200 : 20 * 86_400 + Double(index - 1_200) * 100_000
            let customer = IngestCustomer(externalID: "history-\(index % 12)", name: nil, phone: nil, email: nil)
            let fromAgent = index % 2 == 1
            return IngestMessage(conversationExternalID: "history-\(index % 12)", messageExternalID: "history-\(index)",
                                 customer: customer, sentAt: now.addingTimeInterval(-age), senderSide: fromAgent ? .agent : .customer,
                                 agentID: fromAgent ? fixture.users[agent]! : nil, departmentID: fixture.departments[department]!,
                                 kind: .text, text: Self.historyText(index), attachment: nil)
        }
        let integration = fixture.integration
        for batch in stride(from: 0, to: messages.count, by: 1_000) {
            let slice = Array(messages[batch..<min(batch + 1_000, messages.count)])
            try await db.database.withScope(.integration(integration)) { tx in
                let ingestion = IngestionRepository(tx, integration: integration)
                try await ingestion.ensurePartitions(for: slice.map(\.sentAt))
                _ = try await ingestion.ingest(slice)
            }
        }
    }

    @Test("past the first walk, through second walks and index windows, pages and filters return exactly what RLS returns")
    func beyondTheFirstWalk() async throws {
        try await TestDatabase.with { db in
            let acme = try await TenantFixture.make(in: db, slug: "acme")
            try await ingestLongHistory(acme, in: db)
            for ((text, mode), role) in Self.historyQueries.flatMap({ query in Self.roles.map { (query, $0) } }) {
                let query = try SearchQuery(text, mode: mode)
                try await db.database.withScope(.user(acme.principal(role))) { tx in
                    let expected = try await throughRLS(query, tx, tenantID: acme.tenantID)
                    let found = try await throughFunction(query, tx, tenantID: acme.tenantID)
                    #expect(found == expected, "\(role) searching \(text)")
                    // Page by page through the repository, as a client would.
                    var paged: [UUID] = []
                    var cursor: KeysetCursor?
                    repeat {
                        let page = try await SearchRepository(tx, tenantID: acme.tenantID)
                            .search(query, filter: .init(), after: cursor, limit: 9)
                        paged += page.items.map(\.message.id)
                        cursor = page.nextCursor
                    } while cursor != nil
                    #expect(paged == expected, "\(role) searching \(text), paged")
                    // A conversation filter takes the joined path: agentA's conversations only.
                    let agentA = acme.users["agentA"]!
                    let filtered = try await SearchRepository(tx, tenantID: acme.tenantID)
                        .search(query, filter: .init(agentID: agentA), after: nil, limit: 1_000).items.map(\.message.id)
                    let expectedFiltered = try await tx.connection.query("""
                        SELECT m.id FROM messages m JOIN conversations c ON c.tenant_id = m.tenant_id AND c.id = m.conversation_id
                        WHERE m.tenant_id = \(acme.tenantID) AND m.search_vector @@ \(query.tsquery)::tsquery AND c.agent_id = \(agentA)
                        ORDER BY m.created_at DESC, m.id DESC
                        """, logger: tx.logger).decode(UUID.self).collectAll()
                    #expect(filtered == expectedFiltered, "\(role) searching \(text), agent filter")
                    if role == "admin" { #expect(expected.count >= 20, "\(text) is in enough messages to page through") }
                }
            }
        }
    }

    @Test("the function returns nothing without context, or for a tenant other than the session's")
    func refusesOtherTenants() async throws {
        try await TestDatabase.with { db in
            let acme = try await TenantFixture.make(in: db, slug: "acme")
            let other = try await TenantFixture.make(in: db, slug: "other")
            // The shape the service uses: a plain select of the function (delegated whole on Citus).
            let call: PostgresQuery = """
                SELECT message_id FROM search_messages(\(acme.tenantID), '''退款'''::tsquery, NULL, NULL, NULL, NULL, NULL, NULL,
                                                       NULL, NULL, NULL, NULL, NULL, NULL, 100)
                """
            let withoutContext = try await db.client.query(call, logger: TestDatabase.logger).decode(UUID.self).collectAll()
            #expect(withoutContext.isEmpty)
            try await db.database.withScope(.user(other.principal("admin"))) { tx in
                let crossTenant = try await tx.connection.query(call, logger: tx.logger).decode(UUID.self).collectAll()
                #expect(crossTenant.isEmpty)
            }
            try await db.database.withScope(.user(acme.principal("admin"))) { tx in
                let own = try await tx.connection.query(call, logger: tx.logger).decode(UUID.self).collectAll()
                #expect(own.count == 3)
            }
        }
    }

    @Test("a temporary table shadowing ours changes nothing")
    func temporaryTableShadowing() async throws {
        try await TestDatabase.with { db in
            let acme = try await TenantFixture.make(in: db, slug: "acme")
            let query = try SearchQuery("退款", mode: .exact)
            try await db.database.withScope(.user(acme.principal("agentA"))) { tx in
                let before = try await SearchRepository(tx, tenantID: acme.tenantID).search(query, filter: .init(), after: nil, limit: 100)
                    .items.map(\.message.id)
                // Copies of every visible and invisible row, reachable by an unqualified name.
                _ = try await tx.connection.query("CREATE TEMP TABLE messages AS SELECT * FROM public.messages WITH NO DATA", logger: tx.logger).collect()
                _ = try await tx.connection.query("""
                    INSERT INTO pg_temp.messages (tenant_id, id, created_at, conversation_id, channel, kind, sender_side, body,
                                                  external_id, participant_ids, search_vector)
                    VALUES (\(acme.tenantID), \(UUID()), now(), \(acme.conversations["sales"]!), 'web', 'text', 'customer', '退款',
                            'planted', '{}', '''退款''')
                    """, logger: tx.logger).collect()
                _ = try await tx.connection.query("CREATE TEMP TABLE conversations AS SELECT * FROM public.conversations WITH NO DATA", logger: tx.logger).collect()
                let after = try await tx.connection.query("""
                    SELECT message_id FROM public.search_messages(\(acme.tenantID), '''退款'''::tsquery, NULL, NULL, NULL, NULL, NULL,
                                                                  NULL, NULL, NULL, NULL, NULL, NULL, NULL, 100)
                    ORDER BY created_at DESC, message_id DESC
                    """, logger: tx.logger).decode(UUID.self).collectAll()
                #expect(after == before)
                #expect(!after.isEmpty)
            }
        }
    }

    @Test("the search role uses the tenant-leading text index, which RLS alone cannot")
    func indexIsUsed() async throws {
        try await TestDatabase.with { db in
            let acme = try await TenantFixture.make(in: db, slug: "acme")
            // Enough rows that reading the tenant's postings beats reading the tenant's rows:
            // copies of one ingested message, written directly (only the planner reads them).
            let tenant = acme.tenantID.uuidString.lowercased()
            _ = try await db.superuserRows("""
                INSERT INTO messages (tenant_id, id, created_at, conversation_id, channel, kind, sender_side, body, external_id,
                                      department_id, participant_ids, search_vector, search_version)
                SELECT m.tenant_id, gen_random_uuid(), m.created_at - g * interval '1 second', m.conversation_id, m.channel, m.kind,
                       m.sender_side, 'hello number ' || g, 'bulk-' || g, NULL, '{}',
                       ('hello:1 number:2 ' || g || ':3')::tsvector, m.search_version
                FROM (SELECT * FROM messages WHERE tenant_id = '\(tenant)' LIMIT 1) m, generate_series(1, 20000) g
                """)
            // What autovacuum does soon after a bulk load: statistics, and the GIN pending list merged.
            _ = try await db.superuserRows("VACUUM (ANALYZE) messages")
            let inner = """
                SELECT m.id FROM public.messages m
                WHERE m.tenant_id = '\(tenant)' AND m.search_vector @@ '''退款'''::tsquery
                """
            // On Citus the search function runs on the tenant's worker (it is delegated there), and
            // the plan that matters is that shard's: asked of the worker, since the coordinator
            // cannot reach it as the search role (which may not log in).
            let shard = try await db.shard(of: "messages", tenant: acme.tenantID)
            let plan = try await TemplatePlans.explain(inner, role: "parley_search", db: db, shard: shard)
            // What matters is whether the text condition is an index condition: the planner
            // may use the same index for its tenant column alone and filter text row by row.
            func textIsIndexed(_ plan: String) -> Bool {
                plan.split(separator: "\n").contains { $0.contains("Index Cond") && $0.contains("search_vector @@") }
            }
            #expect(textIsIndexed(plan), "\(plan)")
            let rlsPlan = try await TemplatePlans.explain(inner, role: "parley_app", tenant: tenant, db: db, shard: shard)
            #expect(!textIsIndexed(rlsPlan), "\(rlsPlan)")
            // An agent's search, as the function writes it: the agent's own conversations are
            // an index condition too, so other agents' postings never reach the heap.
            let agent = acme.users["agentA"]!.uuidString.lowercased()
            let scoped = try await TemplatePlans.explain(inner + " AND m.participant_ids @> ARRAY['\(agent)'::uuid]",
                                                         role: "parley_search", db: db, shard: shard)
            #expect(textIsIndexed(scoped)
                    && scoped.split(separator: "\n").contains { $0.contains("Index Cond") && $0.contains("participant_ids @>") },
                    "\(scoped)")
        }
    }

    static func isCJK(_ character: Character) -> Bool {
        character.unicodeScalars.allSatisfy { (0x4E00...0x9FFF).contains($0.value) || (0x3400...0x4DBF).contains($0.value) }
    }

    @Test("tokenized vectors and queries agree with substring truth for CJK queries of 1 to 8 characters")
    func substringTruth() async throws {
        try await TestDatabase.with { db in
            let corpus = ["我要退款，订单号DD20251001", "仅退款！款项原路返回", "请问什么时候发货？", "款",
                          "退款退款退款", "发票怎么开：增值税专用发票", "谢谢你们的帮助😀非常满意", "退貨流程是什麼"]
            var vectors: [String] = []
            var queries: [String] = []
            var truth: [Bool] = []
            let cjkRuns = corpus.flatMap { text in text.split(whereSeparator: { !Self.isCJK($0) }).map(Array.init) }
            for characters in cjkRuns {
                for length in 1...8 where length <= characters.count {
                    for start in 0...(characters.count - length) {
                        let needle = String(characters[start..<(start + length)])
                        let query = try SearchQuery(needle, mode: .exact)
                        for text in corpus {
                            vectors.append(SearchVector.literal(for: text))
                            queries.append(query.tsquery)
                            truth.append(Tokenizer.normalize(text).contains(Tokenizer.normalize(needle)))
                        }
                    }
                }
            }
            let rows = try await db.client.query("""
                SELECT v::tsvector @@ q::tsquery FROM unnest(\(vectors)::text[], \(queries)::text[]) WITH ORDINALITY AS t(v, q, n) ORDER BY n
                """, logger: TestDatabase.logger)
            let matched = try await rows.decode(Bool.self).collectAll()
            #expect(matched.count == truth.count)
            let falseNegatives = zip(matched, truth).enumerated().filter { !$0.element.0 && $0.element.1 }.map { queries[$0.offset] }
            let falsePositives = zip(matched, truth).enumerated().filter { $0.element.0 && !$0.element.1 }.map { queries[$0.offset] }
            #expect(falseNegatives.isEmpty, "missed: \(falseNegatives.prefix(5))")
            #expect(falsePositives.isEmpty, "wrongly matched: \(falsePositives.prefix(5))")
            #expect(truth.count > 1_000)
        }
    }
}

extension AsyncSequence {
    func collectAll() async throws -> [Element] {
        var all: [Element] = []
        for try await element in self { all.append(element) }
        return all
    }
}

/// EXPLAIN as a given role, the way the search function or a plain RLS query would run.
enum TemplatePlans {
    /// With `shard`, on that Citus worker, against the shard of `public.messages` that holds the tenant.
    static func explain(_ sql: String, role: String, tenant: String? = nil, db: TestDatabase,
                        shard: TestDatabase.Shard? = nil) async throws -> String {
        // Small test tables may still be read sequentially; ask only about indexes.
        var setup = ["SET LOCAL ROLE \(role)", "SET LOCAL enable_seqscan = off"]
        if let tenant { setup += ["SET LOCAL app.tenant_id = '\(tenant)'", "SET LOCAL app.scope = 'all'"] }
        let query = shard.map { sql.replacingOccurrences(of: "public.messages m", with: "public.\($0.relation) m") } ?? sql
        let rows = try await db.superuserRowsInTransaction(setup: setup, query: "EXPLAIN " + query, port: shard?.port)
        return try rows.map { try $0.decode(String.self) }.joined(separator: "\n")
    }
}
