import Domain
import Foundation
import Hummingbird
import Search
import Store

/// Keyword search over message text, Chinese and English, combined with every
/// conversation filter (PRODUCT.md §4).
struct SearchRoutes {
    let services: Services
    init(_ services: Services) { self.services = services }

    /// Totals are counted exactly up to this many matches, then reported as "at least".
    static let totalBound = 1_000

    func register(on routes: RouteRecorder) {
        routes.add(.get, "/v1/search/messages") { request, context in
            var context = context
            let user = try services.authenticator.user(request, context: &context)
            let list = try ListQuery(request, now: services.now, keywordRequired: true)
            let query = list.keyword!
            let parameters = QueryParameters(request)
            let cursor = try parameters.cursor()
            let limit = try parameters.limit(default: 20, maximum: 100)
            let response = try await services.asUser(user, context) { tx, user in
                let filter = try await list.resolvedFilter(tx, user: user, services: services).filter
                let search = SearchRepository(tx, tenantID: user.tenantID)
                let page = try await search.search(query, filter: filter, after: cursor, limit: limit)
                // A first page that is not full already is the whole result: count it, do not search again.
                let total: (count: Int, exact: Bool)? = switch (cursor, page.nextCursor) {
                case (.some, _): nil
                case (nil, nil): (page.items.count, true)
                case (nil, .some): try await search.count(query, filter: filter, bound: Self.totalBound)
                }
                // Who searched, and when; not what for (the keyword may itself be personal data).
                // Every page, since each shows message text (a hand-made cursor's too).
                try await AuditLog(tx, tenantID: user.tenantID)
                    .record(actor: user.userID, action: "messages.searched", targetType: "tenant", targetID: nil)
                let unmasked = user.seesContactDetails
                return SearchResponse(
                    items: page.items.map { MessageHitBody($0, query: query, unmasked: unmasked) },
                    nextCursor: page.nextCursor?.encoded,
                    total: total.map { SearchResponse.Total(count: $0.count, exact: $0.exact) })
            }
            return try JSONBody.response(response)
        }
    }
}
