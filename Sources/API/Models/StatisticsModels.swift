import Foundation
import Store

struct StatisticsRangeBody: Encodable {
    let from: Date
    let to: Date
}

struct ChannelStatisticsBody: Encodable {
    let channel: String
    let conversations: Int
    let messages: Int
    let ended: Int
    let resolved: Int
    let resolutionRate: Double
    init(_ row: StatisticsRepository.ChannelRow) {
        channel = row.channel
        conversations = row.conversations
        messages = row.messages
        ended = row.ended
        resolved = row.resolved
        resolutionRate = (row.resolutionRate * 10_000).rounded() / 10_000
    }
}

struct SatisfactionBody: Encodable {
    let good: Int
    let neutral: Int
    let bad: Int
    let unrated: Int
}

struct AgentStatisticsBody: Encodable {
    let agentId: UUID
    let name: String?
    let conversations: Int
    let messages: Int
    let averageFirstResponseSeconds: Double?
    let p90FirstResponseSeconds: Double?
    let averageHandlingSeconds: Double?
    let satisfaction: SatisfactionBody
    init(_ row: StatisticsRepository.AgentRow) {
        agentId = row.agentID
        name = row.name
        conversations = row.conversations
        messages = row.messages
        averageFirstResponseSeconds = row.averageFirstResponseSeconds.map { ($0 * 10).rounded() / 10 }
        p90FirstResponseSeconds = row.p90FirstResponseSeconds.map { ($0 * 10).rounded() / 10 }
        averageHandlingSeconds = row.averageHandlingSeconds.map { ($0 * 10).rounded() / 10 }
        satisfaction = SatisfactionBody(good: row.good, neutral: row.neutral, bad: row.bad, unrated: row.unrated)
    }
}

struct DayStatisticsBody: Encodable {
    let day: String
    let conversations: Int
    let messages: Int
    let resolved: Int
    init(_ row: StatisticsRepository.DayRow) {
        day = row.day
        conversations = row.conversations
        messages = row.messages
        resolved = row.resolved
    }
}

struct StatisticsBody<Item: Encodable>: Encodable {
    let range: StatisticsRangeBody
    let items: [Item]
}
