import Domain
import Foundation

/// Who a transaction runs for. Each case becomes the `SET LOCAL app.*` settings the
/// row-level security policies in `sql/` read; see `TenantScope`.
public enum RequestScope: Sendable {
    /// A signed-in user: tenant, user, and the departments they may see.
    case user(UserPrincipal)
    /// A channel integration: writes into one tenant, sees all of it.
    case integration(IntegrationPrincipal)
    /// Trusted service work inside one tenant (token refresh, seeding, API-key checks).
    case tenant(UUID)
    /// Sign-in, before the tenant is known: only the tenant with this slug is visible.
    case signIn(tenantSlug: String)
    /// The platform operator: tenants and plans, never a tenant's data.
    case platformOperator
    /// A background worker claiming jobs: sees the job queues of every tenant (export
    /// jobs, schedules) and no tenant's data; a job's rows are read in its requester's scope.
    case worker
    /// Nobody in particular: no tenant's rows at all, only tables that belong to no
    /// tenant (the sign-in throttle per client address).
    case anonymous
}

/// What a user's scope resolved to inside the transaction; handlers read it to decide
/// what to show (masking) and the policies read its `SET LOCAL` twin to decide which rows exist.
public struct ResolvedUser: Sendable {
    public let principal: UserPrincipal
    /// The role as stored now (a token may be older than a demotion).
    public let role: UserRole
    public let permissions: Set<Permission>
    /// Departments visible through supervision or a custom role, sub-departments included.
    public let departmentIDs: [UUID]
    public let visibleSince: Date?

    public var tenantID: UUID { principal.tenantID }
    public var userID: UUID { principal.userID }
    public var seesWholeTenant: Bool { RoleAbilities.seesWholeTenant(role) }
    public var seesContactDetails: Bool { RoleAbilities.seesContactDetails(role, permissions: permissions) }
    public var mayChangeRatings: Bool { RoleAbilities.mayChangeRatings(role) }
    public var mayLockNotes: Bool { RoleAbilities.mayLockNotes(role) }
    public var managesEveryonesExports: Bool { RoleAbilities.managesEveryonesExports(role) }
    /// As stored now, not as the token says (the token may predate a demotion).
    public var mayAdminister: Bool { RoleAbilities.mayAdminister(role) }
}
