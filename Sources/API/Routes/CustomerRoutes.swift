import Domain
import Foundation
import Hummingbird
import Store

/// Customer profiles: find by name, phone or e-mail; all their conversations across channels.
struct CustomerRoutes {
    let services: Services
    init(_ services: Services) { self.services = services }

    func register(on routes: RouteRecorder) {
        routes.add(.get, "/v1/customers") { request, context in
            var context = context
            let user = try services.authenticator.user(request, context: &context)
            let query = QueryParameters(request)
            guard let term = try query.string("q", maxLength: 200)?.trimmingCharacters(in: .whitespaces), !term.isEmpty else {
                throw APIError.badRequest("give a name, phone number or e-mail to look for", field: "query.q")
            }
            let limit = try query.limit(default: 20, maximum: 100)
            let (customers, unmasked) = try await services.database.withScope(.user(user), logger: context.logger) { tx in
                (try await CustomerRepository(tx, tenantID: user.tenantID).search(term, limit: limit), tx.user?.seesContactDetails ?? false)
            }
            return try JSONBody.response(ListBody(items: customers.map { CustomerBody($0, unmasked: unmasked) }))
        }

        routes.add(.get, "/v1/customers/{customerId}") { request, context in
            var context = context
            let user = try services.authenticator.user(request, context: &context)
            let id = try request.pathID("customerId", context: context, what: "customer")
            let (customer, unmasked) = try await services.database.withScope(.user(user), logger: context.logger) { tx in
                (try await CustomerRepository(tx, tenantID: user.tenantID).customer(id), tx.user?.seesContactDetails ?? false)
            }
            return try JSONBody.response(CustomerBody(customer, unmasked: unmasked))
        }

        routes.add(.get, "/v1/customers/{customerId}/conversations") { request, context in
            var context = context
            let user = try services.authenticator.user(request, context: &context)
            let id = try request.pathID("customerId", context: context, what: "customer")
            let query = QueryParameters(request)
            let cursor = try query.cursor()
            let limit = try query.limit()
            let page = try await services.database.withScope(.user(user), logger: context.logger) { tx in
                _ = try await CustomerRepository(tx, tenantID: user.tenantID).customer(id)
                return try await ConversationRepository(tx, tenantID: user.tenantID)
                    .conversations(ofCustomer: id, after: cursor, limit: limit)
            }
            return try JSONBody.response(ListBody(items: page.items.map(ConversationBody.init), nextCursor: page.nextCursor?.encoded))
        }
    }
}
