import Domain
import Foundation
import PostgresNIO

/// A tenant's own limits as stored, with the plan they sit under.
public struct TenantLimitsRecord: Sendable, Equatable {
    public let plan: Plan
    public let complianceMinimumDays: Int?
    public let limits: TenantLimits
    /// `nil` while the tenant has never set its own limits.
    public let updatedBy: UUID?
    public let updatedAt: Date?

    public var effective: EffectiveLimits { limits.effective(under: plan) }
}

/// The tenant's own limits within its plan (sql/0015): read by its admins, replaced as a whole.
public struct TenantLimitsRepository: Sendable {
    let tx: Transaction
    let tenantID: UUID

    public init(_ tx: Transaction, tenantID: UUID) {
        self.tx = tx
        self.tenantID = tenantID
    }

    public func record() async throws -> TenantLimitsRecord {
        let rows = try await tx.query("""
            WITH p AS (SELECT \(unescaped: Plan.columns) FROM plans
                       WHERE code = (SELECT plan_code FROM tenants WHERE id = \(tenantID)))
            SELECT p.*, t.compliance_minimum_days,
                   l.export_row_cap, l.export_roles,
                   l.agent_history_days, l.supervisor_history_days, l.admin_history_days, l.updated_by, l.updated_at
            FROM p
            JOIN tenants t ON t.id = \(tenantID)
            LEFT JOIN tenant_limits l ON l.tenant_id = \(tenantID)
            """)
        for try await row in rows {
            let cells = row.makeRandomAccess()
            // The tenant's columns follow the plan's.
            func cell<T: PostgresDecodable>(_ index: Int, _ type: T.Type = T.self) throws -> T {
                try cells[Plan.columnCount + index].decode(T.self, context: .default)
            }
            var history: [UserRole: Int] = [:]
            for (offset, role) in [(3, UserRole.agent), (4, .supervisor), (5, .admin)] {
                if let days: Int = try cell(offset) { history[role] = days }
            }
            // No row of its own: the plan's limits (TenantLimits.planDefaults).
            var limits = TenantLimits(exportRowCap: try cell(1), historyDays: history)
            if let roles: [String] = try cell(2) { limits.exportRoles = Set(roles.compactMap(UserRole.init(rawValue:))) }
            return TenantLimitsRecord(
                plan: try Plan(cells: cells), complianceMinimumDays: try cell(0), limits: limits,
                updatedBy: try cell(6), updatedAt: try cell(7))
        }
        throw StoreError.notFound("tenant")
    }

    /// Replaces the tenant's limits after checking them against its plan as it is now (422
    /// naming the limit and the ceiling). In force from the tenant's next request.
    public func replace(_ limits: TenantLimits, by userID: UUID) async throws -> TenantLimitsRecord {
        let current = try await record()
        try limits.check(within: current.plan)
        let now = tx.clock.now()
        // Stored in a fixed order, so the same set reads back the same.
        let roles = UserRole.allCases.filter(limits.exportRoles.contains).map(\.rawValue)
        try await tx.execute("""
            INSERT INTO tenant_limits (tenant_id, export_row_cap, export_roles, agent_history_days, supervisor_history_days,
                                       admin_history_days, updated_by, updated_at)
            VALUES (\(tenantID), \(limits.exportRowCap), \(roles), \(limits.historyDays[.agent]), \(limits.historyDays[.supervisor]),
                    \(limits.historyDays[.admin]), \(userID), \(now))
            ON CONFLICT (tenant_id) DO UPDATE SET
                export_row_cap = EXCLUDED.export_row_cap, export_roles = EXCLUDED.export_roles,
                agent_history_days = EXCLUDED.agent_history_days, supervisor_history_days = EXCLUDED.supervisor_history_days,
                admin_history_days = EXCLUDED.admin_history_days, updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at
            """)
        // What was just written, under the plan read above: no second read.
        return TenantLimitsRecord(plan: current.plan, complianceMinimumDays: current.complianceMinimumDays, limits: limits,
                                  updatedBy: userID, updatedAt: now)
    }
}
