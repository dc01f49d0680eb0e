import Domain
import Foundation

/// Conversation-list filters; every field optional, all combined with AND.
public struct ConversationFilter: Sendable, Equatable, Codable {
    /// Conversations started at or after this instant.
    public var from: Date?
    /// Conversations started before this instant.
    public var to: Date?
    public var channel: Domain.Channel?
    public var agentID: UUID?
    public var departmentID: UUID?
    public var status: ConversationStatus?
    /// Only these customers' conversations (resolved from phone, e-mail or name filters); `nil` for any.
    public var customerIDs: [UUID]?
    /// Only these conversations (resolved from a keyword); `nil` for any.
    public var conversationIDs: [UUID]?
    /// Conversations carrying all of these tags.
    public var tagIDs: [UUID]?
    /// `good`, `neutral`, `bad`, or `none` for unrated.
    public var satisfaction: String?
    public var hasAttachment: Bool?
    /// Only conversations this user starred.
    public var starredBy: UUID?

    public init(from: Date? = nil, to: Date? = nil, channel: Domain.Channel? = nil, agentID: UUID? = nil,
                departmentID: UUID? = nil, status: ConversationStatus? = nil) {
        self.from = from
        self.to = to
        self.channel = channel
        self.agentID = agentID
        self.departmentID = departmentID
        self.status = status
    }
}
