import Domain
import Foundation
import PostgresNIO

public struct NotificationRecord: Sendable, Equatable {
    public let id: UUID
    public let kind: String
    public let title: String
    public let body: String
    public let link: String?
    public let subjectType: String?
    public let subjectID: UUID?
    public let createdAt: Date
    public let readAt: Date?
}

/// A user's workbench notifications (`sql/0011_notifications.sql`). The export worker posts
/// them in the tenant's scope (`.tenant`); the recipient lists them and marks them read in
/// their own scope, where row-level security shows nobody else's.
public struct NotificationRepository: Sendable {
    let tx: Transaction
    let tenantID: UUID

    /// The channel `post` notifies on commit and `NotificationHub` listens to; the payload is the recipient's id.
    public static let channel = "parley_notifications"

    public init(_ tx: Transaction, tenantID: UUID) {
        self.tx = tx
        self.tenantID = tenantID
    }

    /// Posts a notification to `userID` and wakes their long-polls when this transaction
    /// commits (nothing is seen or sent if it rolls back). A `body` past 4,000 characters is
    /// cut there (it may quote an error of any length, and the failure must still be told).
    /// Throws `StoreError.notFound("user")` when the tenant has no such user, `ValidationError`
    /// for a kind, title, link or subject the schema would refuse.
    public func post(to userID: UUID, kind: String, title: String, body: String, link: String?,
                     subjectType: String?, subjectID: UUID?) async throws -> UUID {
        let body = Self.fitted(body)
        try Self.check(kind: kind, title: title, body: body, link: link, subjectType: subjectType, subjectID: subjectID)
        // Clients continue strictly after the last id they saw, so one user's ids must grow
        // in commit order: two workers' ids taken from their own clocks could commit the other
        // way round, and the row behind would never be listed. Posts to one recipient wait for
        // each other until commit, and take their time from the one database clock, to the
        // microsecond, after the wait.
        try await tx.execute("SELECT pg_advisory_xact_lock(hashtext('parley.notifications.' || \(userID.uuidString.lowercased())))")
        let micros = try await tx.query("SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::int8")
            .decode(Int64.self).all().first ?? 0
        let id = Self.orderedID(microseconds: micros)
        let createdAt = Date(timeIntervalSince1970: Double(micros) / 1_000_000)
        do {
            try await tx.execute("""
                INSERT INTO notifications (tenant_id, id, user_id, kind, title, body, link, subject_type, subject_id, created_at)
                VALUES (\(tenantID), \(id), \(userID), \(kind), \(title), \(body), \(link), \(subjectType), \(subjectID), \(createdAt))
                """)
        } catch where error.isForeignKeyViolation {
            throw StoreError.notFound("user")
        }
        // An explicit call, not a trigger: on Citus a trigger would fire on the shard's worker,
        // where nobody listens. Delivered at commit, once per transaction and payload.
        try await tx.execute("SELECT pg_notify(\(Self.channel), \(userID.uuidString.lowercased()))")
        return id
    }

    /// The user's notifications with ids after `after` (all of them without it), oldest first.
    public func list(for userID: UUID, after: UUID?, limit: Int) async throws -> [NotificationRecord] {
        try await tx.connection.execute(
            ListNotificationsStatement(tenantID: tenantID, userID: userID, after: after ?? Self.beforeEveryID, limit: limit),
            logger: tx.logger
        ).reduce(into: []) { $0.append($1) }
    }

    public func unreadCount(for userID: UUID) async throws -> Int {
        try await tx.connection.execute(UnreadNotificationsStatement(tenantID: tenantID, userID: userID), logger: tx.logger)
            .reduce(0) { $0 + $1 }
    }

    /// Lower than every notification id (`orderedID` puts the time in the leading bits), so
    /// "from the start" and "after a cursor" are one statement with one index range.
    static let beforeEveryID = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))

    /// Marks read every unread notification of the user up to and including `upTo`
    /// (a cursor or an id; it need not exist). Returns how many were marked.
    @discardableResult
    public func markRead(for userID: UUID, upTo: UUID) async throws -> Int {
        try await tx.query("""
            UPDATE notifications SET read_at = \(tx.clock.now())
            WHERE tenant_id = \(tenantID) AND user_id = \(userID) AND id <= \(upTo) AND read_at IS NULL
            RETURNING id
            """).decode(UUID.self).all().count
    }

    /// Marks read those of `ids` that are the user's and unread; others (another user's,
    /// unknown, already read) are left alone. Returns how many were marked.
    @discardableResult
    public func markRead(for userID: UUID, ids: [UUID]) async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        return try await tx.query("""
            UPDATE notifications SET read_at = \(tx.clock.now())
            WHERE tenant_id = \(tenantID) AND user_id = \(userID) AND id = ANY(\(ids)) AND read_at IS NULL
            RETURNING id
            """).decode(UUID.self).all().count
    }

    static let maxBodyLength = 4000

    /// `body`, cut to `maxBodyLength` code points (the schema counts characters the same way) with an ellipsis.
    static func fitted(_ body: String) -> String {
        let scalars = body.unicodeScalars
        guard scalars.count > maxBodyLength else { return body }
        var cut = String.UnicodeScalarView(scalars.prefix(maxBodyLength - 1))
        cut.append("…")
        return String(cut)
    }

    /// The schema's rules, checked first so a worker's mistake names the value rather than a constraint.
    static func check(kind: String, title: String, body: String, link: String?, subjectType: String?, subjectID: UUID?) throws {
        func fail(_ field: String, _ reason: String) -> ValidationError { ValidationError(field: field, reason: reason) }
        guard kind.count <= 64, kind.range(of: #"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$"#, options: .regularExpression) != nil else {
            throw fail("kind", "dotted lower-case words, at most 64 characters (export.succeeded)")
        }
        guard (1...200).contains(title.unicodeScalars.count) else { throw fail("title", "1 to 200 characters") }
        guard body.unicodeScalars.count <= maxBodyLength else { throw fail("body", "at most \(maxBodyLength) characters") }
        if let link, !(1...2000).contains(link.unicodeScalars.count) { throw fail("link", "1 to 2000 characters") }
        if let subjectType, subjectType.range(of: "^[a-z][a-z0-9_]{0,31}$", options: .regularExpression) == nil {
            throw fail("subjectType", "a lower-case word of at most 32 characters (export)")
        }
        guard (subjectType == nil) == (subjectID == nil) else { throw fail("subjectId", "give subjectType and subjectId together") }
        for (field, text) in [("title", title), ("body", body), ("link", link ?? "")]
        where text.unicodeScalars.contains(where: { $0.value == 0 }) {
            throw fail(field, "must not contain NUL characters")
        }
    }

    /// A UUIDv7 whose 12 bits after the milliseconds hold the microseconds within them
    /// (RFC 9562 §6.2, method 3), so ids made under the recipient's lock sort as they were made.
    static func orderedID(microseconds: Int64) -> UUID {
        let millis = UInt64(max(0, microseconds / 1000))
        let fraction = UInt64(max(0, microseconds % 1000)) * 4096 / 1000
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255) }
        for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: millis >> (8 * UInt64(5 - i))) }
        bytes[6] = 0x70 | UInt8(fraction >> 8)   // version 7, then the fraction's high 4 bits
        bytes[7] = UInt8(truncatingIfNeeded: fraction)
        bytes[8] = (bytes[8] & 0x3F) | 0x80     // RFC 9562 variant
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}
