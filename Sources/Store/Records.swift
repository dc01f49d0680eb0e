import Domain
import Foundation

// Rows as the store returns them. The API layer turns them into response bodies
// (masking contact details where the caller may not see them).

public struct TenantRecord: Sendable, Equatable {
    public let id: UUID
    public let slug: String
    public let name: String
    public let planCode: String
    public let createdAt: Date
    /// IANA zone in which export files and schedules show and count time.
    public let timeZone: String
    /// The operator's floor for clean-up, in days (`nil`: none).
    public var complianceMinimumDays: Int? = nil
}

public struct DepartmentRecord: Sendable, Equatable {
    public let id: UUID
    public let parentID: UUID?
    public let name: String
    public let createdAt: Date
}

public struct UserRecord: Sendable, Equatable {
    public let id: UUID
    public let email: String
    public let displayName: String
    public let role: UserRole
    public let customRoleID: UUID?
    public let departmentIDs: [UUID]
    public let disabled: Bool
    public let createdAt: Date
}

public struct CustomRoleRecord: Sendable, Equatable {
    public let id: UUID
    public let name: String
    public let permissions: [Permission]
    public let departmentIDs: [UUID]
    public let createdAt: Date
}

public struct APIKeyRecord: Sendable, Equatable {
    public let id: UUID
    public let name: String
    public let channel: Domain.Channel
    public let revoked: Bool
    public let createdAt: Date
}

public struct CustomerRecord: Sendable, Equatable {
    public let id: UUID
    public let name: String?
    public let phone: String?
    public let email: String?
    public let createdAt: Date
    public let identities: [Identity]
    public let tagIDs: [UUID]
    /// Free-form facts from integrations, as a JSON object.
    public let attributesJSON: String

    public struct Identity: Sendable, Equatable {
        public let channel: Domain.Channel
        public let externalID: String
        /// What this identity said about the customer (it may differ from the profile).
        public var name: String? = nil
        public var phone: String? = nil
        public var email: String? = nil
    }
}

public struct ConversationRecord: Sendable, Equatable {
    public let id: UUID
    public let channel: Domain.Channel
    public let externalID: String
    public let status: ConversationStatus
    public let customerID: UUID
    public let customerName: String?
    public let departmentID: UUID?
    public let agentID: UUID?
    public let agentName: String?
    public let participantIDs: [UUID]
    public let satisfaction: Satisfaction?
    public let startedAt: Date
    public let endedAt: Date?
    public let lastMessageAt: Date
    public let messageCount: Int
    public let tagIDs: [UUID]
    public let attachmentCount: Int
    /// Whether the caller starred it (stars are personal).
    public let starred: Bool
}

public struct MessageRecord: Sendable, Equatable {
    public let id: UUID
    public let conversationID: UUID
    public let createdAt: Date
    public let kind: MessageKind
    public let senderSide: SenderSide
    public let senderID: String?
    public let text: String?
    public let attachment: Attachment?
    public let externalID: String
}

/// Metadata of a file, image or voice message; the bytes live at `url`.
public struct Attachment: Sendable, Equatable, Codable {
    public let url: String
    public let name: String?
    public let mimeType: String?
    public let sizeBytes: Int?

    public init(url: String, name: String?, mimeType: String?, sizeBytes: Int?) {
        self.url = url
        self.name = name
        self.mimeType = mimeType
        self.sizeBytes = sizeBytes
    }
}

/// A page of a keyset-paginated list.
public struct Page<Item: Sendable>: Sendable {
    public let items: [Item]
    public let nextCursor: KeysetCursor?
}

extension ConversationRecord {
    /// The same conversation after a transfer to `departmentID` / `agentID`.
    func moved(departmentID: UUID?, agentID: UUID?, agentName: String?, participantIDs: [UUID]) -> ConversationRecord {
        ConversationRecord(
            id: id, channel: channel, externalID: externalID, status: status, customerID: customerID, customerName: customerName,
            departmentID: departmentID, agentID: agentID, agentName: agentName, participantIDs: participantIDs,
            satisfaction: satisfaction, startedAt: startedAt, endedAt: endedAt, lastMessageAt: lastMessageAt,
            messageCount: messageCount, tagIDs: tagIDs, attachmentCount: attachmentCount, starred: starred)
    }
}
