import Domain
import Foundation
import PostgresNIO

/// A tenant's automatic clean-up rule (`sql/0013_retention.sql`): delete its conversations,
/// or one channel's and/or one department's, ended more than `deleteAfterDays` ago.
public struct CleanupRuleRecord: Sendable, Equatable {
    public let id: UUID
    public let channel: Domain.Channel?
    public let departmentID: UUID?
    public let deleteAfterDays: Int
    public let enabled: Bool
    public let createdBy: UUID?
    public let createdAt: Date
    public let updatedAt: Date
    public let nextRunAt: Date
    public let tenantID: UUID

    static let columns = "tenant_id, id, channel, department_id, delete_after_days, enabled, created_by, created_at, updated_at, next_run_at"

    static func decode(_ rows: PostgresRowSequence) async throws -> [CleanupRuleRecord] {
        var rules: [CleanupRuleRecord] = []
        for try await (tenantID, id, channel, department, days, enabled, createdBy, createdAt, updatedAt, nextRunAt)
            in rows.decode((UUID, UUID, String?, UUID?, Int, Bool, UUID?, Date, Date, Date).self) {
            rules.append(CleanupRuleRecord(id: id, channel: channel.flatMap(Domain.Channel.init(rawValue:)), departmentID: department,
                                           deleteAfterDays: days, enabled: enabled, createdBy: createdBy, createdAt: createdAt,
                                           updatedAt: updatedAt, nextRunAt: nextRunAt, tenantID: tenantID))
        }
        return rules
    }
}

/// What a clean-up rule says, as a tenant admin sets it.
public struct CleanupRuleSettings: Sendable, Equatable {
    public var channel: Domain.Channel?
    public var departmentID: UUID?
    public var deleteAfterDays: Int
    public var enabled: Bool

    public init(channel: Domain.Channel?, departmentID: UUID?, deleteAfterDays: Int, enabled: Bool) {
        self.channel = channel
        self.departmentID = departmentID
        self.deleteAfterDays = deleteAfterDays
        self.enabled = enabled
    }
}

/// The retention facts of a tenant that rules are checked against.
public struct RetentionLimits: Sendable, Equatable {
    public let planCode: String
    /// Whether the plan lets the tenant set clean-up rules (enterprise and above).
    public let customRetentionAllowed: Bool
    /// The plan's bounds and the operator's floor for this tenant.
    public let bounds: RetentionBounds

    public var complianceMinimumDays: Int? { bounds.complianceMinimumDays }
}

/// Clean-up rules in the tenant's scope: listed, created, changed and deleted by its admins.
public struct CleanupRuleRepository: Sendable {
    let tx: Transaction
    let tenantID: UUID

    public init(_ tx: Transaction, tenantID: UUID) {
        self.tx = tx
        self.tenantID = tenantID
    }

    public func limits() async throws -> RetentionLimits {
        let rows = try await tx.query("""
            SELECT p.code, p.custom_retention_allowed, p.minimum_retention_days, p.maximum_retention_days, t.compliance_minimum_days
            FROM tenants t JOIN plans p ON p.code = t.plan_code WHERE t.id = \(tenantID)
            """)
        for try await (code, allowed, planMinimum, planMaximum, compliance) in rows.decode((String, Bool, Int?, Int?, Int?).self) {
            return RetentionLimits(planCode: code, customRetentionAllowed: allowed,
                                   bounds: RetentionBounds(planCode: code, planMinimumDays: planMinimum, planMaximumDays: planMaximum,
                                                           complianceMinimumDays: compliance))
        }
        throw StoreError.notFound("tenant")
    }

    public func list() async throws -> [CleanupRuleRecord] {
        try await CleanupRuleRecord.decode(tx.query("""
            SELECT \(unescaped: CleanupRuleRecord.columns) FROM cleanup_rules WHERE tenant_id = \(tenantID) ORDER BY created_at, id
            """))
    }

    public func rule(_ id: UUID) async throws -> CleanupRuleRecord {
        let rows = try await tx.query("""
            SELECT \(unescaped: CleanupRuleRecord.columns) FROM cleanup_rules WHERE tenant_id = \(tenantID) AND id = \(id)
            """)
        guard let rule = try await CleanupRuleRecord.decode(rows).first else { throw StoreError.notFound("clean-up rule") }
        return rule
    }

    /// A new rule, first run at once (the worker's next round).
    public func create(_ settings: CleanupRuleSettings, by userID: UUID) async throws -> CleanupRuleRecord {
        try await requireDepartment(settings.departmentID)
        let now = tx.clock.now()
        let rows = try await tx.query("""
            INSERT INTO cleanup_rules (tenant_id, id, channel, department_id, delete_after_days, enabled, created_by,
                                       created_at, updated_at, next_run_at)
            VALUES (\(tenantID), \(tx.ids.make()), \(settings.channel?.rawValue), \(settings.departmentID),
                    \(settings.deleteAfterDays), \(settings.enabled), \(userID), \(now), \(now), \(now))
            RETURNING \(unescaped: CleanupRuleRecord.columns)
            """)
        return try await CleanupRuleRecord.decode(rows)[0]
    }

    /// Replaces a rule's settings; it runs again at the worker's next round.
    public func update(_ id: UUID, _ settings: CleanupRuleSettings) async throws -> CleanupRuleRecord {
        try await requireDepartment(settings.departmentID)
        let now = tx.clock.now()
        let rows = try await tx.query("""
            UPDATE cleanup_rules
            SET channel = \(settings.channel?.rawValue), department_id = \(settings.departmentID),
                delete_after_days = \(settings.deleteAfterDays), enabled = \(settings.enabled), updated_at = \(now),
                next_run_at = \(now)
            WHERE tenant_id = \(tenantID) AND id = \(id)
            RETURNING \(unescaped: CleanupRuleRecord.columns)
            """)
        guard let rule = try await CleanupRuleRecord.decode(rows).first else { throw StoreError.notFound("clean-up rule") }
        return rule
    }

    public func delete(_ id: UUID) async throws {
        let rows = try await tx.query("DELETE FROM cleanup_rules WHERE tenant_id = \(tenantID) AND id = \(id) RETURNING id")
        guard try await rows.decode(UUID.self).all().count == 1 else { throw StoreError.notFound("clean-up rule") }
    }

    /// The rule's department must be the tenant's (another tenant's id reads as missing).
    public func requireDepartment(_ id: UUID?) async throws {
        guard let id else { return }
        let found = try await tx.query("SELECT 1 FROM departments WHERE tenant_id = \(tenantID) AND id = \(id)")
            .decode(Int.self).all()
        guard !found.isEmpty else { throw StoreError.notFound("department") }
    }
}
