import Domain
import Foundation
import PostgresNIO

/// A tenant's organisation: departments, users, custom roles and API keys.
/// Only admins reach these methods (checked by the API layer before scoping).
public struct DirectoryRepository: Sendable {
    let tx: Transaction
    let tenantID: UUID
    public init(_ tx: Transaction, tenantID: UUID) {
        self.tx = tx
        self.tenantID = tenantID
    }

    // MARK: Departments

    public func departments() async throws -> [DepartmentRecord] {
        let rows = try await tx.query("""
            SELECT id, parent_id, name, created_at FROM departments
            WHERE tenant_id = \(tenantID) ORDER BY path
            """)
        return try await rows.decode((UUID, UUID?, String, Date).self).all().map(DepartmentRecord.init)
    }

    public func createDepartment(name: String, parentID: UUID?) async throws -> DepartmentRecord {
        var path: [UUID] = []
        if let parentID {
            let rows = try await tx.query("SELECT path FROM departments WHERE tenant_id = \(tenantID) AND id = \(parentID)")
            guard let parentPath = try await rows.decode([UUID].self).all().first else {
                throw ValidationError(field: "parentId", reason: "no such department")
            }
            path = parentPath
        }
        let id = tx.ids.make()
        let now = tx.clock.now()
        path.append(id)
        try await tx.execute("""
            INSERT INTO departments (tenant_id, id, parent_id, name, path, created_at)
            VALUES (\(tenantID), \(id), \(parentID), \(name), \(path), \(now))
            """)
        try await audit("department.created", "department", id, ["name": name])
        return DepartmentRecord(id: id, parentID: parentID, name: name, createdAt: now)
    }

    // MARK: Users

    public func users() async throws -> [UserRecord] {
        try await users(matching: nil)
    }

    /// Users by sign-in e-mail (lower-case, as stored), for integrations that name agents so.
    public func userIDs(byEmail emails: [String]) async throws -> [String: UUID] {
        let rows = try await tx.query("""
            SELECT email, id FROM users WHERE tenant_id = \(tenantID) AND email = ANY(\(emails)) AND NOT disabled
            """).decode((String, UUID).self).all()
        return Dictionary(rows, uniquingKeysWith: { first, _ in first })
    }

    public func user(_ id: UUID) async throws -> UserRecord {
        guard let user = try await users(matching: id).first else { throw StoreError.notFound("user") }
        return user
    }

    private func users(matching id: UUID?) async throws -> [UserRecord] {
        let rows = try await tx.query("""
            SELECT u.id, u.email, u.display_name, u.role, u.custom_role_id,
                   ARRAY(SELECT ud.department_id FROM user_departments ud
                         WHERE ud.tenant_id = \(tenantID) AND ud.user_id = u.id ORDER BY ud.department_id),
                   u.disabled, u.created_at
            FROM users u
            WHERE u.tenant_id = \(tenantID) AND (\(id)::uuid IS NULL OR u.id = \(id))
            ORDER BY u.email
            """)
        var users: [UserRecord] = []
        for try await row in rows.decode((UUID, String, String, String, UUID?, [UUID], Bool, Date).self) {
            users.append(UserRecord(id: row.0, email: row.1, displayName: row.2, role: UserRole(rawValue: row.3) ?? .agent,
                                    customRoleID: row.4, departmentIDs: row.5, disabled: row.6, createdAt: row.7))
        }
        return users
    }

    public struct NewUser: Sendable {
        public let email: String
        public let displayName: String
        public let role: UserRole
        public let passwordHash: String
        public let departmentIDs: [UUID]
        public let customRoleID: UUID?
        public init(email: String, displayName: String, role: UserRole, passwordHash: String, departmentIDs: [UUID], customRoleID: UUID?) {
            self.email = email
            self.displayName = displayName
            self.role = role
            self.passwordHash = passwordHash
            self.departmentIDs = departmentIDs
            self.customRoleID = customRoleID
        }
    }

