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
    /// How long a request that finds nothing newer is held: `wait`, less a random part of up
    /// to half of it. Clients that started together (reconnecting after a deploy) would
    /// otherwise time out and re-poll together every `wait` seconds, and a notification posted
    /// in that wave waited behind all their looks (5,000 waiters: wake-up p99 7.3 s, against
    /// 20 ms while they wait). Spread over the last quarter, the re-polls still came faster
    /// (667/s) than one process looked (about 500/s here): p99 125 ms in the wave, 1.5 s
    /// just before it; over the second half they come at 333/s (`scripts/bench-longpoll`).
    let hold: Duration

    /// The longest a request may be held: under common load balancers' idle timeouts.
    static let maxWaitSeconds = 30

    /// `wait` less a random part of up to half of it, to the millisecond.
    static func spread(_ wait: Duration) -> Duration {
        let milliseconds = Int(wait.components.seconds) * 1_000
        return .milliseconds(milliseconds - Int.random(in: 0...(milliseconds / 2)))
    }

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
        hold = Self.spread(wait)
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
