import PostgresNIO

extension Error {
    /// PostgreSQL's SQLSTATE for a server error, if this is one.
    public var sqlState: String? {
        (self as? PSQLError)?.serverInfo?[.sqlState]
    }

    /// The constraint a server error names, if any.
    var constraintName: String? {
        (self as? PSQLError)?.serverInfo?[.constraintName]
    }

    var isUniqueViolation: Bool { sqlState == "23505" }
    /// Serialization failure, deadlock or lock timeout with a concurrent request: worth a retry.
    var isConcurrencyCollision: Bool { ["40001", "40P01", "55P03"].contains(sqlState ?? "") }
    var isForeignKeyViolation: Bool { sqlState == "23503" }
}

extension StoreError {
    /// What a driver error means to a caller, or `nil` when it means nothing but a bug
    /// (it then reaches the API as itself and is logged as unexpected).
    static func from(_ error: any Error) -> StoreError? {
        guard let error = error as? PSQLError else { return nil }
        if let state = error.sqlState {
            if state.hasPrefix("22") { return .invalidValue(sqlState: state) }
            if error.isConcurrencyCollision { return .concurrentChange }
            if error.isUniqueViolation { return .concurrentDuplicate }
            // Admin shutdown, crash shutdown, cannot connect now: the server is going away.
            if state.hasPrefix("57P") || state.hasPrefix("08") { return .unavailable }
            return nil
        }
        switch error.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed:
            return .unavailable
        default:
            return nil
        }
    }
}
