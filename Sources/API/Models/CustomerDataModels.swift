import Foundation
import Store

/// `POST /v1/admin/customers/{customerId}/erasure`.
struct ErasureRequest: Decodable, Sendable {
    /// The erasure happens only with `true`; without it the answer says what it would delete.
    let confirm: Bool?
}

/// What an erasure deleted, or would delete and what blocks it.
struct ErasureBody: Encodable {
    let customerId: UUID
    let performed: Bool
    let conversations: Int
    let messages: Int
    let visits: Int
    let notes: Int
    let identities: Int
    /// Why it may not happen now; empty when it may (a confirmed erasure with blockers is 409).
    let blockers: [String]

    init(customerId: UUID, performed: Bool, plan: ErasurePlan) {
        self.customerId = customerId
        self.performed = performed
        conversations = plan.conversations
        messages = plan.messages
        visits = plan.visits
        notes = plan.notes
        identities = plan.identities
        blockers = plan.blockers
    }
}
