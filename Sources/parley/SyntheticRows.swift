import Domain
import Foundation
import Search
import Store

/// A tenant of the benchmark data set once its organisation and customers are written:
/// what generating its conversations needs.
struct SyntheticTenantContext: Sendable {
    struct Agent: Sendable {
        let id: UUID
        let name: String
    }

    let plan: SyntheticTenants.Plan
    let tenantID: UUID
    let departmentIDs: [SyntheticTenants.Department: UUID]
    /// Agent k (1-based) is `agents[k - 1]`.
    let agents: [Agent]
    let agentsByDepartment: [SyntheticTenants.Department: [Int]]
    let customers: [SyntheticCustomer]
}

/// One unit of seeding work: `messages` messages of one tenant, written in one transaction.
struct SyntheticChunk: Sendable {
    let tenant: Int
    let number: Int
    let messages: Int
}

/// Conversation and message rows of a chunk as column arrays, bound as whole arrays and
/// unnested by PostgreSQL (`SyntheticWriter`). Nullable text columns carry "" for NULL:
/// the generator never produces an empty text, sender or attachment, so "" is unambiguous.
struct SyntheticRows {
    var conversationIDs: [UUID] = []
    var conversationChannels: [String] = []
    var conversationExternalIDs: [String] = []
    var customerIDs: [UUID] = []
    var conversationDepartmentIDs: [UUID] = []
    var agentIDs: [String] = []
    var conversationParticipants: [String] = []
    var statuses: [String] = []
    var startedAt: [Date] = []
    var endedAt: [Date] = []
    var lastMessageAt: [Date] = []
    var messageCounts: [Int32] = []
    var attachmentCounts: [Int32] = []
    var satisfactions: [String] = []

    var messageIDs: [UUID] = []
    var createdAt: [Date] = []
    var messageConversationIDs: [UUID] = []
    var channels: [String] = []
    var kinds: [String] = []
    var senderSides: [String] = []
    var senderIDs: [String] = []
    var bodies: [String] = []
    var attachments: [String] = []
    var externalIDs: [String] = []
    var departmentIDs: [UUID] = []
    var participants: [String] = []
    var searchVectors: [String] = []

    var messageCount: Int { messageIDs.count }
}

enum SyntheticRowGenerator {
    /// Local hours (UTC+8) weighted by how busy customer service is: quiet at night,
    /// peaks mid-morning and in the evening.
    static let hourTable: [Double] = {
        let weights: [Double] = [1, 0.5, 0.3, 0.2, 0.2, 0.3, 0.8, 2, 4, 7, 9, 9, 8, 8, 9, 9, 8, 7, 7, 8, 9, 8, 5, 2]
        let total = weights.reduce(0, +)
        var running = 0.0
        return weights.map { running += $0; return running / total }
    }()
    static let chinaOffset: TimeInterval = 8 * 3600
    /// Conversations that ended more than this long ago are closed; newer ones are still ongoing.
    static let ongoingWindow: TimeInterval = 86_400

    /// The chunk's rows: conversations of 3–20 messages adding up to exactly `chunk.messages`,
    /// started within the last `months` months, before `now` minus two hours.
    static func rows(for chunk: SyntheticChunk, of tenant: SyntheticTenantContext, seed: UInt64,
                     months: Int, now: Date) -> SyntheticRows {
        var random = SeededRandom(seed: seed &* 0x9E37_79B9 ^ UInt64(tenant.plan.number) << 32 ^ UInt64(chunk.number))
        var rows = SyntheticRows()
        rows.messageIDs.reserveCapacity(chunk.messages)
        let encoder = JSONEncoder()
        let days = max(1, Int(Double(months) * 30.44) - 1)
        let today = ((now.timeIntervalSince1970 + chinaOffset) / 86_400).rounded(.down) * 86_400 - chinaOffset
        var remaining = chunk.messages
        var index = 0
        while remaining > 0 {
            // Short conversations are the most common; a few run to twenty messages.
            var length = 3 + Int(18 * pow(random.unit(), 2))
            if remaining <= 20 { length = remaining } else if remaining - length < 3 { length = remaining - 3 }
            remaining -= length

            // Recent months are a little busier than older ones.
            let dayAge = Int(Double(days) * pow(random.unit(), 1.25))
            let roll = random.unit()
            let hour = hourTable.firstIndex { $0 > roll } ?? 12
            var start = today - Double(dayAge) * 86_400 + Double(hour * 3600 + random.next(below: 3600))
            if start > now.timeIntervalSince1970 - 7_200 { start -= 86_400 }
            conversation(number: index, in: chunk, of: tenant, length: length, start: Date(timeIntervalSince1970: start),
                         now: now, encoder: encoder, random: &random, into: &rows)
            index += 1
        }
        return rows
    }

