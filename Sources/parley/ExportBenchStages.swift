import Domain
import Export
import Foundation
import ObjectStorage
import PostgresNIO
import Store

/// The export pipeline taken apart, for `parley bench export --profile`: the same reads
/// as `ExportJobRunner` (`ExportReader`, pages of `ExportReader.pageSize` conversations, under the admin's
/// scope), the same renderer and store, but each stage timed on its own: a page is read
/// whole into memory, then mapped to renderer rows, then rendered; the finished file is
/// uploaded last. The sum is close to a real job's time; the split says which stage to
/// work on. Nothing here changes the pipeline: it only calls it in a different rhythm.
enum ExportBenchStages {
    /// `ExportJobRunner`'s page size.
    static let pageSize = ExportReader.pageSize

    /// - Parameter settings: `name=value` PostgreSQL settings applied with `SET LOCAL` in the reading
    ///   transaction, to measure a suggested change (`max_parallel_workers_per_gather=0`) without making it.
    static func run(_ database: Database, tenant: ExportBenchTenant, format: ExportFormat, store: any ObjectStore,
                    storeName: String, folder: URL, settings: [(String, String)] = []) async throws -> ExportBenchResult {
        let file = folder.appendingPathComponent("stages-\(UUID().uuidString.lowercased()).\(format.fileExtension)")
        defer { try? FileManager.default.removeItem(at: file) }
        let startRSS = ExportBenchProcess.currentRSSKiB()
        let cpuStart = ExportBenchProcess.cpuSeconds()
        let started = ContinuousClock.now
        var times = ExportBenchStageTimes()
        let rows = try await database.withScope(.user(tenant.admin)) { tx in
            guard let user = tx.user else { throw BenchError("the admin of \(tenant.slug) is gone") }
            for (name, value) in settings {
                _ = try await tx.connection.query("SELECT set_config(\(name), \(value), true)", logger: tx.logger).collect()
            }
            let backend = try await tx.connection.query("SELECT pg_backend_pid()", logger: tx.logger).decode(Int32.self).all().first
            let backendCPU = backend.flatMap(ExportBenchProcess.cpuSeconds(pid:))
            let limits = try await ExportJobRepository(tx, tenantID: tenant.id).limits(for: tenant.admin.userID)
            let resolved = try await ConversationQuery().resolve(tx, tenantID: tenant.id)
            let zone = TimeZone(identifier: limits.timeZone) ?? .gmt
            let document = ExportDocument(
                title: "\(limits.tenantName) — conversations", tenantName: limits.tenantName, exporterName: limits.userName,
                generatedAt: tx.clock.now(), timeZone: zone, rows: .messages, includeAttachmentLinks: true,
                includeCustomerInfo: false, embedImages: false,
                watermark: format == .pdf ? "\(limits.userName) · bench" : nil)
            var clock = ContinuousClock.now
            func lap() -> Double {
                let now = ContinuousClock.now
                defer { clock = now }
                return SyntheticSeeder.seconds(since: clock)
            }
            _ = lap()
            let renderer = try ExportRenderers.make(format, document: document, destination: file, imageLoader: nil)
            times.rendering += lap()
            let mapping = ExportBenchRowMapping(unmasked: user.seesContactDetails, includeCustomerInfo: false)
            let reader = ExportReader(tx, tenantID: tenant.id)
            let userNames = try await reader.userNames()
            var messagesDone = 0
            var records: [ExportMessageRecord] = []
            var items: [ExportBenchRowMapping.Item] = []
            _ = lap()
            try await reader.openConversations(resolved.filter)
            times.conversations += lap()
            while true {
                _ = lap()
                let page = try await reader.nextConversations(
                    limit: pageSize, facts: ExportRowCount.showsConversationFacts(format: format, rowKind: .messages))
                times.conversations += lap()
                if page.isEmpty { break }
                records.removeAll(keepingCapacity: true)
                try await reader.forEachMessage(of: page.map(\.conversation), userNames: userNames) { records.append($0) }
                times.messages += lap()
                items.removeAll(keepingCapacity: true)
                mapping.items(page, records, into: &items)
                times.mapping += lap()
                for item in items {
                    switch item {
                    case .conversation(let conversation): try renderer.add(conversation)
                    case .message(let message): try renderer.add(message)
                    }
                }
                times.rendering += lap()
                messagesDone += records.count
                times.pages += 1
            }
            try renderer.finish()
            times.finishing += lap()
            if let backend, let before = backendCPU, let after = ExportBenchProcess.cpuSeconds(pid: backend) {
                times.postgresCPU = after - before
            }
            return messagesDone
        }
        let uploadStart = ContinuousClock.now
        let key = "bench/stages-\(UUID().uuidString.lowercased()).\(format.fileExtension)"
        let bytes = try await store.put(file: file, key: key, contentType: format.contentType)
        times.upload = SyntheticSeeder.seconds(since: uploadStart)
        try? await store.delete(key: key)
        return ExportBenchResult(
            kind: .stages, messages: tenant.messages, format: format.rawValue, store: storeName, rows: rows, bytes: bytes,
            seconds: SyntheticSeeder.seconds(since: started), cpuSeconds: ExportBenchProcess.cpuSeconds() - cpuStart,
            peakRSSKiB: ExportBenchProcess.peakRSSKiB(), startRSSKiB: startRSS, stages: times)
    }
}

