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
    let departmentId: UUID?
    let kind: String
    let text: String?
    let attachment: AttachmentBody?

    struct CustomerBody: Decodable {
        let externalId: String
        let name: String?
        let phone: String?
        let email: String?
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

struct EndConversationRequest: Decodable {}

struct TransferRequest: Decodable {
    let toAgentId: UUID?
    let toDepartmentId: UUID?
}
