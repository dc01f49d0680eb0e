import Domain
import Foundation
import Hummingbird
import Store

/// Customer attributes are a flat map of short strings (what integrations report:
/// membership level, order count, intent). Stored as a JSON object.
enum CustomerAttributes {
    static let maxCount = 50

    static func decode(_ json: String) -> [String: String] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else { return [:] }
        return object.mapValues { value in (value as? String) ?? "\(value)" }
    }

    static func validate(_ attributes: [String: String], field: String) throws -> String {
        guard attributes.count <= maxCount else { throw ValidationError(field: field, reason: "at most \(maxCount) attributes") }
        for (key, value) in attributes {
            guard (1...64).contains(key.unicodeScalars.count), value.unicodeScalars.count <= 500 else {
                throw ValidationError(field: "\(field).\(key)", reason: "keys are 1 to 64 characters, values at most 500")
            }
        }
        let data = try JSONSerialization.data(withJSONObject: attributes, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}

struct TagBody: Encodable {
    let id: UUID
    let name: String
    let color: String?
    let createdAt: Date
    init(_ record: TagRecord) {
        id = record.id
        name = record.name
        color = record.color
        createdAt = record.createdAt
    }
}

struct CreateTagRequest: Decodable {
    let name: String
    let color: String?
}

struct SetTagsRequest: Decodable {
    let tagIds: [UUID]

    static let maxTags = 20

    /// The body of a "replace the tags" request, with its size rule checked.
    static func decode(from request: Request) async throws -> [UUID] {
        let body = try await JSONBody.decode(SetTagsRequest.self, from: request, limit: 16 * 1024)
        guard body.tagIds.count <= maxTags else { throw ValidationError(field: "tagIds", reason: "at most \(maxTags) tags") }
        return body.tagIds
    }
}

struct RatingRequest: Decodable {
    /// `good`, `neutral`, `bad`, or null to clear.
    let satisfaction: String?
}

struct NoteRequest: Decodable {
    let text: String

    /// The text of a "write a note" request, with its length rule checked.
    static func text(from request: Request) async throws -> String {
        try InputRules.text(try await JSONBody.decode(NoteRequest.self, from: request, limit: 64 * 1024).text,
                            field: "text", length: 1...10_000)
    }
}

struct NoteBody: Encodable {
    let id: UUID
    let text: String
    let locked: Bool
    let createdBy: UUID
    let createdAt: Date
    let updatedBy: UUID
    let updatedAt: Date
    init(_ record: NoteRecord) {
        id = record.id
        text = record.text
        locked = record.locked
        createdBy = record.createdBy
        createdAt = record.createdAt
        updatedBy = record.updatedBy
        updatedAt = record.updatedAt
    }
}

struct NoteRevisionBody: Encodable {
    let action: String
    let text: String
    let actorId: UUID
    let at: Date
    init(_ record: NoteRevisionRecord) {
        action = record.action
        text = record.text
        actorId = record.actorID
        at = record.at
    }
}

struct AttachmentItemBody: Encodable {
    let messageId: UUID
    let conversationId: UUID
    let kind: String
    let sentAt: Date
    let url: String
    let name: String?
    let mimeType: String?
    let sizeBytes: Int?
    init(_ record: AttachmentRecord) {
        messageId = record.messageID
        conversationId = record.conversationID
        kind = record.kind.rawValue
        sentAt = record.sentAt
        url = record.attachment.url
        name = record.attachment.name
        mimeType = record.attachment.mimeType
        sizeBytes = record.attachment.sizeBytes
    }
}

/// A timeline entry: `type` says which of `conversation` or `visit` is present.
struct TimelineEntryBody: Encodable {
    let type: String
    let at: Date
    var conversation: ConversationBody?
    var visit: VisitBody?

    init(_ entry: TimelineEntry) {
        at = entry.time
        switch entry {
        case .conversation(let record):
            type = "conversation"
            conversation = ConversationBody(record)
        case .visit(let record):
            type = "visit"
            visit = VisitBody(record)
        }
    }
}

struct VisitBody: Encodable {
    let id: UUID
    let channel: String
    let pageUrl: String
    let pageTitle: String?
    let referrer: String?
    let entrySource: String?
    let device: String?
    let startedAt: Date
    let dwellSeconds: Int?
    init(_ record: VisitRecord) {
        id = record.id
        channel = record.channel.rawValue
        pageUrl = record.pageURL
        pageTitle = record.pageTitle
        referrer = record.referrer
        entrySource = record.entrySource
        device = record.device
        startedAt = record.startedAt
        dwellSeconds = record.dwellSeconds
    }
}

struct IngestVisitsRequest: Decodable {
    let visits: [IngestVisitBody]
}

struct IngestVisitBody: Decodable {
    let visitExternalId: String
    let customer: IngestMessageBody.CustomerBody
    let pageUrl: String
    let pageTitle: String?
    let referrer: String?
    let entrySource: String?
    let device: String?
    let startedAt: Date
    let dwellSeconds: Int?
}

struct IngestVisitsResponse: Encodable {
    let accepted: Int
    let duplicates: Int
}

extension RatingRequest: NullableMembers {
    /// `null` clears the rating.
    static let nullableMembers: Set<String> = ["satisfaction"]
}
