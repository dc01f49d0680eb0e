import Domain
import Foundation
import Hummingbird
import ObjectStorage
import Store

/// Export jobs: create, list, follow, cancel, download (PRODUCT.md §5). The worker
/// (`ExportService`) renders and uploads; these routes check the rules before any work.
struct ExportRoutes {
    let services: Services
    init(_ services: Services) { self.services = services }

    /// How long a download link handed out by `…/download` stays valid.
    static let downloadLinkLifetime: TimeInterval = 300

    func register(on routes: RouteRecorder) {
        routes.add(.post, "/v1/exports") { request, context in
            var context = context
            let principal = try services.authenticator.user(request, context: &context)
            let body = try await JSONBody.decode(CreateExportRequest.self, from: request, limit: 64 * 1024)
            let creation = try ExportCreation(body, now: services.now, caller: principal.userID)
            let job = try await services.asUser(principal, context) { tx, user in
                try await creation.create(tx, user: user, services: services)
            }
            var response = try JSONBody.response(ExportJobBody(job), status: .accepted)
            response.headers[.location] = "/v1/exports/\(job.id.uuidString.lowercased())"
            return response
        }

        routes.add(.get, "/v1/exports") { request, context in
            var context = context
            let principal = try services.authenticator.user(request, context: &context)
            let query = QueryParameters(request)
            let requestedBy = try query.uuid("requestedBy")
            let cursor = try query.cursor()
            let limit = try query.limit()
            let page = try await services.asUser(principal, context) { tx, user in
                // Admins see the whole tenant's jobs unless they ask for one user's; others
                // their own: the policy shows them nobody else's, whatever they ask for.
                let who = user.managesEveryonesExports ? requestedBy : (requestedBy ?? user.userID)
                return try await ExportJobRepository(tx, tenantID: user.tenantID).list(requestedBy: who, after: cursor, limit: limit)
            }
            return try JSONBody.response(ListBody(items: page.items.map(ExportJobBody.init), nextCursor: page.nextCursor?.encoded))
        }

        routes.add(.get, "/v1/exports/{exportId}") { request, context in
            let id = try request.pathID("exportId", context: context, what: "export")
            let job = try await services.asUser(request, context) { tx, user in
                try await ExportJobRepository(tx, tenantID: user.tenantID).job(id)
            }
            return try JSONBody.response(ExportJobBody(job))
        }

        routes.add(.delete, "/v1/exports/{exportId}") { request, context in
            let id = try request.pathID("exportId", context: context, what: "export")
            let (job, deleteFile) = try await services.asUser(request, context) { tx, user in
                let outcome = try await ExportJobRepository(tx, tenantID: user.tenantID).cancel(id)
                try await AuditLog(tx, tenantID: user.tenantID)
                    .record(actor: user.userID, action: outcome.job.status == .cancelled ? "export.cancelled" : "export.file_deleted",
                            targetType: "export", targetID: id)
                return outcome
            }
            // After the commit: were the delete to fail, the row already says the file is
            // gone (downloads answer 410) and a retry of this call deletes it again.
            if deleteFile { try await services.objectStore.delete(key: job.objectKey) }
            return try JSONBody.response(ExportJobBody(job))
        }

        routes.add(.get, "/v1/exports/{exportId}/download") { request, context in
            let id = try request.pathID("exportId", context: context, what: "export")
            let job = try await services.asUser(request, context) { tx, user in
                let job = try await ExportJobRepository(tx, tenantID: user.tenantID).job(id)
                guard job.fileDeletedAt == nil else { throw APIError.gone("the export's file was deleted") }
                guard job.status == .succeeded else { throw APIError.conflict("the export is \(job.status.rawValue), not succeeded") }
                try await AuditLog(tx, tenantID: user.tenantID)
                    .record(actor: user.userID, action: "export.downloaded", targetType: "export", targetID: id)
                return job
            }
            let location = try services.objectStore.download(
                key: job.objectKey, fileName: job.fileName, contentType: job.format.contentType,
                expiresIn: Self.downloadLinkLifetime, now: services.now)
            switch location {
            case .redirect(let url):
                return Response(status: .found, headers: [.location: url.absoluteString])
            case .localFile(let file):
                let body = try await FileIO().loadFile(path: file.path, context: context)
                return Response(status: .ok, headers: [
                    .contentType: job.format.contentType,
                    .contentDisposition: ContentDisposition.attachment(fileName: job.fileName),
                ], body: body)
            }
        }
    }
}
