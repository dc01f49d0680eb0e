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

    public var isUniqueViolation: Bool { sqlState == "23505" }
    /// Serialization failure, deadlock or lock timeout with a concurrent request: worth a retry.
    public var isConcurrencyCollision: Bool { ["40001", "40P01", "55P03"].contains(sqlState ?? "") }
    var isForeignKeyViolation: Bool { sqlState == "23503" }
}
