import Foundation
import PostgresNIO

/// Lookups of customers by a full phone number or e-mail address by users who see
/// contact details masked. Someone who sees `138****5678` could otherwise recover the
/// hidden digits by trying all 10,000 numbers (measured: about 1.3 minutes). Each
/// lookup is audited, and the audit is the counter: past the hourly limit the user waits,
/// on every replica alike.
public struct ContactLookups: Sendable {
    let tx: Transaction
    let tenantID: UUID

    public static let action = "customers.looked_up_by_contact"
    static let window: TimeInterval = 3600

    public init(_ tx: Transaction, tenantID: UUID) {
        self.tx = tx
        self.tenantID = tenantID
    }

    /// Records one lookup by `actor` (`by`: "phone" or "email") and returns `nil`; or,
    /// past `limitPerHour`, records nothing and returns the seconds to wait.
    public func admit(actor: UUID, by: String, limitPerHour: Int) async throws -> Int? {
        let limit = AuditRateLimit(action: Self.action, limit: limitPerHour, window: Self.window)
        if let wait = try await limit.wait(for: actor, in: tx, tenantID: tenantID) { return wait }
        try await AuditLog(tx, tenantID: tenantID)
            .record(actor: actor, action: Self.action, targetType: "tenant", targetID: nil, details: ["by": by])
        return nil
    }
}
