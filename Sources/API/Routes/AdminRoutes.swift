import Domain
import Foundation
import Hummingbird
import Store

/// Tenant administration: departments, users, custom roles, ingestion API keys. Admins only.
struct AdminRoutes {
    let services: Services
    init(_ services: Services) { self.services = services }

    /// Runs `body` for a signed-in admin with the tenant's directory.
    private func asAdmin<T: Sendable>(_ request: Request, _ context: AppRequestContext,
                                      _ body: @escaping @Sendable (DirectoryRepository, UserPrincipal) async throws -> T) async throws -> T {
        var context = context
        let principal = try services.authenticator.admin(request, context: &context)
        return try await asAdmin(principal, context, body)
    }

    /// The same, for an admin authenticated before the route read its body.
    private func asAdmin<T: Sendable>(_ principal: UserPrincipal, _ context: AppRequestContext,
                                      _ body: @escaping @Sendable (DirectoryRepository, UserPrincipal) async throws -> T) async throws -> T {
        try await services.asAdmin(principal, context) { tx, admin in
            try await body(DirectoryRepository(tx, tenantID: admin.tenantID), admin.principal)
        }
    }

    func register(on routes: RouteRecorder) {
        let limit = services.configuration.maxBodyBytes

        routes.add(.get, "/v1/admin/departments") { request, context in
            let departments = try await asAdmin(request, context) { directory, _ in try await directory.departments() }
            return try JSONBody.response(ListBody(items: departments.map(DepartmentBody.init)))
        }
        routes.add(.post, "/v1/admin/departments") { request, context in
            var context = context
            let principal = try services.authenticator.admin(request, context: &context)
            let body = try await JSONBody.decode(CreateDepartmentRequest.self, from: request, limit: limit)
            let name = try InputRules.text(body.name, field: "name", length: 1...200)
            let department = try await asAdmin(principal, context) { directory, _ in
                try await directory.createDepartment(name: name, parentID: body.parentId)
            }
            return try JSONBody.response(DepartmentBody(department), status: .created)
        }

        routes.add(.get, "/v1/admin/users") { request, context in
            let users = try await asAdmin(request, context) { directory, _ in try await directory.users() }
            return try JSONBody.response(ListBody(items: users.map(UserBody.init)))
        }
        routes.add(.post, "/v1/admin/users") { request, context in
            var context = context
            let principal = try services.authenticator.admin(request, context: &context)
            let body = try await JSONBody.decode(CreateUserRequest.self, from: request, limit: limit)
            let new = DirectoryRepository.NewUser(
                email: try InputRules.email(body.email, field: "email"),
                displayName: try InputRules.text(body.displayName, field: "displayName", length: 1...100),
                role: try InputRules.enumeration(body.role, as: UserRole.self, field: "role"),
                passwordHash: try await services.passwords.hash(try InputRules.password(body.password, field: "password")),
                departmentIDs: body.departmentIds ?? [], customRoleID: body.customRoleId)
            let user = try await asAdmin(principal, context) { directory, _ in try await directory.createUser(new) }
            return try JSONBody.response(UserBody(user), status: .created)
        }
        routes.add(.patch, "/v1/admin/users/{userId}") { request, context in
            var context = context
            let principal = try services.authenticator.admin(request, context: &context)
            let userID = try request.pathID("userId", context: context, what: "user")
            let body = try await JSONBody.decode(UpdateUserRequest.self, from: request, limit: limit)
            var changes = DirectoryRepository.UserChanges()
            changes.displayName = try InputRules.optionalText(body.displayName, field: "displayName", length: 1...100)
            changes.role = try body.role.map { try InputRules.enumeration($0, as: UserRole.self, field: "role") }
            if let password = body.password {
                changes.passwordHash = try await services.passwords.hash(try InputRules.password(password, field: "password"))
            }
            changes.departmentIDs = body.departmentIds
            changes.disabled = body.disabled
            changes.customRoleID = body.customRoleId
            let requested = changes
            let user = try await asAdmin(principal, context) { directory, admin in
                if userID == admin.userID, requested.disabled == true || (requested.role.map { $0 != .admin } ?? false) {
                    throw ValidationError(field: "role", reason: "admins cannot disable or demote themselves")
                }
                return try await directory.updateUser(userID, requested)
            }
            return try JSONBody.response(UserBody(user))
        }

        routes.add(.get, "/v1/admin/roles") { request, context in
            let roles = try await asAdmin(request, context) { directory, _ in try await directory.customRoles() }
            return try JSONBody.response(ListBody(items: roles.map(RoleBody.init)))
        }
        routes.add(.post, "/v1/admin/roles") { request, context in
            var context = context
            let principal = try services.authenticator.admin(request, context: &context)
            let body = try await JSONBody.decode(CreateRoleRequest.self, from: request, limit: limit)
            let name = try InputRules.text(body.name, field: "name", length: 1...100)
            let permissions = try (body.permissions ?? []).enumerated().map { index, value in
                try InputRules.enumeration(value, as: Permission.self, field: "permissions[\(index)]")
            }
            let role = try await asAdmin(principal, context) { directory, _ in
                try await directory.createCustomRole(name: name, permissions: permissions, departmentIDs: body.departmentIds)
            }
            return try JSONBody.response(RoleBody(role), status: .created)
        }

        routes.add(.get, "/v1/admin/audit-events") { request, context in
            let query = QueryParameters(request)
            let filter = try AuditEventFilter(
                targetID: query.uuid("targetId"), targetType: query.string("targetType", maxLength: 64),
                actorID: query.uuid("actorId"), action: query.string("action", maxLength: 64),
                from: query.date("from"), to: query.date("to"))
            if let from = filter.from, let to = filter.to, from >= to {
                throw APIError.badRequest("must be later than from", field: "query.to")
            }
            let cursor = try query.cursor()
            let limit = try query.limit()
            let page = try await services.asAdmin(request, context) { tx, admin in
                try await AuditLog(tx, tenantID: admin.tenantID).events(filter, after: cursor, limit: limit)
            }
            return try JSONBody.response(ListBody(items: page.items.map(AuditEventBody.init), nextCursor: page.nextCursor?.encoded))
        }

        routes.add(.get, "/v1/admin/api-keys") { request, context in
            let keys = try await asAdmin(request, context) { directory, _ in try await directory.apiKeys() }
            return try JSONBody.response(ListBody(items: keys.map { APIKeyBody($0) }))
        }
        routes.add(.post, "/v1/admin/api-keys") { request, context in
            var context = context
            let principal = try services.authenticator.admin(request, context: &context)
            let body = try await JSONBody.decode(CreateAPIKeyRequest.self, from: request, limit: limit)
            let name = try InputRules.text(body.name, field: "name", length: 1...100)
            let channel = try InputRules.enumeration(body.channel, as: Channel.self, field: "channel")
            let (key, secret) = try await asAdmin(principal, context) { directory, admin in
                try await directory.createAPIKey(name: name, channel: channel, createdBy: admin.userID)
            }
            return try JSONBody.response(APIKeyBody(key, key: secret.encoded), status: .created)
        }
        routes.add(.delete, "/v1/admin/api-keys/{keyId}") { request, context in
            let keyID = try request.pathID("keyId", context: context, what: "API key")
            try await asAdmin(request, context) { directory, _ in try await directory.revokeAPIKey(keyID) }
            return Response(status: .noContent)
        }
    }
}
