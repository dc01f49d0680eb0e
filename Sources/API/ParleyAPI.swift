import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import ObjectStorage
import Store

/// The HTTP API: builds the router with every route and the middleware around it.
public struct ParleyAPI: Sendable {
    let services: Services

    /// - Parameters:
    ///   - objectStore: where export files are (downloads redirect to it or stream from it).
    ///   - notifications: the process's hub (a new one by default); run it with the
    ///     server (`notificationHub`), or long-polls fall back to looking once a second.
    public init(configuration: APIConfiguration, database: Database, passwords: PasswordHasher,
                objectStore: any ObjectStore, notifications: NotificationHub? = nil) {
        let tokens = AccessTokens(secret: configuration.jwtSecret, ttl: configuration.accessTokenTTL)
        self.services = Services(
            configuration: configuration, database: database, tokens: tokens, passwords: passwords,
            authenticator: Authenticator(tokens: tokens, operatorToken: configuration.operatorToken, database: database),
            notifications: notifications ?? NotificationHub(database: database), objectStore: objectStore)
    }

    /// The service that wakes long-polling `GET /v1/notifications` requests: `parley serve`
    /// runs it next to the HTTP server, after it in the service list so that at shutdown it
    /// stops first and held requests answer at once.
    public var notificationHub: NotificationHub { services.notifications }

    /// The router, and the routes it serves in OpenAPI form (`METHOD /path/{param}`).
    public func buildRouter() -> (router: Router<AppRequestContext>, routes: [String]) {
        let router = Router(context: AppRequestContext.self)
        router.add(middleware: NoStoreMiddleware())
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: LogRequestsMiddleware(.debug))
        router.add(middleware: RequestOriginMiddleware(services: services))
        router.add(middleware: AuthenticationFirstMiddleware(authenticator: services.authenticator))
        let table = RouteTable()
        router.add(middleware: MethodNotAllowedMiddleware(table: table))
        let routes = RouteRecorder(router: router)
        HealthRoutes(services).register(on: routes)
        AuthRoutes(services).register(on: routes)
        TwoStepRoutes(services).register(on: routes)
        OperatorRoutes(services).register(on: routes)
        AdminRoutes(services).register(on: routes)
        AdminChangeRoutes(services).register(on: routes)
        IngestRoutes(services).register(on: routes)
        ConversationRoutes(services).register(on: routes)
        CustomerRoutes(services).register(on: routes)
        SearchRoutes(services).register(on: routes)
        StatisticsRoutes(services).register(on: routes)
        TagRoutes(services).register(on: routes)
        NotificationRoutes(services).register(on: routes)
        ExportRoutes(services).register(on: routes)
        ScheduleRoutes(services).register(on: routes)
        RetentionRoutes(services).register(on: routes)
        LimitsRoutes(services).register(on: routes)
        BatchRoutes(services).register(on: routes)
        CustomerDataRoutes(services).register(on: routes)
        CustomerMergeRoutes(services).register(on: routes)
        RecycleBinRoutes(services).register(on: routes)
        routes.finish(into: table)
        return (router, routes.routes)
    }

    /// - Parameter server: the HTTP server's channel setup; `parley serve` passes one with
    ///   its connection timeouts (`PARLEY_*_TIMEOUT_SECONDS`).
    public func buildApplication(host: String, port: Int, logger: Logger,
                                 server: HTTPServerBuilder = .http1()) -> some ApplicationProtocol {
        Application(
            router: buildRouter().router,
            server: server,
            configuration: .init(address: .hostname(host, port: port), serverName: "parley"),
            logger: logger)
    }
}
