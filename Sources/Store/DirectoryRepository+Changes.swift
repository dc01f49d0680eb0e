import Domain
import Foundation
import PostgresNIO

/// Renaming, moving and deleting departments; editing and deleting custom roles.
extension DirectoryRepository {
    public func department(_ id: UUID) async throws -> DepartmentRecord {
        let rows = try await tx.query("""
            SELECT id, parent_id, name, created_at FROM departments WHERE tenant_id = \(tenantID) AND id = \(id)
            """)
        guard let found = try await rows.decode((UUID, UUID?, String, Date).self).all().first.map(DepartmentRecord.init) else {
            throw StoreError.notFound("department")
        }
        return found
    }

    /// Renames and/or moves a department (`parentID: .some(nil)` makes it top-level). Its
    /// sub-departments move with it; supervisors and custom roles see by `path`, so whoever
    /// saw the moved tree still sees it, from the next request on.
    public func updateDepartment(_ id: UUID, name: String?, parentID: UUID??) async throws -> DepartmentRecord {
        let current = try await department(id)
        if let name {
            try await tx.execute("UPDATE departments SET name = \(name) WHERE tenant_id = \(tenantID) AND id = \(id)")
        }
        if let parentID, parentID != current.parentID {
            var prefix: [UUID] = []
            if let parent = parentID {
                let rows = try await tx.query("SELECT path FROM departments WHERE tenant_id = \(tenantID) AND id = \(parent)")
                guard let parentPath = try await rows.decode([UUID].self).all().first else {
                    throw ValidationError(field: "parentId", reason: "no such department")
                }
                guard !parentPath.contains(id) else {
                    throw ValidationError(field: "parentId", reason: "a department cannot move under itself or one of its sub-departments")
                }
                prefix = parentPath
            }
            // Every path through this department gets the new prefix up to it.
            try await tx.execute("""
                UPDATE departments
                SET path = \(prefix)::uuid[] || path[array_position(path, \(id)):],
                    parent_id = CASE WHEN id = \(id) THEN \(parentID ?? nil) ELSE parent_id END
                WHERE tenant_id = \(tenantID) AND path @> ARRAY[\(id)]::uuid[]
                """)
        }
        var details: [String: String] = [:]
        if let name { details["name"] = name }
        if let parentID { details["parentId"] = parentID?.uuidString.lowercased() ?? "none" }
        try await audit("department.changed", "department", id, details)
        return try await department(id)
    }

    /// What keeps a department: its sub-departments, members, custom roles, conversations.
    public struct DepartmentUse: Sendable, Equatable {
        public let subDepartments: Int
        public let users: Int
        public let roles: Int
        public let conversations: Int
        public var isEmpty: Bool { subDepartments + users + roles + conversations == 0 }
    }

    /// Deletes a department. Without `reassignTo`, only an unused one (a conflict names what
    /// holds it); with it, its members, custom roles and conversations (binned ones too, and
    /// every copy on their messages) move to that department first. Sub-departments are never
    /// moved implicitly: move or delete them first.
    public func deleteDepartment(_ id: UUID, reassignTo target: UUID?) async throws {
        _ = try await department(id)
        if let target {
            guard target != id else { throw ValidationError(field: "query.reassignTo", reason: "must be another department") }
            guard (try? await department(target)) != nil else { throw ValidationError(field: "query.reassignTo", reason: "no such department") }
        }
        // Every conversation counts, old and binned ones too.
        try await tx.liftHistoryWindow()
        try await RecycleBinRepository(tx, tenantID: tenantID).openBin()
        let use = try await departmentUse(id)
        guard use.subDepartments == 0 else {
            throw StoreError.conflict("the department has \(use.subDepartments) sub-department(s): move or delete them first")
        }
        if let target {
            try await tx.execute("""
                INSERT INTO user_departments (tenant_id, user_id, department_id)
                SELECT tenant_id, user_id, \(target) FROM user_departments WHERE tenant_id = \(tenantID) AND department_id = \(id)
                ON CONFLICT DO NOTHING
                """)
            try await tx.execute("DELETE FROM user_departments WHERE tenant_id = \(tenantID) AND department_id = \(id)")
            try await tx.execute("""
                UPDATE roles SET department_ids = ARRAY(SELECT DISTINCT unnest(array_replace(department_ids, \(id), \(target))))
                WHERE tenant_id = \(tenantID) AND department_ids @> ARRAY[\(id)]::uuid[]
                """)
            try await tx.execute("UPDATE messages SET department_id = \(target) WHERE tenant_id = \(tenantID) AND department_id = \(id)")
            try await tx.execute("UPDATE conversations SET department_id = \(target) WHERE tenant_id = \(tenantID) AND department_id = \(id)")
        } else if !use.isEmpty {
            throw StoreError.conflict("the department still has \(use.users) member(s), \(use.roles) custom role(s) and "
                + "\(use.conversations) conversation(s): give reassignTo to move them to another department")
        }
        do {
            try await tx.execute("DELETE FROM departments WHERE tenant_id = \(tenantID) AND id = \(id)")
        } catch where error.isForeignKeyViolation {
            throw StoreError.conflict("the department is still in use; give reassignTo to move what it holds")
        }
        try await audit("department.deleted", "department", id, target.map { ["reassignedTo": $0.uuidString.lowercased()] } ?? [:])
    }

