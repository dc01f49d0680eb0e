import Domain
import Foundation
import Logging
import Store

/// An admin's final delete of chosen conversations (one, or a batch's): planned in the
/// admin's transaction (what the floor and holds leave deletable), then deleted in the
/// tenant's scope, a bounded batch per transaction, each under the retention lock as the
/// retention job's batches are (`RetentionRepository`, the one place conversations are deleted).
struct FinalDeletion: Sendable {
    let target: RetentionTarget
    /// What would be deleted now, and how many held conversations stay.
    let preview: RetentionCount

    /// Conversations per deleting transaction: what the retention job deletes at a time.
    static let batchSize = 200

    static func plan(_ ids: [UUID], _ tx: Transaction, tenantID: UUID) async throws -> FinalDeletion {
        let limits = try await CleanupRuleRepository(tx, tenantID: tenantID).limits()
        let target = RetentionTarget(cutoff: RetentionRules.floorCutoff(now: tx.clock.now(), minimumDays: limits.bounds.minimumDays),
                                     conversationIDs: ids)
        return FinalDeletion(target: target, preview: try await RetentionRepository(tx, tenantID: tenantID).preview(target))
    }

    /// Deletes what the plan reaches (re-checked batch by batch), until nothing deletable is left.
    func run(_ services: Services, tenantID: UUID, logger: Logger) async throws -> RetentionCount {
        var total = RetentionCount()
        while true {
            let batch = try await services.database.withScope(.tenant(tenantID), logger: logger) { tx in
                try await RetentionRepository(tx, tenantID: tenantID).deleteBatch(target, limit: Self.batchSize)
            }
            guard batch.conversations > 0 else { return total }
            total.conversations += batch.conversations
            total.messages += batch.messages
        }
    }
}
