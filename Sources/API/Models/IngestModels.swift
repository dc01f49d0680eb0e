import Foundation

struct IngestRequest: Decodable {
    let messages: [IngestMessageBody]
}

struct IngestMessageBody: Decodable {
    let conversationExternalId: String
    let messageExternalId: String
    let customer: CustomerBody
    let sentAt: Date
    let senderSide: String
    let agentId: UUID?
    /// Instead of `agentId`: the agent's sign-in e-mail (what a channel gateway knows).
    let agentEmail: String?
    let departmentId: UUID?
    let kind: String
    let text: String?
    let attachment: AttachmentBody?
    /// The customer's rating of the conversation, if the channel reports one with this message.
    let satisfaction: String?

    struct CustomerBody: Decodable {
        let externalId: String
        let name: String?
        let phone: String?
        let email: String?
        /// Facts to merge into the customer's profile.
        let attributes: [String: String]?
    }
}

struct AttachmentBody: Codable {
    let url: String
    let name: String?
    let mimeType: String?
    let sizeBytes: Int?
}

struct IngestResponse: Encodable {
    let accepted: Int
    let duplicates: Int
    let results: [Item]

    struct Item: Encodable {
        let index: Int
        let messageId: UUID
        let conversationId: UUID
        let duplicate: Bool
    }
}

struct TransferRequest: Decodable {
    let toAgentId: UUID?
    let toDepartmentId: UUID?
}
