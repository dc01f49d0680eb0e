import HTTPTypes
import Hummingbird

/// Registers routes with the router and remembers them in OpenAPI form
/// (`GET /v1/conversations/{conversationId}`), so a test can hold the server to the
/// contract in `openapi/openapi.yaml`: every route is documented, every documented route exists.
///
/// `finish()` then completes HTTP's method rules for every path: `HEAD` answers like
/// `GET` without a body, and any other method the path does not serve is `405` with
/// `Allow` (the router alone would say 404, as if the path did not exist).
final class RouteRecorder {
    typealias Handler = @Sendable (Request, AppRequestContext) async throws -> Response

    private let router: Router<AppRequestContext>
    private(set) var routes: [String] = []
    /// Hummingbird path → methods served, in registration order of the paths.
    private var methods: [(path: String, served: [HTTPRequest.Method: Handler])] = []

    /// Methods a client may reasonably try; each path answers all of them.
    private static let knownMethods: [HTTPRequest.Method] = [.get, .head, .post, .put, .patch, .delete, .options]

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
        if let index = methods.firstIndex(where: { $0.path == hummingbirdPath }) {
            methods[index].served[method] = handler
        } else {
            methods.append((hummingbirdPath, [method: handler]))
        }
    }

    /// Adds `HEAD` and `405` answers; call once, after every `add`.
    func finish() {
        for (path, served) in methods {
            var allowed = served
            if let get = served[.get], served[.head] == nil {
                let head: Handler = { request, context in
                    let response = try await get(request, context)
                    return Response(status: response.status, headers: response.headers)
                }
                router.on(RouterPath(path), method: .head, use: head)
                allowed[.head] = head
            }
            let allow = Self.knownMethods.filter { allowed[$0] != nil }.map(\.rawValue)
            for method in Self.knownMethods where allowed[method] == nil {
                router.on(RouterPath(path), method: method) { _, _ -> Response in
                    throw APIError.methodNotAllowed(allowed: allow)
                }
            }
        }
    }
}
