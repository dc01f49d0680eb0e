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

/// How long a tenant's clean-up rules must and may keep conversations: the plan's bounds
/// and the operator's compliance minimum for this tenant (PRODUCT.md §2).
public struct RetentionBounds: Sendable, Equatable {
    public var planCode: String
    public var planMinimumDays: Int?
    public var planMaximumDays: Int?
    /// The operator's floor for this tenant (e.g. 1,825 days for a finance tenant).
    public var complianceMinimumDays: Int?

    public init(planCode: String, planMinimumDays: Int? = nil, planMaximumDays: Int? = nil, complianceMinimumDays: Int? = nil) {
        self.planCode = planCode
        self.planMinimumDays = planMinimumDays
        self.planMaximumDays = planMaximumDays
        self.complianceMinimumDays = complianceMinimumDays
    }

    /// The fewest days anything is kept: the higher of the two floors; `nil` when neither is set.
    public var minimumDays: Int? {
        [planMinimumDays, complianceMinimumDays].compactMap { $0 }.max()
    }
}

/// The rules on how long a tenant keeps conversations (PRODUCT.md §2).
public enum RetentionRules {
    /// The longest a rule may wait (100 years): anything longer is "keep".
    public static let maximumDays = 36_500

    /// Refuses a clean-up rule's days outside 1…100 years, below the tenant's compliance
    /// minimum or the plan's minimum, or above the plan's maximum: each 422 names both numbers.
    public static func checkDeleteAfter(days: Int, bounds: RetentionBounds, field: String = "deleteAfterDays") throws {
        guard (1...maximumDays).contains(days) else {
            throw ValidationError(field: field, reason: "must be a whole number of days from 1 to \(maximumDays)")
        }
        if let minimum = bounds.complianceMinimumDays, days < minimum {
            throw ValidationError(field: field, reason: "\(days) days is below this tenant's compliance minimum of \(minimum) days: "
                                  + "conversations must be kept at least \(minimum) days")
        }
        if let minimum = bounds.planMinimumDays, days < minimum {
            throw ValidationError(field: field, reason: "\(days) days is below the \(bounds.planCode) plan's minimum retention "
                                  + "of \(minimum) days")
        }
        if let maximum = bounds.planMaximumDays, days > maximum {
            throw ValidationError(field: field, reason: "\(days) days is above the \(bounds.planCode) plan's maximum retention "
                                  + "of \(maximum) days")
        }
    }

    /// Conversations whose later of end and last message is before this may be deleted by a
    /// rule of `days`: the rule's age or the floor (`RetentionBounds.minimumDays`), whichever
    /// reaches less far back (a floor may have been raised after the rule was set).
    public static func cutoff(now: Date, deleteAfterDays days: Int, minimumDays: Int?) -> Date {
        now.addingTimeInterval(-Double(max(days, minimumDays ?? 0)) * 86_400)
    }

    /// What an admin's deletion may reach: conversations silent since before the floor
    /// (`RetentionBounds.minimumDays`); with no floor, every conversation.
    public static func floorCutoff(now: Date, minimumDays: Int?) -> Date {
        guard let days = minimumDays else { return .distantFuture }
        return now.addingTimeInterval(-Double(days) * 86_400)
    }
}
