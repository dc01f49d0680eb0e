import Domain
import Foundation
import Hummingbird
import Store

/// A customer's data on request (GDPR/PIPL-style, PRODUCT.md §6), admins only: exported as
/// one JSON document through the export jobs, or erased.
///
/// The export is an export job (`json`): the customer's profile, identities, tags, notes
/// with their revisions and visits, then every conversation of theirs with its messages, as
/// the admin sees them. A legal obligation, so the plan's export rules (trial, row cap, who
/// exports) do not apply to it.
///
/// The erasure is asked
/// twice like a batch delete: without `confirm: true` the answer says what would be deleted
/// and what blocks it; with it, everything is deleted in one transaction — or, when a legal
/// hold or the tenant's floor protects any of it, nothing is and the answer is 409 naming
/// what blocks it. The audit event `customer.erased` (ids and counts, no personal data) is
/// what remains.
struct CustomerDataRoutes {
    let services: Services
    init(_ services: Services) { self.services = services }

    static let exportGate = RoleGate(allows: RoleAbilities.mayExportCustomerData, refusal: "only admins export a customer's data")
    static let erasureGate = RoleGate(allows: RoleAbilities.mayEraseCustomers, refusal: "only admins erase customers")

    func register(on routes: RouteRecorder) {
        routes.add(.post, "/v1/admin/customers/{customerId}/data-export") { request, context in
            var context = context
            let principal = try services.caller(request, &context, Self.exportGate)
            let id = try request.pathID("customerId", context: context, what: "customer")
            let job = try await services.asUser(principal, context, Self.exportGate) { tx, user in
                _ = try await CustomerRepository(tx, tenantID: user.tenantID).customer(id)
                let job = try await Self.queueDataExport(of: id, tx, user: user)
                try await AuditLog(tx, tenantID: user.tenantID).record(
                    actor: user.userID, action: "customer.data_exported", targetType: "customer", targetID: id,
                    details: ["exportId": job.id.uuidString.lowercased()])
                return job
            }
            var response = try JSONBody.response(ExportJobBody(job), status: .accepted)
            response.headers[.location] = "/v1/exports/\(job.id.uuidString.lowercased())"
            return response
        }

        routes.add(.post, "/v1/admin/customers/{customerId}/erasure") { request, context in
            var context = context
            let principal = try services.caller(request, &context, Self.erasureGate)
            let id = try request.pathID("customerId", context: context, what: "customer")
            let body = try await JSONBody.decode(ErasureRequest.self, from: request, limit: 4 * 1024)
            // The admin's own scope decides whether the customer is theirs to name (404 otherwise).
            let floorDays = try await services.asUser(principal, context, Self.erasureGate) { tx, user in
                _ = try await CustomerRepository(tx, tenantID: user.tenantID).customer(id)
                return try await CleanupRuleRepository(tx, tenantID: user.tenantID).limits().bounds.minimumDays
            }
            // The erasure itself sees the whole tenant: no history window hides a row from it.
            let plan = try await services.database.withScope(.tenant(principal.tenantID), logger: context.logger) { tx in
                let erasure = CustomerErasureRepository(tx, tenantID: principal.tenantID)
                guard body.confirm == true else { return try await erasure.plan(id, floorDays: floorDays) }
                let plan = try await erasure.erase(id, floorDays: floorDays)
                try await AuditLog(tx, tenantID: principal.tenantID).record(
                    actor: principal.userID, action: "customer.erased", targetType: "customer", targetID: id,
                    details: ["conversations": "\(plan.conversations)", "messages": "\(plan.messages)", "visits": "\(plan.visits)",
                              "notes": "\(plan.notes)", "identities": "\(plan.identities)"])
                return plan
            }
            return try JSONBody.response(ErasureBody(customerId: id, performed: body.confirm == true, plan: plan))
        }
    }

    /// The export job of everything about one customer: their conversations (as the admin
    /// sees them) after their own record, in one JSON file.
    private static func queueDataExport(of customerID: UUID, _ tx: Transaction, user: ResolvedUser) async throws -> ExportJobRecord {
        let jobs = ExportJobRepository(tx, tenantID: user.tenantID)
        let limits = try await jobs.limits(for: user.userID)
        var filter = ConversationFilter()
        filter.customerIDs = [customerID]
        // Conversations in the recycle bin are still held about the customer: counted and exported too.
        try await RecycleBinRepository(tx, tenantID: user.tenantID).openBin()
        let counted = try await ExportReader(tx, tenantID: user.tenantID).count(filter)
        let id = tx.ids.make()
        let now = tx.clock.now()
        let zone = TimeZone(identifier: limits.timeZone) ?? .gmt
        let fileName = try ExportFileName.make(pattern: "{tenant}-customer-data-{date}-{id}", values: ExportFileName.values(
            id: id, now: now, zone: zone, tenant: limits.tenantSlug, user: limits.userName, rows: counted.messages,
            format: ExportFormat.json.rawValue, from: nil, to: nil), fileExtension: ExportFormat.json.fileExtension)
        let options = ExportOptions(
            includeAttachmentLinks: true, includeCustomerInfo: false, embedImages: false, watermark: nil,
            title: "\(limits.tenantName) — a customer's data", tenantName: limits.tenantName, exporterName: limits.userName,
            timeZone: zone.identifier, customerID: customerID)
        return try await jobs.create(NewExportJob(
            id: id, requestedBy: user.userID, format: .json, rowKind: .messages, selection: ConversationQuery(filter: filter),
            options: options, fileName: fileName, rowsTotal: counted.messages))
    }
}
