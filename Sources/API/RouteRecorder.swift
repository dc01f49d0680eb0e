import HTTPTypes
import Hummingbird

/// Registers routes with the router and remembers them in OpenAPI form
/// (`GET /v1/conversations/{conversationId}`), so a test can hold the server to the
/// contract in `openapi/openapi.yaml`: every route is documented, every documented route exists.
final class RouteRecorder {
    typealias Handler = @Sendable (Request, AppRequestContext) async throws -> Response

    private let router: Router<AppRequestContext>
    private(set) var routes: [String] = []

    init(router: Router<AppRequestContext>) {
        self.router = router
    }

    func add(_ method: HTTPRequest.Method, _ openAPIPath: String, _ handler: @escaping Handler) {
        routes.append("\(method.rawValue) \(openAPIPath)")
        // OpenAPI's {name} is Hummingbird's :name.
        let hummingbirdPath = openAPIPath.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            segment.hasPrefix("{") && segment.hasSuffix("}") ? ":" + segment.dropFirst().dropLast() : String(segment)
        }.joined(separator: "/")
        router.on(RouterPath(hummingbirdPath), method: method, use: handler)
    }
}
