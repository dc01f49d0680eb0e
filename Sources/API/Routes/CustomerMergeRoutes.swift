import Domain
import Foundation
import Hummingbird
import Store

/// Admins join two profiles of one person and split off an identity joined by mistake
/// (`RoleAbilities.mayMergeCustomers`; 403 otherwise). Both audited.
struct CustomerMergeRoutes {
    let services: Services
    init(_ services: Services) { self.services = services }

    static let gate = RoleGate(allows: RoleAbilities.mayMergeCustomers, refusal: "only admins merge and split customers")

    struct MergeRequest: Decodable { let customerId: UUID }
    struct SplitRequest: Decodable { let channel: String; let externalId: String }

    func register(on routes: RouteRecorder) {
        routes.add(.post, "/v1/admin/customers/{customerId}/merge") { request, context in
            var context = context
            let principal = try services.caller(request, &context, Self.gate)
            let target = try request.pathID("customerId", context: context, what: "customer")
            let body = try await JSONBody.decode(MergeRequest.self, from: request, limit: 1024)
            let merged = try await services.asUser(principal, context, Self.gate) { tx, user in
                CustomerBody(try await CustomerMergeRepository(tx, tenantID: user.tenantID).merge(body.customerId, into: target),
                             unmasked: user.seesContactDetails)
            }
            return try JSONBody.response(merged)
        }

        routes.add(.post, "/v1/admin/customers/{customerId}/split") { request, context in
            var context = context
            let principal = try services.caller(request, &context, Self.gate)
            let id = try request.pathID("customerId", context: context, what: "customer")
            let body = try await JSONBody.decode(SplitRequest.self, from: request, limit: 4 * 1024)
            let channel = try InputRules.enumeration(body.channel, as: Channel.self, field: "channel")
            let externalID = try InputRules.text(body.externalId, field: "externalId", length: 1...200)
            let created = try await services.asUser(principal, context, Self.gate) { tx, user in
                CustomerBody(try await CustomerMergeRepository(tx, tenantID: user.tenantID).split(id, channel: channel, externalID: externalID),
                             unmasked: user.seesContactDetails)
            }
            return try JSONBody.response(created, status: .created)
        }
    }
}
