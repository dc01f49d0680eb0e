import Foundation
import PostgresNIO

// A notification look (`GET /v1/notifications`, every woken or re-polling long-poll) is
// these two statements: prepared once per pooled connection, because when 5,000 waiters
// re-poll together their planning (0.25–0.28 ms each, against 0.07 ms of execution;
// pg_stat_statements in `scripts/bench-longpoll`) is what queues the wake-ups behind them.

/// The user's notifications after a cursor, oldest first.
struct ListNotificationsStatement: PostgresPreparedStatement {
    static let name = "parley_list_notifications_v1"
    static let sql = """
        SELECT id, kind, title, body, link, subject_type, subject_id, created_at, read_at FROM notifications
        WHERE tenant_id = $1 AND user_id = $2 AND id > $3
        ORDER BY id LIMIT $4
        """
    static let bindingDataTypes: [PostgresDataType] = [.uuid, .uuid, .uuid, .int8]
    typealias Row = NotificationRecord

    let tenantID: UUID
    let userID: UUID
    let after: UUID
    let limit: Int

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 4)
        bindings.append(tenantID)
        bindings.append(userID)
        bindings.append(after)
        bindings.append(limit)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> NotificationRecord {
        let (id, kind, title, body, link, subjectType, subjectID, createdAt, readAt) =
            try row.decode((UUID, String, String, String, String?, String?, UUID?, Date, Date?).self)
        return NotificationRecord(id: id, kind: kind, title: title, body: body, link: link, subjectType: subjectType,
                                  subjectID: subjectID, createdAt: createdAt, readAt: readAt)
    }
}

/// How many of the user's notifications are unread.
struct UnreadNotificationsStatement: PostgresPreparedStatement {
    static let name = "parley_unread_notifications_v1"
    static let sql = """
        SELECT count(*)::int8 FROM notifications
        WHERE tenant_id = $1 AND user_id = $2 AND read_at IS NULL
        """
    typealias Row = Int

    let tenantID: UUID
    let userID: UUID

    func decodeRow(_ row: PostgresRow) throws -> Int { try row.decode(Int.self) }
}

extension UnreadNotificationsStatement: TenantUserStatement {}

/// A prepared statement that binds a tenant ($1) and a user ($2), and nothing else.
protocol TenantUserStatement: PostgresPreparedStatement {
    var tenantID: UUID { get }
    var userID: UUID { get }
}

extension TenantUserStatement {
    static var bindingDataTypes: [PostgresDataType] { [.uuid, .uuid] }

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        bindings.append(tenantID)
        bindings.append(userID)
        return bindings
    }
}
