import Domain
import Foundation
import Logging
import Store
import TestSupport
import Testing
@testable import Worker

/// The retention job against the real database with an injected clock: randomized tenants
/// (rules, holds, compliance minimums, conversation ages), runs killed mid-way and resumed by
/// another worker, and SQL afterwards checking that no protected row is gone and every
/// unprotected expired one is.
@Suite("Retention job")
struct RetentionServiceTests {
    typealias ManualClock = ExportServiceTests.ManualClock
    static let day: TimeInterval = 86_400

    /// One generated conversation and what must become of it.
    struct Generated {
        let id: UUID
        let customer: UUID
        let channel: Domain.Channel
        let department: UUID?
        let ended: Bool
        /// Days since the later of its end and its last message.
        let age: Double
        let messages: Int
        /// Days since a supervisor moved it to the recycle bin; `nil` when it is not there.
        var binnedDaysAgo: Double?
    }

    struct Scenario {
        var conversations: [Generated] = []
        var rules: [CleanupRuleSettings] = []
        var minimumAtCreation: Int?
        /// Raised after the rules were made (the run must still respect it).
        var minimumAtRun: Int?
        var tenantHold = false
        var heldCustomers: Set<UUID> = []
        var heldConversations: Set<UUID> = []
        /// Placed and released before the run: protects nothing.
        var releasedConversations: Set<UUID> = []

        /// Deleted by the bin's purge and by no rule (the runs do not count it).
        func purgedOnly(_ c: Generated) -> Bool {
            guard expectDeleted(c) else { return false }
            return !(c.ended && rules.contains { rule in
                rule.enabled && (rule.channel == nil || rule.channel == c.channel)
                    && (rule.departmentID == nil || rule.departmentID == c.department)
                    && c.age > Double(max(rule.deleteAfterDays, minimumAtRun ?? 0))
            })
        }

        func protected(_ c: Generated) -> Bool {
            tenantHold || heldCustomers.contains(c.customer) || heldConversations.contains(c.id)
        }

        /// Gone by a rule or, when binned more than 30 days ago, by the bin's purge — never when
        /// held, and the purge never below the compliance minimum either.
        func expectDeleted(_ c: Generated) -> Bool {
            guard !protected(c) else { return false }
            if let binned = c.binnedDaysAgo, binned > 30, c.age > Double(minimumAtRun ?? 0) { return true }
            guard c.ended else { return false }
            return rules.contains { rule in
                rule.enabled
                    && (rule.channel == nil || rule.channel == c.channel)
                    && (rule.departmentID == nil || rule.departmentID == c.department)
                    && c.age > Double(max(rule.deleteAfterDays, minimumAtRun ?? 0))
            }
        }
    }

