import Hummingbird
import Store

/// Binds `RequestOrigin.current` for the whole request, so every audit event it writes
/// records the client's address (after the trusted-proxy rule) and user agent.
struct RequestOriginMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let services: Services

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let origin = RequestOrigin(clientAddress: services.clientAddress(request, context), userAgent: request.headers[.userAgent])
        return try await RequestOrigin.$current.withValue(origin) { try await next(request, context) }
    }
}
