import Domain
import Foundation
import Logging
import PostgresNIO

/// Sets the `app.*` settings that the row-level security policies read.
///
/// `SET LOCAL`, not `set_config()`: on Citus only `SET LOCAL` reaches the worker
/// nodes (ARCHITECTURE.md). SET cannot take bind parameters, so every value is quoted
/// into the statement — and only values whose type guarantees a harmless spelling:
/// UUIDs, fixed enum words, ISO-8601 timestamps and slugs checked against
/// `TenantSlug.isValid` before they get here.
enum TenantScope {
    static func apply(_ scope: RequestScope, on connection: PostgresConnection, now: Date, logger: Logger) async throws -> ResolvedUser? {
        switch scope {
        case .platformOperator:
            try await set("app.operator", "on", on: connection, logger: logger)
            return nil
        case .anonymous:
            return nil
        case .worker:
            try await set("app.worker", "on", on: connection, logger: logger)
            return nil
        case .signIn(let slug):
            precondition(TenantSlug.isValid(slug), "sign-in slug must be validated before scoping")
            try await set("app.login_slug", slug, on: connection, logger: logger)
            return nil
        case .tenant(let tenantID):
            // Without a user, binned conversations are visible too (sql/0025): whole-tenant jobs
            // (retention, erasure, the bin's purge) reach them.
            try await setTenant(tenantID, scopeAll: true, on: connection, logger: logger)
            return nil
        case .integration(let integration):
            // Ingestion finds a binned conversation and bins its new messages (sql/0025: no user, the bin is seen).
            try await setTenant(integration.tenantID, scopeAll: true, on: connection, logger: logger)
            return nil
        case .user(let principal):
            try await set("app.tenant_id", principal.tenantID.uuidString.lowercased(), on: connection, logger: logger)
            try await set("app.user_id", principal.userID.uuidString.lowercased(), on: connection, logger: logger)
            let resolved = try await resolve(principal, on: connection, now: now, logger: logger)
            // As stored now, for the policies that let only admins write the organisation (sql/0023).
            try await set("app.role", resolved.role.rawValue, on: connection, logger: logger)
            try await set("app.scope", resolved.seesWholeTenant ? "all" : "limited", on: connection, logger: logger)
            if !resolved.departmentIDs.isEmpty {
                let list = resolved.departmentIDs.map { $0.uuidString.lowercased() }.joined(separator: ",")
                try await set("app.department_ids", list, on: connection, logger: logger)
            }
            if let since = resolved.visibleSince {
                try await set("app.visible_since", RFC3339.format(since), on: connection, logger: logger)
            }
            return resolved
        }
    }

    private static func setTenant(_ tenantID: UUID, scopeAll: Bool, on connection: PostgresConnection, logger: Logger) async throws {
        try await set("app.tenant_id", tenantID.uuidString.lowercased(), on: connection, logger: logger)
        if scopeAll { try await set("app.scope", "all", on: connection, logger: logger) }
    }

    /// Reads the user's current role, custom role and departments, and their history window
    /// (the plan's or their role's in the tenant's own limits, whichever is shorter), in one
    /// round trip. Sub-departments come from `departments.path` (ids root → self).
    private static func resolve(_ principal: UserPrincipal, on connection: PostgresConnection, now: Date, logger: Logger) async throws -> ResolvedUser {
        let rows = try await connection.execute(ResolveUserStatement(tenantID: principal.tenantID, userID: principal.userID),
                                                logger: logger)
        for try await (role, disabled, visibleDays, permissions, departments) in rows {
            guard !disabled, let role = UserRole(rawValue: role) else { throw StoreError.principalGone }
            return ResolvedUser(
                principal: principal,
                role: role,
                permissions: Set(permissions.compactMap(Permission.init(rawValue:))),
                departmentIDs: departments,
                visibleSince: visibleDays.map { now.addingTimeInterval(-Double($0) * 86_400) })
        }
        throw StoreError.principalGone
    }

    private static func set(_ name: StaticString, _ value: String, on connection: PostgresConnection, logger: Logger) async throws {
        // Safe to quote: callers pass only UUIDs, enum words, timestamps and validated
        // slugs; a quote character cannot occur in any of them, and we refuse it anyway.
        precondition(!value.contains("'") && !value.contains("\\"), "unsafe value for SET LOCAL")
        _ = try await connection.query(PostgresQuery(unsafeSQL: "SET LOCAL \(name) = '\(value)'"), logger: logger).collect()
    }
}

/// Tenant slugs: lower-case letters, digits and hyphens, 2–63 characters (the same rule as the schema's CHECK).
public enum TenantSlug {
    public static func isValid(_ slug: String) -> Bool {
        let scalars = slug.unicodeScalars
        guard (2...63).contains(scalars.count), let first = scalars.first else { return false }
        func allowed(_ s: Unicode.Scalar) -> Bool { ("a"..."z").contains(s) || ("0"..."9").contains(s) }
        return allowed(first) && scalars.allSatisfy { allowed($0) || $0 == "-" }
    }
}

/// The user behind a request, as `TenantScope.resolve` reads it: once per authenticated
/// request, so prepared once per pooled connection. Planned anew each time it cost 1.17 ms
/// of planning for 0.17 ms of execution (pg_stat_statements in `scripts/bench-longpoll`),
/// which is most of what a notification look costs the database. Every subquery names the
/// tenant (one shard on Citus).
struct ResolveUserStatement: PostgresPreparedStatement {
    static let name = "parley_resolve_user_v2"
    // LEAST ignores NULLs: no window in either place is no window at all.
    static let sql = """
        WITH me AS (
            SELECT u.role, u.disabled,
                   LEAST(p.history_visible_days,
                         CASE u.role WHEN 'agent' THEN l.agent_history_days
                                     WHEN 'supervisor' THEN l.supervisor_history_days
                                     ELSE l.admin_history_days END) AS history_visible_days,
                   COALESCE(r.permissions, '{}') AS permissions,
                   COALESCE(r.department_ids, '{}')
                     || CASE WHEN u.role = 'supervisor'
                             THEN ARRAY(SELECT ud.department_id FROM user_departments ud
                                        WHERE ud.tenant_id = $1 AND ud.user_id = u.id)
                             ELSE '{}'::uuid[] END AS roots
            FROM users u
            JOIN tenants t ON t.id = $1
            JOIN plans p ON p.code = t.plan_code
            LEFT JOIN tenant_limits l ON l.tenant_id = $1
            LEFT JOIN roles r ON r.tenant_id = $1 AND r.id = u.custom_role_id
            WHERE u.tenant_id = $1 AND u.id = $2
        )
        SELECT me.role, me.disabled, me.history_visible_days, me.permissions,
               ARRAY(SELECT d.id FROM departments d
                     WHERE d.tenant_id = $1 AND d.path && me.roots) AS scope
        FROM me
        """
    typealias Row = (String, Bool, Int?, [String], [UUID])

    let tenantID: UUID
    let userID: UUID

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

extension ResolveUserStatement: TenantUserStatement {}