    public func createUser(_ new: NewUser) async throws -> UserRecord {
        try await requireDepartments(new.departmentIDs)
        if let roleID = new.customRoleID { try await requireCustomRole(roleID) }
        let id = tx.ids.make()
        do {
            try await tx.execute("""
                INSERT INTO users (tenant_id, id, email, display_name, role, custom_role_id, password_hash, created_at)
                VALUES (\(tenantID), \(id), \(new.email), \(new.displayName), \(new.role.rawValue), \(new.customRoleID),
                        \(new.passwordHash), \(tx.clock.now()))
                """)
        } catch where error.isUniqueViolation {
            throw StoreError.conflict("a user with e-mail '\(new.email)' already exists")
        }
        try await setDepartments(of: id, to: new.departmentIDs)
        try await audit("user.created", "user", id, ["role": new.role.rawValue])
        return try await user(id)
    }

    public struct UserChanges: Sendable {
        public var displayName: String?
        public var role: UserRole?
        public var departmentIDs: [UUID]?
        /// `.some(nil)` removes the custom role.
        public var customRoleID: UUID??
        public var disabled: Bool?
        public var passwordHash: String?
        public init() {}
    }

    public func updateUser(_ id: UUID, _ changes: UserChanges) async throws -> UserRecord {
        _ = try await user(id)
        if let departments = changes.departmentIDs { try await requireDepartments(departments) }
        if case .some(.some(let roleID)) = changes.customRoleID { try await requireCustomRole(roleID) }
        let clearRole = changes.customRoleID.map { $0 == nil } ?? false
        let newRoleID = changes.customRoleID ?? nil
        try await tx.execute("""
            UPDATE users SET
                display_name = COALESCE(\(changes.displayName), display_name),
                role = COALESCE(\(changes.role?.rawValue), role),
                custom_role_id = CASE WHEN \(clearRole) THEN NULL ELSE COALESCE(\(newRoleID), custom_role_id) END,
                disabled = COALESCE(\(changes.disabled), disabled),
                password_hash = COALESCE(\(changes.passwordHash), password_hash),
                failed_logins = CASE WHEN \(changes.passwordHash)::text IS NULL THEN failed_logins ELSE 0 END,
                locked_until = CASE WHEN \(changes.passwordHash)::text IS NULL THEN locked_until END
            WHERE tenant_id = \(tenantID) AND id = \(id)
            """)
        if let departments = changes.departmentIDs { try await setDepartments(of: id, to: departments) }
        // A new password, a disabled account or a changed role ends the user's sessions:
        // a refresh token obtained before must not outlive the change.
        if changes.passwordHash != nil || changes.disabled == true || changes.role != nil {
            try await tx.execute("""
                UPDATE refresh_tokens SET revoked_at = \(tx.clock.now())
                WHERE tenant_id = \(tenantID) AND user_id = \(id) AND revoked_at IS NULL
                """)
        }
        try await audit("user.changed", "user", id, changes.auditDetails)
        return try await user(id)
    }

    private func setDepartments(of userID: UUID, to departmentIDs: [UUID]) async throws {
        try await tx.execute("DELETE FROM user_departments WHERE tenant_id = \(tenantID) AND user_id = \(userID)")
        // One VALUES row per department, not INSERT … SELECT FROM unnest: Citus runs that
        // through the coordinator as COPY, which row-level security refuses (CITUS.md).
        // A user has a handful of departments.
        var seen: Set<UUID> = []
        for departmentID in departmentIDs where seen.insert(departmentID).inserted {
            try await tx.execute("""
                INSERT INTO user_departments (tenant_id, user_id, department_id) VALUES (\(tenantID), \(userID), \(departmentID))
                """)
        }
    }

    func requireDepartmentsExist(_ ids: [UUID]) async throws { try await requireDepartments(ids) }

    private func requireDepartments(_ ids: [UUID]) async throws {
        guard !ids.isEmpty else { return }
        let rows = try await tx.query("""
            SELECT count(*)::int FROM departments WHERE tenant_id = \(tenantID) AND id = ANY(\(Array(Set(ids))))
            """)
        let found = try await rows.decode(Int.self).all().first ?? 0
        guard found == Set(ids).count else { throw ValidationError(field: "departmentIds", reason: "no such department") }
    }

    private func requireCustomRole(_ id: UUID) async throws {
        let rows = try await tx.query("SELECT 1 FROM roles WHERE tenant_id = \(tenantID) AND id = \(id)")
        guard try await rows.decode(Int.self).all().first != nil else {
            throw ValidationError(field: "customRoleId", reason: "no such role")
        }
    }

    // MARK: Custom roles

