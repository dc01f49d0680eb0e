import Domain
import Foundation
import Hummingbird
import Store

/// The tag library: everyone reads it, admins change it.
struct TagRoutes {
    let services: Services
    init(_ services: Services) { self.services = services }

    func register(on routes: RouteRecorder) {
        routes.add(.get, "/v1/tags") { request, context in
            let tags = try await services.asUser(request, context) { tx, user in
                try await TagRepository(tx, tenantID: user.tenantID).tags()
            }
            return try JSONBody.response(ListBody(items: tags.map(TagBody.init)))
        }

        routes.add(.post, "/v1/admin/tags") { request, context in
            var context = context
            let principal = try services.authenticator.admin(request, context: &context)
            let body = try await JSONBody.decode(CreateTagRequest.self, from: request, limit: 16 * 1024)
            let name = try InputRules.text(body.name, field: "name", length: 1...50)
            if let color = body.color, color.range(of: "^#[0-9a-f]{6}$", options: .regularExpression) == nil {
                throw ValidationError(field: "color", reason: "a colour like #e5484d")
            }
            let tag = try await services.asAdmin(principal, context) { tx, admin in
                try await TagRepository(tx, tenantID: admin.tenantID).create(name: name, color: body.color)
            }
            return try JSONBody.response(TagBody(tag), status: .created)
        }

        routes.add(.delete, "/v1/admin/tags/{tagId}") { request, context in
            let id = try request.pathID("tagId", context: context, what: "tag")
            try await services.asAdmin(request, context) { tx, admin in
                try await TagRepository(tx, tenantID: admin.tenantID).delete(id)
            }
            return Response(status: .noContent)
        }
    }
}
