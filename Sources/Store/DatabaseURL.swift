import Foundation
import PostgresNIO

/// A `postgres://user:password@host:port/database?sslmode=…` address, parsed once at
/// start-up so a typo is reported with the variable's name instead of at first query.
public struct DatabaseURL: Sendable, Equatable {
    public let host: String
    public let port: Int
    public let username: String
    public let password: String?
    public let database: String
    public let requireTLS: Bool
    /// The address as given, for libpq (the migrator), which parses URLs itself.
    public let raw: String

    public init(_ string: String) throws(ValidationFailure) {
        guard let components = URLComponents(string: string),
              let scheme = components.scheme, scheme == "postgres" || scheme == "postgresql" else {
            throw ValidationFailure("must look like postgres://user:password@host:port/database")
        }
        guard let host = components.host, !host.isEmpty else { throw ValidationFailure("has no host") }
        guard let user = components.user, !user.isEmpty else { throw ValidationFailure("has no user name") }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty else { throw ValidationFailure("has no database name") }
        self.host = host
        self.port = components.port ?? 5432
        self.username = user.removingPercentEncoding ?? user
        self.password = components.password?.removingPercentEncoding
        self.database = database
        let sslMode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "prefer"
        self.requireTLS = ["require", "verify-ca", "verify-full"].contains(sslMode)
        self.raw = string
    }

    /// Why a URL was refused; the caller adds which setting held it.
    public struct ValidationFailure: Error, Sendable, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// Pool configuration for PostgresNIO.
    public func clientConfiguration(maximumConnections: Int = 20) -> PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database,
            tls: requireTLS ? .require(.makeClientConfiguration()) : .disable)
        configuration.options.maximumConnections = maximumConnections
        return configuration
    }
}
