import Hummingbird
import Store

/// Liveness and readiness for load balancers and Kubernetes probes.
struct HealthRoutes {
    let services: Services
    init(_ services: Services) { self.services = services }

    func register(on routes: RouteRecorder) {
        routes.add(.get, "/healthz") { _, _ in
            try JSONBody.response(["status": "ok"])
        }
        // Ready only when PostgreSQL answers: a replica that cannot reach it should get no traffic.
        routes.add(.get, "/readyz") { _, context in
            if let reason = await services.database.unreadiness(logger: context.logger) {
                return ProblemDetails(status: .serviceUnavailable, detail: reason, requestId: context.id).response()
            }
            return try JSONBody.response(["status": "ready"])
        }
    }
}