    /// Writes `count` conversations with random ages (half-days, so no age sits on a cutoff)
    /// straight into the tables, as ingestion leaves them.
    static func generate(_ db: TestDatabase, _ fixture: TenantFixture, now: Date, count: Int,
                         random: inout SplitMix) async throws -> [Generated] {
        let tenant = fixture.tenantID.uuidString.lowercased()
        let customers = (0..<6).map { _ in UUID() }
        for customer in customers {
            _ = try await db.superuserRows("""
                INSERT INTO customers (tenant_id, id, name, created_at)
                VALUES ('\(tenant)', '\(customer.uuidString.lowercased())', 'Retention customer', now())
                """)
        }
        let departments: [UUID?] = [nil] + fixture.departments.values.sorted { $0.uuidString < $1.uuidString }.map { $0 }
        var generated: [Generated] = []
        for index in 0..<count {
            let id = UUID()
            let channel = [Domain.Channel.web, .wechat, .email].randomElement(using: &random)!
            let department = departments.randomElement(using: &random)!
            let customer = customers.randomElement(using: &random)!
            let ended = Int.random(in: 0..<10, using: &random) < 8
            let age = Double(Int.random(in: 0...600, using: &random)) + 0.5
            let messages = Int.random(in: 1...4, using: &random)
            let silentSince = now.addingTimeInterval(-age * day)
            // Some conversations had a message after they ended: their age counts from it.
            let lateMessage = ended && Int.random(in: 0..<10, using: &random) == 0
            let endedAt = lateMessage ? silentSince.addingTimeInterval(-3 * day) : silentSince
            let started = silentSince.addingTimeInterval(-Double(messages) * 600)
            let times = (0..<messages).map { started.addingTimeInterval(Double($0 + 1) * 600) }
            let dept = department.map { "'\($0.uuidString.lowercased())'" } ?? "NULL"
            _ = try await db.superuserRows("""
                INSERT INTO conversations (tenant_id, id, channel, external_id, customer_id, department_id, status,
                                           started_at, ended_at, last_message_at, message_count)
                VALUES ('\(tenant)', '\(id.uuidString.lowercased())', '\(channel.rawValue)', 'ret-\(index)-\(id)',
                        '\(customer.uuidString.lowercased())', \(dept), '\(ended ? "ended" : "ongoing")',
                        '\(RFC3339.format(times[0]))', \(ended ? "'\(RFC3339.format(endedAt))'" : "NULL"),
                        '\(RFC3339.format(times.last!))', \(messages))
                """)
            for (number, time) in times.enumerated() {
                _ = try await db.superuserRows("""
                    INSERT INTO messages (tenant_id, id, created_at, conversation_id, channel, kind, sender_side, body,
                                          external_id, department_id)
                    VALUES ('\(tenant)', gen_random_uuid(), '\(RFC3339.format(time))', '\(id.uuidString.lowercased())',
                            '\(channel.rawValue)', 'text', 'customer', 'hello', 'ret-\(lower(id))-\(number)', \(dept))
                    """)
                _ = try await db.superuserRows("""
                    INSERT INTO message_keys (tenant_id, channel, external_id, message_id, created_at)
                    VALUES ('\(tenant)', '\(channel.rawValue)', 'ret-\(lower(id))-\(number)', gen_random_uuid(), '\(RFC3339.format(time))')
                    """)
            }
            // Some are starred by the admin: stars are private, and must go with their conversation.
            if Int.random(in: 0..<4, using: &random) == 0, let admin = fixture.users["admin"] {
                _ = try await db.superuserRows("""
                    INSERT INTO conversation_stars (tenant_id, user_id, conversation_id, starred_at)
                    VALUES ('\(tenant)', '\(admin.uuidString.lowercased())', '\(id.uuidString.lowercased())', now())
                    """)
            }
            // Some are in the recycle bin, put there between 0 and 60 days ago (as RecycleBinRepository.bin leaves them).
            var binnedDaysAgo: Double?
            if Int.random(in: 0..<5, using: &random) == 0 {
                let days = Double(Int.random(in: 0...60, using: &random)) + 0.5
                binnedDaysAgo = days
                let deletedAt = now.addingTimeInterval(-days * day)
                _ = try await db.superuserRows("""
                    UPDATE conversations SET status = 'deleted' WHERE tenant_id = '\(tenant)' AND id = '\(lower(id))'
                    """)
                _ = try await db.superuserRows("""
                    UPDATE messages SET binned = true WHERE tenant_id = '\(tenant)' AND conversation_id = '\(lower(id))'
                    """)
                _ = try await db.superuserRows("""
                    INSERT INTO recycle_bin (tenant_id, conversation_id, previous_status, deleted_by, deleted_at, purge_after)
                    VALUES ('\(tenant)', '\(lower(id))', '\(ended ? "ended" : "ongoing")', '\(lower(fixture.users["supervisor"]!))',
                            '\(RFC3339.format(deletedAt))', '\(RFC3339.format(RecycleBin.purgeAfter(deletedAt: deletedAt)))')
                    """)
            }
            generated.append(Generated(id: id, customer: customer, channel: channel, department: department, ended: ended,
                                       age: age, messages: messages, binnedDaysAgo: binnedDaysAgo))
        }
        return generated
    }

