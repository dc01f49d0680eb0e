import Domain
import Foundation
import Hummingbird
import Store

/// The signed-in user's own notifications (export finished or failed, …): polled with a
/// cursor, optionally held open until one arrives (`wait`), and marked read.
struct NotificationRoutes {
    let services: Services
    init(_ services: Services) { self.services = services }

    func register(on routes: RouteRecorder) {
        routes.add(.get, "/v1/notifications") { request, context in
            var context = context
            let principal = try services.authenticator.user(request, context: &context)
            let query = try NotificationListQuery(request)
            // Each look is its own short transaction; the wait between looks holds no connection.
            let page = try await services.notifications.watch(for: principal.userID, timeout: query.hold,
                                                              until: { !$0.items.isEmpty }) { [context] in
                try await services.asUser(principal, context) { tx, user in
                    let notifications = NotificationRepository(tx, tenantID: user.tenantID)
                    return NotificationPage(items: try await notifications.list(for: user.userID, after: query.after, limit: query.limit),
                                            unreadCount: try await notifications.unreadCount(for: user.userID))
                }
            }
            return try JSONBody.response(NotificationPageBody(page, after: query.after))
        }

        routes.add(.post, "/v1/notifications/read") { request, context in
            var context = context
            let principal = try services.authenticator.user(request, context: &context)
            let selection = try await MarkNotificationsReadRequest.decode(from: request)
            let unread = try await services.asUser(principal, context) { tx, user in
                let notifications = NotificationRepository(tx, tenantID: user.tenantID)
                switch selection {
                case .upTo(let upTo): try await notifications.markRead(for: user.userID, upTo: upTo)
                case .ids(let ids): try await notifications.markRead(for: user.userID, ids: ids)
                }
                return try await notifications.unreadCount(for: user.userID)
            }
            return try JSONBody.response(UnreadCountBody(unreadCount: unread))
        }
    }
}