/// Store records as renderer rows, as `Worker.ExportRowMapping` (internal to Worker)
/// makes them for a messages export, so the renderer can be timed alone.
struct ExportBenchRowMapping {
    enum Item {
        case conversation(ExportConversation)
        case message(ExportMessage)
    }

    let unmasked: Bool
    let includeCustomerInfo: Bool

    /// A page's rows in the order the runner adds them: each conversation just before
    /// its first message, conversations without messages in turn.
    func items(_ page: [ExportConversationRecord], _ records: [ExportMessageRecord], into items: inout [Item]) {
        let conversations = page.map(conversation)
        let positions = Dictionary(uniqueKeysWithValues: conversations.enumerated().map { ($1.id, $0) })
        var added = 0
        for record in records {
            guard let position = positions[record.message.conversationID] else { continue }
            while added <= position {
                items.append(.conversation(conversations[added]))
                added += 1
            }
            items.append(.message(message(record, in: conversations[position])))
        }
        while added < conversations.count {
            items.append(.conversation(conversations[added]))
            added += 1
        }
    }

    func conversation(_ record: ExportConversationRecord) -> ExportConversation {
        let c = record.conversation
        let facts = record.facts
        return ExportConversation(
            id: c.id, customerName: c.customerName ?? "", customerContact: contact(phone: facts.phone, email: facts.email),
            channel: c.channel.rawValue, agents: facts.agentNames, department: facts.departmentName, status: c.status.rawValue,
            startedAt: c.startedAt, endedAt: c.endedAt, firstResponseSeconds: facts.firstResponseSeconds,
            messageCount: c.messageCount, rating: c.satisfaction?.rawValue, tags: facts.tagNames,
            customerFields: includeCustomerInfo ? facts.attributes.map { CustomerField(name: $0.0, value: $0.1) } : [],
            customerTags: includeCustomerInfo ? facts.customerTagNames : [])
    }

    func contact(phone: String?, email: String?) -> String? {
        if let phone { return unmasked ? phone : ContactMasking.maskPhone(phone) }
        if let email { return unmasked ? email : ContactMasking.maskEmail(email) }
        return nil
    }

    func message(_ record: ExportMessageRecord, in conversation: ExportConversation) -> ExportMessage {
        let m = record.message
        let senderName: String = switch m.senderSide {
        case .customer: conversation.customerName.isEmpty
            ? (m.senderID.map { unmasked ? $0 : ContactMasking.maskIdentifier($0) } ?? "Customer") : conversation.customerName
        case .agent: record.agentName ?? m.senderID ?? "Agent"
        case .bot: "Bot"
        case .system: "System"
        }
        let customer = [conversation.customerName, conversation.customerContact ?? ""].filter { !$0.isEmpty }.joined(separator: " ")
        return ExportMessage(
            id: m.id, conversationID: m.conversationID, sentAt: m.createdAt, channel: conversation.channel,
            customer: customer, senderSide: m.senderSide.rawValue, senderName: senderName, kind: m.kind.rawValue,
            text: m.text ?? "",
            attachment: m.attachment.map {
                ExportAttachment(name: $0.name ?? "", mimeType: $0.mimeType ?? "", sizeBytes: $0.sizeBytes.map(Int64.init),
                                 url: $0.url)
            })
    }
}