    static func retention(_ database: Database, _ name: String, batchSize: Int = 7) -> RetentionService {
        var settings = RetentionService.Settings()
        settings.batchSize = batchSize
        settings.claimLease = .seconds(60)
        return RetentionService(database: database, workerID: name, settings: settings, logger: TestDatabase.logger)
    }

    @Test("randomized tenants: after the runs, exactly the unprotected expired conversations are gone, with their messages and keys; holds, minimums and other tenants kept",
          arguments: [UInt64(1), 2, 3, 4])
    func randomizedProtection(seed: UInt64) async throws {
        try await TestDatabase.with { db in
            var random = SplitMix(seed: seed)
            let clock = ManualClock()
            let database = db.database(clock: clock.clock)
            let fixture = try await TenantFixture.make(in: db, slug: "ret\(seed)")
            let bystander = try await TenantFixture.make(in: db, slug: "other\(seed)")
            let now = clock.clock.now()
            var scenario = Scenario()
            scenario.conversations = try await Self.generate(db, fixture, now: now, count: 60, random: &random)
            let others = try await Self.generate(db, bystander, now: now, count: 10, random: &random)

            // The operator's minimum, the admin's rules (never below it), then maybe a higher minimum.
            scenario.minimumAtCreation = [nil, 60, 200].randomElement(using: &random)!
            try await setMinimum(db, fixture, scenario.minimumAtCreation)
            let admin = fixture.principal("admin")
            let departments: [UUID?] = [nil, nil] + fixture.departments.values.map { $0 }
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let days = max(scenario.minimumAtCreation ?? 1, Int.random(in: 30...400, using: &random))
                let rule = CleanupRuleSettings(channel: [nil, nil, .web, .wechat].randomElement(using: &random)!,
                                               departmentID: departments.randomElement(using: &random)!,
                                               deleteAfterDays: days, enabled: Int.random(in: 0..<6, using: &random) > 0)
                scenario.rules.append(rule)
                _ = try await database.withScope(.user(admin)) { tx in
                    try await CleanupRuleRepository(tx, tenantID: fixture.tenantID).create(rule, by: admin.userID)
                }
            }
            // The bystander tenant deletes everything it may: it must not reach this tenant.
            _ = try await database.withScope(.user(bystander.principal("admin"))) { tx in
                try await CleanupRuleRepository(tx, tenantID: bystander.tenantID).create(
                    CleanupRuleSettings(channel: nil, departmentID: nil, deleteAfterDays: 1, enabled: true),
                    by: bystander.users["admin"]!)
            }
            scenario.minimumAtRun = Bool.random(using: &random) ? scenario.minimumAtCreation : 300
            try await setMinimum(db, fixture, scenario.minimumAtRun)

            // Holds: sometimes the tenant, some customers, some conversations; some released again.
            let holds = LegalHoldRepositoryProxy(database: database, admin: admin, tenantID: fixture.tenantID)
            if Int.random(in: 0..<8, using: &random) == 0 {
                scenario.tenantHold = true
                _ = try await holds.place(.tenant)
            }
            for conversation in scenario.conversations.shuffled(using: &random).prefix(Int.random(in: 0...2, using: &random)) {
                scenario.heldCustomers.insert(conversation.customer)
                _ = try await holds.place(.customer(conversation.customer))
            }
            for conversation in scenario.conversations.shuffled(using: &random).prefix(Int.random(in: 1...6, using: &random)) {
                let hold = try await holds.place(.conversation(conversation.id))
                if Bool.random(using: &random) {
                    scenario.heldConversations.insert(conversation.id)
                } else {
                    try await holds.release(hold.id)
                    scenario.releasedConversations.insert(conversation.id)
                }
            }

            // A first worker dies after one batch of each rule it claimed; once its lease has run
            // out, a second worker runs them all to the end.
            // (A rule with nothing to delete finishes within its one batch.)
            let first = Self.retention(database, "first-\(seed)")
            var finished = 0
            for rule in try await first.queue.claim(lease: .seconds(60), limit: 20) {
                if await first.runRule(rule, stopAfterBatches: 1) != nil { finished += 1 }
            }
            clock.advance(120)
            finished += try await Self.retention(database, "second-\(seed)").runRound().count
            #expect(finished == scenario.rules.filter(\.enabled).count + 1)
            // The recycle bin's purge, on the same clock: what was binned more than 30 days ago.
            let bin = RecycleBinService(database: database, workerID: "bin-\(seed)", logger: TestDatabase.logger)
            while try await bin.runRound().claimed > 0 {}

            // Exactly the expected conversations are gone, with all their messages and keys.
            let remaining = try await ids(db, "SELECT id FROM conversations WHERE tenant_id = '\(lower(fixture.tenantID))'")
            for conversation in scenario.conversations {
                let deleted = scenario.expectDeleted(conversation)
                #expect(remaining.contains(conversation.id) == !deleted,
                        "seed \(seed): \(conversation) protected=\(scenario.protected(conversation)) expected deleted=\(deleted)")
                let messages = try await db.superuserRows("""
                    SELECT count(*)::int FROM messages WHERE tenant_id = '\(lower(fixture.tenantID))'
                      AND conversation_id = '\(lower(conversation.id))'
                    """)[0].decode(Int.self)
                #expect(messages == (deleted ? 0 : conversation.messages))
                let keys = try await db.superuserRows("""
                    SELECT count(*)::int FROM message_keys WHERE tenant_id = '\(lower(fixture.tenantID))'
                      AND external_id LIKE 'ret-\(lower(conversation.id))-%'
                    """)[0].decode(Int.self)
                #expect(keys == (deleted ? 0 : conversation.messages))
            }
            // The bystander's rule deleted its own ended conversations only.
            let bystanderRemaining = try await ids(db, "SELECT id FROM conversations WHERE tenant_id = '\(lower(bystander.tenantID))'")
            for conversation in others {
                #expect(bystanderRemaining.contains(conversation.id) == !(conversation.ended && conversation.age > 1))
            }
            // The bin holds exactly the binned conversations still there.
            let binned = try await ids(db, "SELECT conversation_id FROM recycle_bin WHERE tenant_id = '\(lower(fixture.tenantID))'")
            #expect(Set(binned) == Set(scenario.conversations.filter { $0.binnedDaysAgo != nil && remaining.contains($0.id) }.map(\.id)),
                    "seed \(seed): recycle bin entries")
            // Every run is recorded; the killed one as interrupted, the others finished with their counts.
            let deletedCount = scenario.conversations.filter { scenario.expectDeleted($0) && !scenario.purgedOnly($0) }.count
            let runs = try await db.superuserRows("""
                SELECT status, conversations_deleted FROM retention_runs WHERE tenant_id = '\(lower(fixture.tenantID))'
                """).map { try $0.decode((String, Int).self) }
            #expect(runs.filter { $0.0 == "finished" }.count == scenario.rules.filter(\.enabled).count)
            #expect(runs.allSatisfy { ["finished", "interrupted"].contains($0.0) })
            #expect(runs.reduce(0) { $0 + $1.1 } == deletedCount)
            let audited = try await db.superuserRows("""
                SELECT count(*)::int FROM audit_events WHERE tenant_id = '\(lower(fixture.tenantID))' AND action = 'retention.run'
                """)[0].decode(Int.self)
            #expect(audited == runs.count)
            let notified = try await db.superuserRows("""
                SELECT count(*)::int FROM notifications WHERE tenant_id = '\(lower(fixture.tenantID))' AND kind = 'retention.run'
                """)[0].decode(Int.self)
            #expect((notified > 0) == (deletedCount > 0))
        }
    }

    @Test("a rule for the tenant or a channel deletes old visits, not a held customer's, not young ones; a department rule none")
    func visitsByRules() async throws {
        try await TestDatabase.with { db in
            let clock = ManualClock()
            let database = db.database(clock: clock.clock)
            let fixture = try await TenantFixture.make(in: db, slug: "visits")
            let tenant = lower(fixture.tenantID)
            let now = clock.clock.now()
            let customers = try await ids(db, "SELECT id FROM customers WHERE tenant_id = '\(tenant)'").sorted { $0.uuidString < $1.uuidString }
            let (held, free) = (customers[0], customers[1])
            // Each customer: a visit 100 days ago on the web, one on wechat, and one yesterday.
            for customer in [held, free] {
                for (days, channel) in [(100.0, "web"), (100.0, "wechat"), (1.0, "web")] {
                    _ = try await db.superuserRows("""
                        INSERT INTO visits (tenant_id, id, customer_id, channel, external_id, page_url, started_at)
                        VALUES ('\(tenant)', gen_random_uuid(), '\(lower(customer))', '\(channel)', gen_random_uuid()::text,
                                'https://shop.example.com/', '\(RFC3339.format(now.addingTimeInterval(-days * Self.day)))')
                        """)
                }
            }
            let admin = fixture.principal("admin")
            _ = try await LegalHoldRepositoryProxy(database: database, admin: admin, tenantID: fixture.tenantID).place(.customer(held))
            func visits(_ customer: UUID) async throws -> Int {
                try await db.superuserRows("""
                    SELECT count(*)::int FROM visits WHERE tenant_id = '\(tenant)' AND customer_id = '\(lower(customer))'
                    """)[0].decode(Int.self)
            }
            func run(_ rule: CleanupRuleSettings) async throws -> [RetentionRunRecord] {
                _ = try await database.withScope(.user(admin)) { tx in
                    try await CleanupRuleRepository(tx, tenantID: fixture.tenantID).create(rule, by: admin.userID)
                }
                return try await Self.retention(database, "visits-\(UUID())").runRound()
            }
            // One department: no visits.
            let department = try await run(CleanupRuleSettings(channel: nil, departmentID: fixture.departments["sales"]!,
                                                               deleteAfterDays: 30, enabled: true))
            #expect(department.map(\.visitsDeleted) == [0])
            #expect(try await visits(free) == 3)
            // The web channel: the free customer's old web visit.
            let web = try await run(CleanupRuleSettings(channel: .web, departmentID: nil, deleteAfterDays: 30, enabled: true))
            #expect(web.map(\.visitsDeleted).reduce(0, +) == 1)
            #expect(try await visits(free) == 2)
            // The whole tenant: the old wechat visit too; the young one and the held customer's stay.
            clock.advance(2 * Self.day)
            let all = try await run(CleanupRuleSettings(channel: nil, departmentID: nil, deleteAfterDays: 30, enabled: true))
            #expect(all.map(\.visitsDeleted).reduce(0, +) == 1)
            #expect(try await visits(free) == 1)
            #expect(try await visits(held) == 3)
        }
    }

    @Test("a rule runs again a day later, not before; a disabled or deleted rule does not run")
    func dueOncePerDay() async throws {
        try await TestDatabase.with { db in
            let clock = ManualClock()
            let database = db.database(clock: clock.clock)
            let fixture = try await TenantFixture.make(in: db, slug: "retdue")
            let admin = fixture.principal("admin")
            let rule = try await database.withScope(.user(admin)) { tx in
                try await CleanupRuleRepository(tx, tenantID: fixture.tenantID).create(
                    CleanupRuleSettings(channel: nil, departmentID: nil, deleteAfterDays: 30, enabled: true), by: admin.userID)
            }
            let worker = Self.retention(database, "due")
            #expect(try await worker.runRound().count == 1)
            #expect(try await worker.runRound().isEmpty)
            clock.advance(Self.day - 60)
            #expect(try await worker.runRound().isEmpty)
            clock.advance(120)
            #expect(try await worker.runRound().count == 1)
            _ = try await database.withScope(.user(admin)) { tx in
                try await CleanupRuleRepository(tx, tenantID: fixture.tenantID).update(
                    rule.id, CleanupRuleSettings(channel: nil, departmentID: nil, deleteAfterDays: 30, enabled: false))
            }
            clock.advance(2 * Self.day)
            #expect(try await worker.runRound().isEmpty)
        }
    }

    @Test("a compliance minimum raised while a run is under way holds back its next batch; a rule disabled mid-run stops it")
    func changesReachARunningRule() async throws {
        try await TestDatabase.with { db in
            var random = SplitMix(seed: 99)
            let clock = ManualClock()
            let database = db.database(clock: clock.clock)
            let fixture = try await TenantFixture.make(in: db, slug: "retmid")
            let generated = try await Self.generate(db, fixture, now: clock.clock.now(), count: 40, random: &random)
            let admin = fixture.principal("admin")
            let settings = CleanupRuleSettings(channel: nil, departmentID: nil, deleteAfterDays: 30, enabled: true)
            let rule = try await database.withScope(.user(admin)) { tx in
                try await CleanupRuleRepository(tx, tenantID: fixture.tenantID).create(settings, by: admin.userID)
            }
            let queue = RetentionQueue(database: database, workerID: "mid")
            let claimed = try #require(try await queue.claim(lease: .seconds(60), limit: 1).first)
            let run = try #require(try await queue.start(claimed))
            let first = try #require(try await queue.deleteBatch(claimed, run: run, limit: 3, lease: .seconds(60)))
            #expect(first.conversations == 3)
            // The operator raises the minimum to 400 days: from the next batch on, nothing younger goes.
            try await setMinimum(db, fixture, 400)
            while let batch = try await queue.deleteBatch(claimed, run: run, limit: 3, lease: .seconds(60)), batch.conversations > 0 {}
            let remaining = try await ids(db, "SELECT id FROM conversations WHERE tenant_id = '\(lower(fixture.tenantID))'")
            let gone = generated.filter { !remaining.contains($0.id) }
            #expect(gone.filter { $0.age <= 400 }.count <= 3, "only the first batch could take younger ones")
            #expect(generated.filter { $0.ended && $0.age > 400 }.allSatisfy { !remaining.contains($0.id) })
            // Disabled by an admin: the claim no longer holds, and the run stops.
            _ = try await database.withScope(.user(admin)) { tx in
                try await CleanupRuleRepository(tx, tenantID: fixture.tenantID).update(
                    rule.id, CleanupRuleSettings(channel: nil, departmentID: nil, deleteAfterDays: 30, enabled: false))
            }
            #expect(try await queue.deleteBatch(claimed, run: run, limit: 3, lease: .seconds(60)) == nil)
            #expect(try await queue.finish(claimed, run: run, every: .seconds(86_400)) == nil)
        }
    }

    /// The operator's compliance minimum for the tenant, as `PATCH /v1/operator/tenants/{id}` sets it.
    func setMinimum(_ db: TestDatabase, _ fixture: TenantFixture, _ days: Int?) async throws {
        _ = try await db.superuserRows("""
            UPDATE tenants SET compliance_minimum_days = \(days.map(String.init) ?? "NULL") WHERE id = '\(lower(fixture.tenantID))'
            """)
    }

    func ids(_ db: TestDatabase, _ sql: String) async throws -> Set<UUID> {
        Set(try await db.superuserRows(sql).map { try $0.decode(UUID.self) })
    }
}

/// Places and releases holds as the tenant's admin would (the API's repository calls).
struct LegalHoldRepositoryProxy {
    let database: Database
    let admin: UserPrincipal
    let tenantID: UUID

    func place(_ subject: LegalHoldSubject) async throws -> LegalHoldRecord {
        try await database.withScope(.user(admin)) { tx in
            try await LegalHoldRepository(tx, tenantID: tenantID).place(subject, reason: "litigation", by: admin.userID)
        }
    }

    func release(_ id: UUID) async throws {
        _ = try await database.withScope(.user(admin)) { tx in
            try await LegalHoldRepository(tx, tenantID: tenantID).release(id, reason: "settled", by: admin.userID)
        }
    }
}

private func lower(_ id: UUID) -> String { id.uuidString.lowercased() }
