import Domain
import Foundation
import Store

/// `PUT /v1/admin/limits`: the tenant's own limits as a whole. Absent or `null` numbers
/// mean "the plan's"; absent `exportRoles` means every role.
struct TenantLimitsRequest: Decodable, Sendable {
    var exportRowCap: Int?
    var exportRoles: [String]?
    var historyDays: HistoryDaysBody?

    func limits() throws -> TenantLimits {
        var roles = Set(UserRole.allCases)
        if let names = exportRoles {
            guard names.count <= UserRole.allCases.count * 2 else {
                throw ValidationError(field: "exportRoles", reason: "name each of agent, supervisor and admin at most once")
            }
            roles = Set(try names.enumerated().map { index, name in
                try InputRules.enumeration(name, as: UserRole.self, field: "exportRoles[\(index)]")
            })
        }
        var days: [UserRole: Int] = [:]
        days[.agent] = historyDays?.agent
        days[.supervisor] = historyDays?.supervisor
        days[.admin] = historyDays?.admin
        return TenantLimits(exportRowCap: exportRowCap, exportRoles: roles, historyDays: days)
    }
}

extension TenantLimitsRequest: NullableMembers {
    /// Nested members too: the decoder matches the last part of a path.
    static let nullableMembers: Set<String> = ["exportRowCap", "exportRoles", "historyDays", "agent", "supervisor", "admin"]
}

/// Days back each role sees; `null`: the plan's window (all history on a plan without one).
struct HistoryDaysBody: Codable, Sendable {
    var agent: Int?
    var supervisor: Int?
    var admin: Int?

    init(_ days: [UserRole: Int]) {
        agent = days[.agent]
        supervisor = days[.supervisor]
        admin = days[.admin]
    }
}

/// `GET`/`PUT /v1/admin/limits`: the plan's ceilings, what the tenant set, and what is in force.
struct TenantLimitsBody: Encodable {
    let plan: PlanBody
    let complianceMinimumDays: Int?
    let limits: LimitsBody
    let effective: EffectiveBody
    let updatedBy: UUID?
    let updatedAt: Date?

    struct LimitsBody: Encodable {
        let exportRowCap: Int?
        let exportRoles: [String]
        let historyDays: HistoryDaysBody
    }

    struct EffectiveBody: Encodable {
        let exportEnabled: Bool
        let exportRowCap: Int
        let exportRoles: [String]
        let historyDays: HistoryDaysBody
    }

    init(_ record: TenantLimitsRecord) {
        plan = PlanBody(record.plan)
        complianceMinimumDays = record.complianceMinimumDays
        limits = LimitsBody(exportRowCap: record.limits.exportRowCap, exportRoles: Self.ordered(record.limits.exportRoles),
                            historyDays: HistoryDaysBody(record.limits.historyDays))
        let effective = record.effective
        self.effective = EffectiveBody(exportEnabled: effective.exportEnabled, exportRowCap: effective.exportRowCap,
                                       exportRoles: Self.ordered(effective.exportRoles),
                                       historyDays: HistoryDaysBody(effective.historyDays))
        updatedBy = record.updatedBy
        updatedAt = record.updatedAt
    }

    private static func ordered(_ roles: Set<UserRole>) -> [String] {
        UserRole.allCases.filter(roles.contains).map(\.rawValue)
    }
}
