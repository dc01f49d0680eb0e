import PostgresNIO

extension Error {
    /// PostgreSQL's SQLSTATE for a server error, if this is one.
    var sqlState: String? {
        (self as? PSQLError)?.serverInfo?[.sqlState]
    }

    /// The constraint a server error names, if any.
    var constraintName: String? {
        (self as? PSQLError)?.serverInfo?[.constraintName]
    }

    var isUniqueViolation: Bool { sqlState == "23505" }
    var isForeignKeyViolation: Bool { sqlState == "23503" }
}
