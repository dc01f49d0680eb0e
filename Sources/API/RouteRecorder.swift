import HTTPTypes
import Hummingbird

/// Registers routes with the router and remembers them in OpenAPI form
/// (`GET /v1/conversations/{conversationId}`), so a test can hold the server to the
/// contract in `openapi/openapi.yaml`: every route is documented, every documented route exists.
///
/// `finish(into:)` then completes HTTP's method rules: `HEAD` answers like `GET` without a
/// body, and `RouteTable` lets `MethodNotAllowedMiddleware` answer any other method a path
/// does not serve with `405` and `Allow` (the router alone says 404, as if the path did
/// not exist).
final class RouteRecorder {
    typealias Handler = @Sendable (Request, AppRequestContext) async throws -> Response

    private let router: Router<AppRequestContext>
    private(set) var routes: [String] = []
    /// Hummingbird path → methods served, in registration order of the paths.
    private var methods: [(path: String, served: [HTTPRequest.Method: Handler])] = []

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

    /// Adds `HEAD` to every `GET` path and tells `table` what each path serves (for 405);
    /// call once, after every `add`.
    func finish(into table: RouteTable) {
        for (path, served) in methods {
            var allowed = Set(served.keys)
            if let get = served[.get], served[.head] == nil {
                router.on(RouterPath(path), method: .head) { request, context in
                    let response = try await get(request, context)
                    return Response(status: response.status, headers: response.headers)
                }
                allowed.insert(.head)
            }
            table.add(path: path, methods: Self.methodOrder.filter(allowed.contains).map(\.rawValue))
        }
    }

    /// The order `Allow` lists methods in.
    private static let methodOrder: [HTTPRequest.Method] = [.get, .head, .post, .put, .patch, .delete]
}
