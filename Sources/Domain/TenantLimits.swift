/// A tenant's own limits, set by its admins within the plan's ceilings (PRODUCT.md §2, §6).
/// A `nil` number means "the plan's": the tenant adds no limit of its own there.
public struct TenantLimits: Sendable, Equatable {
    /// At most this many rows per export job.
    public var exportRowCap: Int?
    /// The base roles whose users may export (a custom role goes by its base role).
    public var exportRoles: Set<UserRole>
    /// How many days back each role sees.
    public var historyDays: [UserRole: Int]

    public init(exportRowCap: Int? = nil, exportRoles: Set<UserRole> = Set(UserRole.allCases), historyDays: [UserRole: Int] = [:]) {
        self.exportRowCap = exportRowCap
        self.exportRoles = exportRoles
        self.historyDays = historyDays
    }

    /// What a tenant has before its admins set anything: the plan's limits as they are.
    public static let planDefaults = TenantLimits()

    /// Refuses a limit outside its range or above the plan's ceiling: 422 naming the limit
    /// and the ceiling. The plan may be lowered later; `effective(under:)` then yields to it.
    public func check(within plan: Plan) throws {
        if let cap = exportRowCap {
            guard (0...1_000_000).contains(cap) else {
                throw ValidationError(field: "exportRowCap", reason: "must be 0 to 1000000 rows, or null for the plan's cap")
            }
            guard cap <= plan.exportRowCap else {
                throw ValidationError(field: "exportRowCap", reason: "\(cap) rows per export is above the \(plan.code) plan's "
                                      + "ceiling of \(plan.exportRowCap) rows per export")
            }
        }
        for role in UserRole.allCases {
            guard let days = historyDays[role] else { continue }
            let field = "historyDays.\(role.rawValue)"
            guard (1...RetentionRules.maximumDays).contains(days) else {
                throw ValidationError(field: field, reason: "must be a whole number of days from 1 to \(RetentionRules.maximumDays), "
                                      + "or null for the plan's window")
            }
            if let window = plan.historyVisibleDays, days > window {
                throw ValidationError(field: field, reason: "\(days) days is above the \(plan.code) plan's ceiling: "
                                      + "its history window is \(window) days")
            }
        }
    }

    /// The row cap in force under a plan's cap: the smaller of the two.
    public func exportRowCap(underPlanCap planCap: Int) -> Int { min(planCap, exportRowCap ?? planCap) }

    /// The limits in force: the smaller of the tenant's and the plan's, each.
    public func effective(under plan: Plan) -> EffectiveLimits {
        var days: [UserRole: Int] = [:]
        for role in UserRole.allCases {
            if let window = [plan.historyVisibleDays, historyDays[role]].compactMap({ $0 }).min() { days[role] = window }
        }
        return EffectiveLimits(
            exportEnabled: plan.exportEnabled,
            exportRowCap: exportRowCap(underPlanCap: plan.exportRowCap),
            exportRoles: plan.exportEnabled ? exportRoles : [],
            historyDays: days)
    }
}

/// The limits a tenant's users meet today: plan and tenant combined.
public struct EffectiveLimits: Sendable, Equatable {
    public let exportEnabled: Bool
    public let exportRowCap: Int
    /// Empty when the plan has no exports.
    public let exportRoles: Set<UserRole>
    /// Days back each role sees; a role absent sees all history.
    public let historyDays: [UserRole: Int]
}
