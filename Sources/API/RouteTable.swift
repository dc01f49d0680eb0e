import HTTPTypes
import Hummingbird
import Synchronization

/// Which methods each path serves, for `405 Method Not Allowed` with `Allow`. Filled by
/// `RouteRecorder.finish(into:)` while the router is built, read on every unmatched request.
final class RouteTable: Sendable {
    private let paths = Mutex<[(segments: [Substring], methods: [String])]>([])

    /// `path` in Hummingbird's form: `:name` segments match any one segment.
    func add(path: String, methods: [String]) {
        let segments = path.split(separator: "/")
        paths.withLock { $0.append((segments, methods)) }
    }

    /// The methods served at a request path, or `nil` when no route has that path.
    func methods(at requestPath: String) -> [String]? {
        let segments = requestPath.split(separator: "/")
        return paths.withLock { paths in
            paths.first { route in
                route.segments.count == segments.count
                    && zip(route.segments, segments).allSatisfy { pattern, segment in pattern.hasPrefix(":") || pattern == segment }
            }?.methods
        }
    }
}

/// Turns the router's 404 for a path that exists, asked with a method it does not serve
/// (any token: `TRACE`, `PROPFIND`, `OPTIONS`, …), into `405` with `Allow`.
struct MethodNotAllowedMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let table: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            guard let allowed = table.methods(at: request.uri.path), !allowed.contains(request.method.rawValue) else { throw error }
            throw APIError.methodNotAllowed(allowed: allowed)
        }
    }
}
