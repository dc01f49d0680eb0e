import Foundation

/// What a legal hold keeps: the whole tenant, one customer (all their conversations), or
/// one conversation. Nothing a hold keeps is deleted — not by a clean-up rule, nor by anyone.
public enum LegalHoldSubject: Sendable, Equatable {
    case tenant
    case customer(UUID)
    case conversation(UUID)

    public var typeName: String {
        switch self {
        case .tenant: "tenant"
        case .customer: "customer"
        case .conversation: "conversation"
        }
    }

    public var id: UUID? {
        switch self {
        case .tenant: nil
        case .customer(let id), .conversation(let id): id
        }
    }

    public init?(typeName: String, id: UUID?) {
        switch (typeName, id) {
        case ("tenant", nil): self = .tenant
        case ("customer", let id?): self = .customer(id)
        case ("conversation", let id?): self = .conversation(id)
        default: return nil
        }
    }
}

/// The rules on how long a tenant keeps conversations (PRODUCT.md §2).
public enum RetentionRules {
    /// The longest a rule may wait (100 years): anything longer is "keep".
    public static let maximumDays = 36_500

    /// Refuses a clean-up rule's days below the tenant's compliance minimum, or outside 1…100 years.
    public static func checkDeleteAfter(days: Int, complianceMinimumDays: Int?, field: String = "deleteAfterDays") throws {
        guard (1...maximumDays).contains(days) else {
            throw ValidationError(field: field, reason: "must be a whole number of days from 1 to \(maximumDays)")
        }
        if let minimum = complianceMinimumDays, days < minimum {
            throw ValidationError(field: field, reason: "\(days) days is below this tenant's compliance minimum of \(minimum) days: "
                                  + "conversations must be kept at least \(minimum) days")
        }
    }

    /// Conversations whose later of end and last message is before this may be deleted by a
    /// rule of `days`: the rule's age or the compliance minimum, whichever reaches less far
    /// back (the minimum may have been raised after the rule was set).
    public static func cutoff(now: Date, deleteAfterDays days: Int, complianceMinimumDays: Int?) -> Date {
        now.addingTimeInterval(-Double(max(days, complianceMinimumDays ?? 0)) * 86_400)
    }
}
