import Domain
import Foundation
import PostgresNIO

/// Platform-operator work: tenants and plans. Runs in a `.platformOperator` scope,
/// which sees the `tenants` table and nothing else of any tenant.
public struct OperatorRepository: Sendable {
    let tx: Transaction
    public init(_ tx: Transaction) { self.tx = tx }

    public struct NewAdmin: Sendable {
        public let email: String
        public let displayName: String
        public let passwordHash: String
        public init(email: String, displayName: String, passwordHash: String) {
            self.email = email
            self.displayName = displayName
            self.passwordHash = passwordHash
        }
    }

    /// Creates a tenant on a plan, with its first admin. The admin is written after
    /// entering the new tenant's scope, so the operator context never writes tenant data itself.
    public func createTenant(slug: String, name: String, planCode: String, admin: NewAdmin) async throws -> (TenantRecord, UUID) {
        guard try await plan(code: planCode) != nil else {
            throw ValidationError(field: "plan", reason: "unknown plan '\(planCode)'")
        }
        let id = tx.ids.make()
        let now = tx.clock.now()
        do {
            try await tx.execute("""
                INSERT INTO tenants (id, slug, name, plan_code, created_at)
                VALUES (\(id), \(slug), \(name), \(planCode), \(now))
                """)
        } catch where error.isUniqueViolation {
            throw StoreError.conflict("a tenant with slug '\(slug)' already exists")
        }
        try await tx.enterTenant(id)
        let adminID = tx.ids.make()
        try await tx.execute("""
            INSERT INTO users (tenant_id, id, email, display_name, role, password_hash, created_at)
            VALUES (\(id), \(adminID), \(admin.email), \(admin.displayName), 'admin', \(admin.passwordHash), \(now))
            """)
        return (TenantRecord(id: id, slug: slug, name: name, planCode: planCode, createdAt: now, timeZone: "UTC"), adminID)
    }

    public func changePlan(tenantID: UUID, planCode: String) async throws -> TenantRecord {
        try await changeTenant(tenantID: tenantID, planCode: planCode, timeZone: nil)
    }

    /// Moves a tenant to another plan and/or time zone; `nil` keeps what it has. A plan
    /// change takes effect on the tenant's next request and deletes nothing.
    /// Changes what is given; `complianceMinimumDays: .some(nil)` removes the minimum.
    public func changeTenant(tenantID: UUID, planCode: String?, timeZone: String?,
                             complianceMinimumDays: Int?? = nil) async throws -> TenantRecord {
        if let planCode, try await plan(code: planCode) == nil {
            throw ValidationError(field: "plan", reason: "unknown plan '\(planCode)'")
        }
        if let timeZone, TimeZone(identifier: timeZone) == nil || timeZone.count > 64 {
            throw ValidationError(field: "timeZone", reason: "not an IANA time zone name (Asia/Shanghai, Europe/Berlin, UTC)")
        }
        if let minimum = complianceMinimumDays ?? nil, !(1...RetentionRules.maximumDays).contains(minimum) {
            throw ValidationError(field: "complianceMinimumDays", reason: "must be a whole number of days from 1 to \(RetentionRules.maximumDays), or null for none")
        }
        let rows = try await tx.query("""
            UPDATE tenants SET plan_code = COALESCE(\(planCode), plan_code), time_zone = COALESCE(\(timeZone), time_zone),
                               compliance_minimum_days = CASE WHEN \(complianceMinimumDays != nil) THEN \(complianceMinimumDays ?? nil)
                                                              ELSE compliance_minimum_days END
            WHERE id = \(tenantID)
            RETURNING id, slug, name, plan_code, created_at, time_zone, compliance_minimum_days
            """)
        guard let (id, slug, name, plan, created, zone, minimum) = try await rows
            .decode((UUID, String, String, String, Date, String, Int?).self).all().first else {
            throw StoreError.notFound("tenant")
        }
        // On the tenant's own record: the operator moved it (no user of the tenant did).
        var details: [String: String] = [:]
        if let planCode { details["plan"] = planCode }
        if let timeZone { details["timeZone"] = timeZone }
        if let minimum = complianceMinimumDays { details["complianceMinimumDays"] = minimum.map(String.init) ?? "none" }
        try await tx.enterTenant(tenantID)
        try await AuditLog(tx, tenantID: tenantID)
            .record(actor: nil, action: "tenant.changed_by_operator", targetType: "tenant", targetID: tenantID, details: details)
        return TenantRecord(id: id, slug: slug, name: name, planCode: plan, createdAt: created, timeZone: zone,
                            complianceMinimumDays: minimum)
    }

    public func plans() async throws -> [Plan] {
        try await Plan.decode(tx.query("SELECT \(unescaped: Plan.columns) FROM plans ORDER BY code"))
    }

    public func plan(code: String) async throws -> Plan? {
        try await plans().first { $0.code == code }
    }

    /// Replaces a plan's limits; the code and name stay. Tenants' own limits above the new
    /// ceilings stay stored but yield to the plan on their next request (sql/0015).
    public func updatePlan(_ plan: Plan) async throws -> Plan {
        let rows = try await tx.query("""
            UPDATE plans SET history_visible_days = \(plan.historyVisibleDays), export_enabled = \(plan.exportEnabled),
                   export_row_cap = \(plan.exportRowCap), custom_retention_allowed = \(plan.customRetentionAllowed),
                   minimum_retention_days = \(plan.minimumRetentionDays), maximum_retention_days = \(plan.maximumRetentionDays),
                   updated_at = now()
            WHERE code = \(plan.code)
            RETURNING \(unescaped: Plan.columns)
            """)
        guard let updated = try await Plan.decode(rows).first else { throw StoreError.notFound("plan") }
        // On the record of every tenant on the plan: their limits changed, by the operator.
        let tenants = try await tx.query("SELECT id FROM tenants WHERE plan_code = \(plan.code)").decode(UUID.self).all()
        let details: [String: String] = [
            "plan": updated.code,
            "historyVisibleDays": updated.historyVisibleDays.map(String.init) ?? "unlimited",
            "exportEnabled": String(updated.exportEnabled), "exportRowCap": String(updated.exportRowCap),
            "customRetentionAllowed": String(updated.customRetentionAllowed),
            "minimumRetentionDays": updated.minimumRetentionDays.map(String.init) ?? "none",
            "maximumRetentionDays": updated.maximumRetentionDays.map(String.init) ?? "none",
        ]
        for tenantID in tenants {
            try await tx.enterTenant(tenantID)
            try await AuditLog(tx, tenantID: tenantID)
                .record(actor: nil, action: "plan.changed_by_operator", targetType: "tenant", targetID: tenantID, details: details)
        }
        return updated
    }
}

extension Transaction {
    /// Switches this transaction into one tenant with whole-tenant scope. Used by
    /// flows that learn the tenant inside the transaction (sign-in, tenant creation).
    func enterTenant(_ tenantID: UUID) async throws {
        // A UUID's text form has only hex digits and hyphens: safe to quote.
        try await execute(PostgresQuery(unsafeSQL: "SET LOCAL app.tenant_id = '\(tenantID.uuidString.lowercased())'"))
        try await execute(PostgresQuery(unsafeSQL: "SET LOCAL app.scope = 'all'"))
    }
}
