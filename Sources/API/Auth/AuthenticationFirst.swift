import Hummingbird

/// Checks the bearer before any route reads its path ids, query or body, so a caller
/// without valid credentials always gets 401 — never a 400 or 404 that tells them
/// something about the input first. Routes authenticate again to get their principal
/// (verifying a JWT costs microseconds); this only guarantees the order, in one place.
///
/// Which bearer a path needs follows the contract's security schemes: the operator's
/// token under `/v1/operator/`, an API key under `/v1/ingest/` (checked by the route
/// itself, first: its check reads the database), nothing for sign-in and the probes,
/// and a user's access token everywhere else under `/v1/`.
struct AuthenticationFirstMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let authenticator: Authenticator

    enum Bearer { case none, user, platformOperator, integration }

    static func bearer(forPath path: String) -> Bearer {
        if path.hasPrefix("/v1/operator/") { return .platformOperator }
        if path.hasPrefix("/v1/ingest/") { return .integration }
        if ["/v1/auth/login", "/v1/auth/refresh", "/v1/auth/logout"].contains(path) || !path.hasPrefix("/v1/") { return .none }
        return .user
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        switch Self.bearer(forPath: request.uri.path) {
        case .user:
            var tagged = context
            _ = try authenticator.user(request, context: &tagged)
        case .platformOperator:
            try authenticator.platformOperator(request)
        case .none, .integration:
            break
        }
        return try await next(request, context)
    }
}