    private func departmentUse(_ id: UUID) async throws -> DepartmentUse {
        let rows = try await tx.query("""
            SELECT (SELECT count(*) FROM departments WHERE tenant_id = \(tenantID) AND parent_id = \(id))::int,
                   (SELECT count(*) FROM user_departments WHERE tenant_id = \(tenantID) AND department_id = \(id))::int,
                   (SELECT count(*) FROM roles WHERE tenant_id = \(tenantID) AND department_ids @> ARRAY[\(id)]::uuid[])::int,
                   (SELECT count(*) FROM conversations WHERE tenant_id = \(tenantID) AND department_id = \(id))::int
            """).decode((Int, Int, Int, Int).self).all()
        let (subDepartments, users, roles, conversations) = rows.first ?? (0, 0, 0, 0)
        return DepartmentUse(subDepartments: subDepartments, users: users, roles: roles, conversations: conversations)
    }

    // MARK: Custom roles

    public func customRole(_ id: UUID) async throws -> CustomRoleRecord {
        guard let role = try await customRoles().first(where: { $0.id == id }) else { throw StoreError.notFound("role") }
        return role
    }

    /// Changes what is given; the users holding the role see by it from their next request.
    public func updateCustomRole(_ id: UUID, name: String?, permissions: [Permission]?, departmentIDs: [UUID]?) async throws -> CustomRoleRecord {
        _ = try await customRole(id)
        if let departmentIDs { try await requireDepartmentsExist(departmentIDs) }
        do {
            try await tx.execute("""
                UPDATE roles SET name = COALESCE(\(name), name),
                                 permissions = COALESCE(\(permissions?.map(\.rawValue))::text[], permissions),
                                 department_ids = COALESCE(\(departmentIDs)::uuid[], department_ids)
                WHERE tenant_id = \(tenantID) AND id = \(id)
                """)
        } catch where error.isUniqueViolation {
            throw StoreError.conflict("a role named '\(name ?? "")' already exists")
        }
        var details: [String: String] = [:]
        if let name { details["name"] = name }
        if let permissions { details["permissions"] = permissions.map(\.rawValue).joined(separator: ",") }
        if departmentIDs != nil { details["changed"] = "departmentIds" }
        try await audit("role.changed", "role", id, details)
        return try await customRole(id)
    }

    /// Deletes a custom role no user holds (a conflict names how many do).
    public func deleteCustomRole(_ id: UUID) async throws {
        _ = try await customRole(id)
        let holders = try await tx.query("""
            SELECT count(*)::int FROM users WHERE tenant_id = \(tenantID) AND custom_role_id = \(id)
            """).decode(Int.self).all().first ?? 0
        guard holders == 0 else {
            throw StoreError.conflict("\(holders) user(s) hold this role: give them another role (or none) first")
        }
        try await tx.execute("DELETE FROM roles WHERE tenant_id = \(tenantID) AND id = \(id)")
        try await audit("role.deleted", "role", id)
    }
}
