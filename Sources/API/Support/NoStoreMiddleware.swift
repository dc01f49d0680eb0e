import HTTPTypes
import Hummingbird

/// `Cache-Control: no-store` on every answer: tokens, transcripts and customer data
/// must not be kept by a browser, a proxy or a CDN (errors included: they carry request ids
/// and sometimes echo input).
struct NoStoreMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.cacheControl] = "no-store"
        return response
    }
}