    public func customRoles() async throws -> [CustomRoleRecord] {
        let rows = try await tx.query("""
            SELECT id, name, permissions, department_ids, created_at FROM roles WHERE tenant_id = \(tenantID) ORDER BY name
            """)
        var roles: [CustomRoleRecord] = []
        for try await row in rows.decode((UUID, String, [String], [UUID], Date).self) {
            roles.append(CustomRoleRecord(id: row.0, name: row.1, permissions: row.2.compactMap(Permission.init(rawValue:)),
                                          departmentIDs: row.3, createdAt: row.4))
        }
        return roles
    }

    public func createCustomRole(name: String, permissions: [Permission], departmentIDs: [UUID]) async throws -> CustomRoleRecord {
        try await requireDepartments(departmentIDs)
        let id = tx.ids.make()
        let now = tx.clock.now()
        do {
            try await tx.execute("""
                INSERT INTO roles (tenant_id, id, name, permissions, department_ids, created_at)
                VALUES (\(tenantID), \(id), \(name), \(permissions.map(\.rawValue)), \(departmentIDs), \(now))
                """)
        } catch where error.isUniqueViolation {
            throw StoreError.conflict("a role named '\(name)' already exists")
        }
        try await audit("role.created", "role", id, ["name": name, "permissions": permissions.map(\.rawValue).joined(separator: ",")])
        return CustomRoleRecord(id: id, name: name, permissions: permissions, departmentIDs: departmentIDs, createdAt: now)
    }

    // MARK: API keys

    public func apiKeys() async throws -> [APIKeyRecord] {
        let rows = try await tx.query("""
            SELECT id, name, channel, revoked_at IS NOT NULL, created_at FROM api_keys
            WHERE tenant_id = \(tenantID) ORDER BY created_at
            """)
        var keys: [APIKeyRecord] = []
        for try await row in rows.decode((UUID, String, String, Bool, Date).self) {
            guard let channel = Domain.Channel(rawValue: row.2) else { continue }
            keys.append(APIKeyRecord(id: row.0, name: row.1, channel: channel, revoked: row.3, createdAt: row.4))
        }
        return keys
    }

    /// Creates a key; the secret is returned once and only its hash is stored.
    public func createAPIKey(name: String, channel: Domain.Channel, createdBy: UUID) async throws -> (APIKeyRecord, IssuedSecret) {
        let id = tx.ids.make()
        let now = tx.clock.now()
        let secret = IssuedSecret.make(prefix: "pk", tenantID: tenantID, id: id)
        try await tx.execute("""
            INSERT INTO api_keys (tenant_id, id, name, channel, secret_hash, created_by, created_at)
            VALUES (\(tenantID), \(id), \(name), \(channel.rawValue), \(secret.secretHash), \(createdBy), \(now))
            """)
        try await audit("api_key.created", "api_key", id, ["channel": channel.rawValue])
        return (APIKeyRecord(id: id, name: name, channel: channel, revoked: false, createdAt: now), secret)
    }

    public func revokeAPIKey(_ id: UUID) async throws {
        let rows = try await tx.query("""
            UPDATE api_keys SET revoked_at = COALESCE(revoked_at, \(tx.clock.now()))
            WHERE tenant_id = \(tenantID) AND id = \(id) RETURNING id
            """)
        guard try await rows.decode(UUID.self).all().first != nil else { throw StoreError.notFound("API key") }
        try await audit("api_key.revoked", "api_key", id)
    }

    /// Every change to the directory is on record, by the admin whose transaction it is.
    func audit(_ action: String, _ targetType: String, _ targetID: UUID, _ details: [String: String] = [:]) async throws {
        try await AuditLog(tx, tenantID: tenantID)
            .record(actor: tx.user?.userID, action: action, targetType: targetType, targetID: targetID, details: details)
    }
}

extension DirectoryRepository.UserChanges {
    /// What changed, for the audit trail: the fields' names, and the new role and state
    /// (never a password or its hash).
    var auditDetails: [String: String] {
        var changed: [String] = []
        var details: [String: String] = [:]
        if displayName != nil { changed.append("displayName") }
        if let role {
            changed.append("role")
            details["role"] = role.rawValue
        }
        if departmentIDs != nil { changed.append("departmentIds") }
        if customRoleID != nil { changed.append("customRoleId") }
        if let disabled {
            changed.append("disabled")
            details["disabled"] = String(disabled)
        }
        if passwordHash != nil { changed.append("password") }
        details["changed"] = changed.joined(separator: ",")
        return details
    }
}
