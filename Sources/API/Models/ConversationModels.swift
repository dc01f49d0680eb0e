import Domain
import Foundation
import Store

struct ConversationBody: Encodable {
    let id: UUID
    let channel: String
    let externalId: String
    let status: String
    let customer: CustomerRef
    let departmentId: UUID?
    let agent: AgentRef?
    let participantIds: [UUID]
    let satisfaction: String?
    let startedAt: Date
    let endedAt: Date?
    let lastMessageAt: Date
    let messageCount: Int
    let tagIds: [UUID]
    let attachmentCount: Int
    /// Whether the caller starred it.
    let starred: Bool

    struct CustomerRef: Encodable { let id: UUID; let name: String? }
    struct AgentRef: Encodable { let id: UUID; let name: String? }

    init(_ record: ConversationRecord) {
        id = record.id
        channel = record.channel.rawValue
        externalId = record.externalID
        status = record.status.rawValue
        customer = CustomerRef(id: record.customerID, name: record.customerName)
        departmentId = record.departmentID
        agent = record.agentID.map { AgentRef(id: $0, name: record.agentName) }
        participantIds = record.participantIDs
        satisfaction = record.satisfaction?.rawValue
        startedAt = record.startedAt
        endedAt = record.endedAt
        lastMessageAt = record.lastMessageAt
        messageCount = record.messageCount
        tagIds = record.tagIDs
        attachmentCount = record.attachmentCount
        starred = record.starred
    }
}

struct MessageBody: Encodable {
    let id: UUID
    let conversationId: UUID
    let sentAt: Date
    let kind: String
    let senderSide: String
    let senderId: String?
    let text: String?
    let attachment: AttachmentBody?
    let externalId: String

    /// - Parameter unmasked: whether the caller sees contact details in full; a customer's
    ///   `senderId` is the channel's id for them, often their e-mail address or phone.
    init(_ record: MessageRecord, unmasked: Bool) {
        id = record.id
        conversationId = record.conversationID
        sentAt = record.createdAt
        kind = record.kind.rawValue
        senderSide = record.senderSide.rawValue
        senderId = unmasked || record.senderSide != .customer ? record.senderID : record.senderID.map(ContactMasking.maskIdentifier)
        text = record.text
        attachment = record.attachment.map {
            AttachmentBody(url: $0.url, name: $0.name, mimeType: $0.mimeType, sizeBytes: $0.sizeBytes)
        }
        externalId = record.externalID
    }
}

struct CustomerBody: Encodable {
    let id: UUID
    let name: String?
    /// Masked (138****1234) unless the caller may see contact details in full.
    let phone: String?
    let email: String?
    let identities: [Identity]
    let tagIds: [UUID]
    let attributes: [String: String]
    /// Only on the profile (`GET /v1/customers/{id}`).
    var notes: [NoteBody]?
    let createdAt: Date

    /// A channel's identity and what it said about the customer, masked like the profile.
    struct Identity: Encodable {
        let channel: String
        let externalId: String
        let name: String?
        let phone: String?
        let email: String?
    }

    init(_ record: CustomerRecord, unmasked: Bool, notes: [NoteRecord]? = nil) {
        id = record.id
        name = record.name
        phone = unmasked ? record.phone : record.phone.map(ContactMasking.maskPhone)
        email = unmasked ? record.email : record.email.map(ContactMasking.maskEmail)
        // A channel's id for the customer is often a contact detail itself (an e-mail
        // channel's address, a phone number): masked like the phone and e-mail fields.
        identities = record.identities.map { identity in
            Identity(channel: identity.channel.rawValue,
                     externalId: unmasked ? identity.externalID : ContactMasking.maskIdentifier(identity.externalID),
                     name: identity.name,
                     phone: unmasked ? identity.phone : identity.phone.map(ContactMasking.maskPhone),
                     email: unmasked ? identity.email : identity.email.map(ContactMasking.maskEmail))
        }
        tagIds = record.tagIDs
        attributes = CustomerAttributes.decode(record.attributesJSON)
        self.notes = notes?.map(NoteBody.init)
        createdAt = record.createdAt
    }
}

/// `GET /v1/conversations`: a page, and the resolution steps that met their bound (absent when exact).
struct ConversationListBody: Encodable {
    let items: [ConversationBody]
    let nextCursor: String?
    let capped: [CappedBody]?
}

struct CappedBody: Encodable {
    let step: String
    let bound: Int
    let detail: String

    init(_ step: CappedStep) {
        self.step = step.step.rawValue
        bound = step.bound
        detail = step.explanation
    }
}