    private static func conversation(number: Int, in chunk: SyntheticChunk, of tenant: SyntheticTenantContext, length: Int,
                                     start: Date, now: Date, encoder: JSONEncoder, random: inout SeededRandom,
                                     into rows: inout SyntheticRows) {
        let scenario = SyntheticCorpus.scenario(&random)
        let language = SyntheticCorpus.language(&random)
        let department = SyntheticTenants.department(for: scenario, in: tenant.plan.departments)
        let pool = tenant.agentsByDepartment[department] ?? [0]
        let agent = tenant.agents[random.pick(pool)]
        // Some conversations never reach a person; some are handed to a colleague.
        let botOnly = random.chance(0.05)
        var second: SyntheticTenantContext.Agent?
        if !botOnly, length >= 8, tenant.agents.count > 1, random.chance(0.08) {
            let others = (pool.count > 1 ? pool : Array(tenant.agents.indices)).filter { tenant.agents[$0].id != agent.id }
            second = tenant.agents[random.pick(others)]
        }
        // A few loyal customers come back often; most write once or twice.
        let customer = tenant.customers[min(tenant.customers.count - 1, Int(Double(tenant.customers.count) * pow(random.unit(), 2)))]
        let identity = random.pick(customer.identities)
        let cast = SyntheticCorpus.Cast(brand: tenant.plan.brand, agentName: agent.name, secondAgentName: second?.name,
                                        customerPhone: customer.phone)
        var lines = SyntheticCorpus.conversation(scenario, language: language, length: length, cast: cast, random: &random)
        if botOnly {
            for index in lines.indices where lines[index].side == .agent { lines[index].side = .bot }
        }

        // Participants in order of first message, as ingestion records them; the first
        // agent to write is the conversation's agent.
        var participants: [UUID] = []
        for line in lines where line.side == .agent {
            let id = line.secondAgent ? second!.id : agent.id
            if !participants.contains(id) { participants.append(id) }
        }
        let participantLiteral = "{" + participants.map { $0.uuidString.lowercased() }.joined(separator: ",") + "}"
        let conversationID = IDGenerator.uuidV7(at: start)
        let externalID = "c\(tenant.plan.number)-\(chunk.number)-\(number)"
        let departmentID = tenant.departmentIDs[department]!

        var time = start
        for (offset, line) in lines.enumerated() {
            // Milliseconds too, as clients send them: ties between messages stay rare.
            let millisecond = Double(random.next(below: 1_000)) / 1_000
            if offset > 0 {
                switch line.side {
                case .bot, .system: time += Double(1 + random.next(below: 5)) + millisecond
                case .agent: time += Double(15 + random.next(below: 105)) + millisecond
                case .customer: time += Double(10 + random.next(below: 140)) + millisecond
                }
            }
            rows.messageIDs.append(IDGenerator.uuidV7(at: time))
            rows.createdAt.append(time)
            rows.messageConversationIDs.append(conversationID)
            rows.channels.append(identity.channel.rawValue)
            rows.kinds.append(line.kind.rawValue)
            rows.senderSides.append(line.side.rawValue)
            switch line.side {
            case .agent: rows.senderIDs.append((line.secondAgent ? second!.id : agent.id).uuidString.lowercased())
            case .customer: rows.senderIDs.append(identity.externalID)
            case .bot, .system: rows.senderIDs.append("")
            }
            rows.bodies.append(line.text ?? "")
            rows.attachments.append(line.attachment.flatMap { try? String(decoding: encoder.encode($0), as: UTF8.self) } ?? "")
            rows.externalIDs.append("\(externalID)-\(offset + 1)")
            rows.departmentIDs.append(departmentID)
            rows.participants.append(participantLiteral)
            // Exactly what ingestion stores: the tokenizer's literal, "" (empty) when there is no text.
            rows.searchVectors.append(SearchVector.literal(for: line.text ?? ""))
        }

        let ended = time < now.addingTimeInterval(-ongoingWindow)
        // Some channels report the customer's rating at the end (ingestion keeps the latest):
        // about a third of closed conversations are rated, mostly well.
        // Both draws are made whether or not the conversation has ended, so the random
        // stream (and every later text) does not depend on the hour the seed runs.
        let (rated, mood) = (random.unit(), random.unit())
        let rating: Satisfaction? = ended && rated < 0.35 ? (mood < 0.7 ? .good : mood < 0.9 ? .neutral : .bad) : nil
        rows.conversationIDs.append(conversationID)
        rows.conversationChannels.append(identity.channel.rawValue)
        rows.conversationExternalIDs.append(externalID)
        rows.customerIDs.append(customer.id)
        rows.conversationDepartmentIDs.append(departmentID)
        rows.agentIDs.append(participants.first?.uuidString.lowercased() ?? "")
        rows.conversationParticipants.append(participantLiteral)
        rows.statuses.append(ended ? ConversationStatus.ended.rawValue : ConversationStatus.ongoing.rawValue)
        rows.startedAt.append(start)
        rows.endedAt.append(time.addingTimeInterval(120))
        rows.lastMessageAt.append(time)
        rows.messageCounts.append(Int32(lines.count))
        rows.attachmentCounts.append(Int32(lines.filter { $0.attachment != nil }.count))
        rows.satisfactions.append(rating?.rawValue ?? "")
    }
}
