import Domain
import Foundation
import Hummingbird
import Store

/// Changing what admins created: one user read back; departments renamed, moved and deleted
/// (refused while they hold members, roles or conversations, unless `reassignTo` names where
/// those go); custom roles edited and deleted (refused while held); tags renamed. Admins only.
struct AdminChangeRoutes {
    let services: Services
    init(_ services: Services) { self.services = services }

    func register(on routes: RouteRecorder) {
        let limit = 16 * 1024

        routes.add(.get, "/v1/admin/users/{userId}") { request, context in
            let id = try request.pathID("userId", context: context, what: "user")
            let user = try await services.asAdmin(request, context) { tx, admin in
                try await DirectoryRepository(tx, tenantID: admin.tenantID).user(id)
            }
            return try JSONBody.response(UserBody(user))
        }

        routes.add(.patch, "/v1/admin/departments/{departmentId}") { request, context in
            var context = context
            let principal = try services.authenticator.admin(request, context: &context)
            let id = try request.pathID("departmentId", context: context, what: "department")
            let body = try await JSONBody.decode(UpdateDepartmentRequest.self, from: request, limit: limit)
            let name = try InputRules.optionalText(body.name, field: "name", length: 1...200)
            let department = try await services.asAdmin(principal, context) { tx, admin in
                try await DirectoryRepository(tx, tenantID: admin.tenantID).updateDepartment(id, name: name, parentID: body.parentId)
            }
            return try JSONBody.response(DepartmentBody(department))
        }

        routes.add(.delete, "/v1/admin/departments/{departmentId}") { request, context in
            let id = try request.pathID("departmentId", context: context, what: "department")
            let target = try QueryParameters(request).uuid("reassignTo")
            try await services.asAdmin(request, context) { tx, admin in
                try await DirectoryRepository(tx, tenantID: admin.tenantID).deleteDepartment(id, reassignTo: target)
            }
            return Response(status: .noContent)
        }

        routes.add(.patch, "/v1/admin/roles/{roleId}") { request, context in
            var context = context
            let principal = try services.authenticator.admin(request, context: &context)
            let id = try request.pathID("roleId", context: context, what: "role")
            let body = try await JSONBody.decode(UpdateRoleRequest.self, from: request, limit: limit)
            let name = try InputRules.optionalText(body.name, field: "name", length: 1...100)
            let permissions = try body.permissions.map { values in
                try values.enumerated().map { index, value in
                    try InputRules.enumeration(value, as: Permission.self, field: "permissions[\(index)]")
                }
            }
            let role = try await services.asAdmin(principal, context) { tx, admin in
                try await DirectoryRepository(tx, tenantID: admin.tenantID)
                    .updateCustomRole(id, name: name, permissions: permissions, departmentIDs: body.departmentIds)
            }
            return try JSONBody.response(RoleBody(role))
        }

        routes.add(.delete, "/v1/admin/roles/{roleId}") { request, context in
            let id = try request.pathID("roleId", context: context, what: "role")
            try await services.asAdmin(request, context) { tx, admin in
                try await DirectoryRepository(tx, tenantID: admin.tenantID).deleteCustomRole(id)
            }
            return Response(status: .noContent)
        }

        routes.add(.patch, "/v1/admin/tags/{tagId}") { request, context in
            var context = context
            let principal = try services.authenticator.admin(request, context: &context)
            let id = try request.pathID("tagId", context: context, what: "tag")
            let body = try await JSONBody.decode(UpdateTagRequest.self, from: request, limit: limit)
            let name = try InputRules.optionalText(body.name, field: "name", length: 1...50)
            if case .some(.some(let color)) = body.color, color.range(of: "^#[0-9a-f]{6}$", options: .regularExpression) == nil {
                throw ValidationError(field: "color", reason: "a colour like #e5484d")
            }
            let tag = try await services.asAdmin(principal, context) { tx, admin in
                try await TagRepository(tx, tenantID: admin.tenantID).update(id, name: name, color: body.color)
            }
            return try JSONBody.response(TagBody(tag))
        }
    }
}
