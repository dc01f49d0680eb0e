import Domain
import Foundation
import Hummingbird
import Store

/// `GET /v1/notifications`'s query: `after` (a cursor, which is a notification id),
/// `limit`, and `wait` (seconds to hold the request when nothing is newer).
struct NotificationListQuery: Sendable {
    let after: UUID?
    let limit: Int
    let wait: Duration

    /// The longest a request may be held: under common load balancers' idle timeouts.
    static let maxWaitSeconds = 30

    init(_ request: Request) throws {
        let query = QueryParameters(request)
        if let after = try query.string("after", maxLength: 128) {
            guard let id = UUID(uuidString: after) else {
                throw APIError.badRequest("not a cursor this API issued (the nextCursor of a previous answer)", field: "query.after")
            }
            self.after = id
        } else {
            self.after = nil
        }
        limit = try query.limit(default: 50, maximum: 200)
        if let text = try query.string("wait") {
            guard text.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }), let seconds = Int(text), (0...Self.maxWaitSeconds).contains(seconds) else {
                throw APIError.badRequest("must be a whole number of seconds from 0 to \(Self.maxWaitSeconds)", field: "query.wait")
            }
            wait = .seconds(seconds)
        } else {
            wait = .zero
        }
    }
}

/// What one poll found: the page and the unread count, read in one transaction.
struct NotificationPage: Sendable {
    let items: [NotificationRecord]
    let unreadCount: Int
}

struct NotificationBody: Encodable {
    let id: UUID
    let kind: String
    let title: String
    let body: String
    let link: String?
    let subjectType: String?
    let subjectId: UUID?
    let createdAt: Date
    let readAt: Date?

    init(_ record: NotificationRecord) {
        id = record.id
        kind = record.kind
        title = record.title
        body = record.body
        link = record.link
        subjectType = record.subjectType
        subjectId = record.subjectID
        createdAt = record.createdAt
        readAt = record.readAt
    }
}

struct NotificationPageBody: Encodable {
    let items: [NotificationBody]
    /// Where the next poll continues: the last item's id, or the `after` given when there
    /// were none (absent only when the user has no notifications and gave no cursor).
    let nextCursor: UUID?
    let unreadCount: Int

    init(_ page: NotificationPage, after: UUID?) {
        items = page.items.map(NotificationBody.init)
        nextCursor = page.items.last?.id ?? after
        unreadCount = page.unreadCount
    }
}

/// `POST /v1/notifications/read`: exactly one of `upTo` (a cursor or id: everything up to
/// it) and `ids`.
struct MarkNotificationsReadRequest: Decodable {
    let upTo: UUID?
    let ids: [UUID]?

    static let maxIDs = 200

    enum Selection: Sendable {
        case upTo(UUID)
        case ids([UUID])
    }

    /// The body, with its one-of rule checked (`400` naming the member, as for a missing one).
    static func decode(from request: Request) async throws -> Selection {
        let body = try await JSONBody.decode(Self.self, from: request, limit: 16 * 1024)
        switch (body.upTo, body.ids) {
        case (let upTo?, nil):
            return .upTo(upTo)
        case (nil, let ids?):
            guard (1...maxIDs).contains(ids.count) else {
                throw APIError.badRequest("1 to \(maxIDs) ids", field: "ids")
            }
            return .ids(ids)
        case (nil, nil):
            throw APIError.badRequest("give upTo (a cursor or id) or ids", field: "upTo")
        case (_?, _?):
            throw APIError.badRequest("give either upTo or ids, not both", field: "ids")
        }
    }
}

struct UnreadCountBody: Encodable {
    let unreadCount: Int
}
